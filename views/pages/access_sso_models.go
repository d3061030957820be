package pages

// SSORefusedPage says why a single sign-on ended without a session. Grants
// lists, for an unmapped user, which groups would grant which role.
type SSORefusedPage struct {
	Status   int
	Provider string
	Message  string
	Groups   []string
	Grants   []SSOGrant
}

// SSOGrant is a role and the provider groups that grant it.
type SSOGrant struct {
	Role   string
	Groups []string
}

// reauthTitle is the re-authentication page's title: a provider's users
// confirm who they are there, not with a password.
func reauthTitle(p ReauthPage) string {
	if p.Provider != nil {
		return "Confirm it is you"
	}
	return "Confirm your password"
}
