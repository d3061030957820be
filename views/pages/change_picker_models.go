package pages

// RolePicker is the role search on the new-change form: the account's IAM
// roles matching what was typed.
type RolePicker struct {
	// Enabled when Rolegate reads IAM; without it the form has no picker.
	Enabled   bool
	SearchURL string // GET: the results fragment htmx swaps in as the search is typed
	// PickURL takes the whole change form by POST and gives it back, every
	// field kept, with the results of role_q and the role in pick added.
	PickURL  string
	Query    string
	Searched bool
	Results  []RolePick
	More     bool
	// Error is a safe sentence when the roles could not be listed.
	Error string
}

// RolePick is one role the picker offers.
type RolePick struct {
	ARN, Name, Path, Description string
	TrustsRedshift               bool
	ServiceLinked                bool
	Attached                     bool // already on the cluster
	Adding                       bool // already in the roles to add
}
