package pages

// TokenSection is the API tokens card: of the signed-in user on the
// account page, or of a service account on its admin page. Base is where
// its forms post (/account/tokens or /admin/users/{id}/tokens).
type TokenSection struct {
	Base    string
	Owner   string // whose tokens, for the heading
	Tokens  []TokenRow
	Scopes  []string
	MaxDays int
	Form    NewTokenForm
}

// TokenRow is one token: never its secret.
type TokenRow struct {
	ID        int64
	Name      string
	Scope     string
	Prefix    string
	Created   string
	Expires   string
	LastUsed  string // "never" when unused
	Status    string // active, expired or revoked
	RevokeURL string // "" when it no longer works
}

// NewTokenForm is the new-token form as typed, with a message per field.
type NewTokenForm struct {
	Name, Scope, Days                string
	NameError, ScopeError, DaysError string
}

// NewTokenPage shows a new token's secret, once.
type NewTokenPage struct {
	Name   string
	Scope  string
	Secret string
	Next   string
}

// ServiceAccountForm is the admin users page's add-service-account form.
type ServiceAccountForm struct {
	Username, DisplayName, Role string
	Errors                      NewUserErrors
}
