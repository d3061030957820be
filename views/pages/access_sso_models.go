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
