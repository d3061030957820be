package pages

// SSORefusedPage says why a single sign-on ended without a session. Grants
// lists, for an unmapped user, which groups would grant which role.
type SSORefusedPage struct {
	Status   int
	Provider string
	Message  string
	Groups   []string
	Grants   []SSOGrant
	// LocalSignIn says that the password form still works (for
	// break-glass accounts).
	LocalSignIn bool
}

// SSOGrant is a role and the provider groups that grant it.
type SSOGrant struct {
	Role   string
	Groups []string
}
