package pages

// RolePicker is the role search on the new-change form: the account's IAM
// roles matching what was typed.
type RolePicker struct {
	// Enabled when Rolegate reads IAM; without it the form has no picker.
	Enabled   bool
	SearchURL string // GET: the form's page with the results (the fragment for htmx)
	Query     string
	Searched  bool
	Results   []RolePick
	More      bool
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
