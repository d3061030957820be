package handlers

import (
	"errors"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/internal/account"
	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// AccountOptions are the dependencies of the AWS accounts pages.
type AccountOptions struct {
	Accounts *account.Service
	// DefaultRegions and DefaultProductionTag are the dashboard's settings,
	// which an account without its own uses; shown on the pages.
	DefaultRegions       []string
	DefaultProductionTag string
}

type accountDeps struct {
	accounts       *account.Service
	defaultRegions string
	defaultProdTag string
}

func (h *Handler) setupAccounts(o Options) error {
	if o.Accounts == nil {
		return errors.New("handlers: Accounts is required")
	}
	h.accounts = o.Accounts
	h.defaultRegions = strings.Join(o.DefaultRegions, ", ")
	h.defaultProdTag = o.DefaultProductionTag
	return nil
}

// routesAccounts: only administrators see and change the AWS accounts.
func (h *Handler) routesAccounts(e *echo.Echo) {
	admin := h.requireRole(auth.RoleAdmin)
	e.GET("/admin/accounts", h.accountList, admin)
	e.POST("/admin/accounts", h.accountCreate, admin)
	e.GET("/admin/accounts/:account", h.accountShow, admin)
	e.POST("/admin/accounts/:account", h.accountUpdate, admin)
	e.POST("/admin/accounts/:account/disable", h.accountDisable, admin)
	e.POST("/admin/accounts/:account/enable", h.accountEnable, admin)
}

// accountRow is the account for a reader in loc.
func accountRow(a *account.Account, loc *time.Location) pages.AWSAccountRow {
	return pages.AWSAccountRow{
		ID: a.ID, Name: a.Name, RoleARN: a.RoleARN, HasExternalID: a.ExternalID != "",
		Regions: strings.Join(a.Regions, ", "), ProductionTag: a.ProductionTag, Disabled: a.Disabled,
		Updated: fmtWhen(a.UpdatedAt, loc),
	}
}

// accountFormErrors puts the service's field messages on the form.
func accountFormErrors(fe account.FieldErrors) pages.AWSAccountErrors {
	return pages.AWSAccountErrors{
		Form: fe[account.FieldForm], ID: fe[account.FieldID], Name: fe[account.FieldName], RoleARN: fe[account.FieldRoleARN],
		ExternalID: fe[account.FieldExternalID], Regions: fe[account.FieldRegions], ProductionTag: fe[account.FieldProductionTag],
	}
}

// readAccountForm reads the fields shared by the add and edit forms.
func readAccountForm(c echo.Context) pages.AWSAccountForm {
	return pages.AWSAccountForm{
		ID:              c.FormValue("id"),
		Name:            c.FormValue("name"),
		RoleARN:         c.FormValue("role_arn"),
		ExternalID:      c.FormValue("external_id"),
		ClearExternalID: c.FormValue("clear_external_id") != "",
		Regions:         c.FormValue("regions"),
		ProductionTag:   c.FormValue("production_tag"),
	}
}
