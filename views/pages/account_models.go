package pages

import "rolegate/views/components"

// AWSAccountRow is one AWS account in the admin list and on its page.
type AWSAccountRow struct {
	ID            string
	Name          string
	RoleARN       string // "" for the account Rolegate runs in
	HasExternalID bool   // never the external ID itself
	Regions       string // "" for the dashboard's regions
	ProductionTag string // "" for the dashboard's rule
	Disabled      bool
	Updated       components.Moment
}

// AWSAccountErrors are the field messages of the account forms.
type AWSAccountErrors struct {
	Form, ID, Name, RoleARN, ExternalID, Regions, ProductionTag string
}

// AWSAccountForm is the add or edit form as typed. On the edit form an
// empty ExternalID keeps the stored one unless ClearExternalID is set.
type AWSAccountForm struct {
	ID              string
	Name            string
	RoleARN         string
	ExternalID      string
	ClearExternalID bool
	Regions         string
	ProductionTag   string
	Errors          AWSAccountErrors
}

// AWSAccountsPage is the admin list of AWS accounts with the add form.
type AWSAccountsPage struct {
	Accounts []AWSAccountRow
	// DefaultRegions and DefaultProductionTag are the dashboard's, which
	// an account without its own uses.
	DefaultRegions       string
	DefaultProductionTag string
	Form                 AWSAccountForm
}

// AWSAccountPage is one AWS account's admin page with its edit form.
type AWSAccountPage struct {
	Account              AWSAccountRow
	DefaultRegions       string
	DefaultProductionTag string
	Form                 AWSAccountForm
}
