package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/internal/account"
	"rolegate/views/pages"
)

func (h *Handler) accountsView(c echo.Context, form pages.AWSAccountForm) (pages.AWSAccountsPage, error) {
	list, err := h.accounts.List(c.Request().Context())
	if err != nil {
		return pages.AWSAccountsPage{}, err
	}
	p := pages.AWSAccountsPage{DefaultRegions: h.defaultRegions, DefaultProductionTag: h.defaultProdTag, Form: form}
	for _, a := range list {
		p.Accounts = append(p.Accounts, accountRow(a, zoneOf(c)))
	}
	return p, nil
}

func (h *Handler) accountList(c echo.Context) error {
	p, err := h.accountsView(c, pages.AWSAccountForm{})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.AWSAccounts(p))
}

// accountCreate adds an account; refused input re-renders the form with
// a message per field and what was typed.
func (h *Handler) accountCreate(c echo.Context) error {
	f := readAccountForm(c)
	a, err := h.accounts.Add(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), account.Spec{
		ID: f.ID, Name: f.Name, RoleARN: f.RoleARN, ExternalID: f.ExternalID,
		Regions: account.SplitRegions(f.Regions), ProductionTag: f.ProductionTag,
	})
	var ve *account.ValidationError
	switch {
	case errors.As(err, &ve):
		f.Errors = accountFormErrors(ve.Fields)
		p, err := h.accountsView(c, f)
		if err != nil {
			return err
		}
		return h.render(c, http.StatusUnprocessableEntity, pages.AWSAccounts(p))
	case err != nil:
		return err
	}
	h.addFlash(c, "success", "Account "+a.Name+" ("+a.ID+") added.")
	return seeOther(c, "/admin/accounts/"+a.ID)
}
