package pages

import "rolegate/views/components"

// DemoUser is a demo sign-in listed on the sign-in page in demo mode.
type DemoUser struct {
	Username    string
	DisplayName string
	Role        string
	Password    string
}

// LoginPage is the sign-in form. Error is the one generic failure message.
type LoginPage struct {
	Username  string
	Next      string
	Error     string
	Notice    string
	DemoUsers []DemoUser
	// Providers get a sign-in button each.
	Providers []SSOProvider
	// BreakGlassOnly says that only break-glass admins sign in with a
	// password.
	BreakGlassOnly bool
}

// SSOProvider is a provider's sign-in button.
type SSOProvider struct {
	ID, Name string
}

// MFAPage asks for the TOTP code; with EnrolSecret set it first shows the
// secret to add to an authenticator app.
type MFAPage struct {
	Username    string
	Next        string
	Error       string
	EnrolSecret string
	EnrolURI    string
	// EnrolQR is EnrolURI as a QR code image, a data: URI.
	EnrolQR string
}

// RecoveryCodesPage shows new recovery codes, once; Next is where to go
// on from there.
type RecoveryCodesPage struct {
	Codes []string
	Next  string
}

// SecondFactorSection is the account page's second-factor card: how many
// recovery codes are left, and the form that makes new ones.
type SecondFactorSection struct {
	Enrolled      bool
	RecoveryCodes int
}

// TimeZoneSection is the account page's time-zone form: the zone chosen
// and the zones to choose from.
type TimeZoneSection struct {
	Zone  string
	Zones []string
	Error string
}

// ReauthPage asks for the password again before a sensitive action.
type ReauthPage struct {
	Next  string
	Error string
	// Provider, when set, is where an SSO user confirms who they are.
	Provider *SSOProvider
	// CommentKept: the interrupted form's comment is kept for Next.
	CommentKept bool
}

// UserRow is one user in the admin list and on their page.
type UserRow struct {
	ID          int64
	Username    string
	DisplayName string
	Role        string
	Disabled    bool
	MFA         bool
	BreakGlass  bool
	Sessions    int
	Created     components.Moment
	// Service marks a service account: no password, API tokens only.
	Service bool
}

// NewUserErrors are the field messages of the add-user form.
type NewUserErrors struct {
	Username, DisplayName, Role, Password string
}

// NewUserForm is the add-user form as typed (never the password).
type NewUserForm struct {
	Username    string
	DisplayName string
	Role        string
	Errors      NewUserErrors
}

// UsersPage is the admin list of users with the add-user form.
type UsersPage struct {
	Users   []UserRow
	Roles   []string
	Form    NewUserForm
	Service ServiceAccountForm
}

// UserPage is one user's admin page.
type UserPage struct {
	User          UserRow
	Roles         []string
	Error         string
	PasswordError string
	// Tokens are a service account's API tokens; nil for a person.
	Tokens *TokenSection
}

// AccountPage is the signed-in user's own page.
type AccountPage struct {
	User UserRow
	// Password is false for a user without a local password (single
	// sign-on): the page says where their password is changed instead.
	Password     bool
	CurrentError string
	NewError     string
	Notify       NotifyPrefsForm
	SecondFactor SecondFactorSection
	TimeZone     TimeZoneSection
	Tokens       TokenSection
}
