package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/views/pages"
)

// targetAccount is the account named by :account, read again for every
// request.
func (h *Handler) targetAccount(c echo.Context) (*account.Account, error) {
	a, err := h.accounts.Get(c.Request().Context(), c.Param("account"))
	if errors.Is(err, account.ErrNotFound) {
		return nil, httpError(http.StatusNotFound, "", err)
	}
	return a, err
}

// editForm is the edit form filled with the stored settings, never the
// external ID.
func editForm(a *account.Account) pages.AWSAccountForm {
	return pages.AWSAccountForm{ID: a.ID, Name: a.Name, RoleARN: a.RoleARN, Regions: strings.Join(a.Regions, ", "), ProductionTag: a.ProductionTag}
}

func (h *Handler) awsAccountView(c echo.Context, a *account.Account, f pages.AWSAccountForm) pages.AWSAccountPage {
	return pages.AWSAccountPage{Account: accountRow(a, zoneOf(c)), DefaultRegions: h.defaultRegions, DefaultProductionTag: h.defaultProdTag, Form: f}
}

func (h *Handler) accountShow(c echo.Context) error {
	a, err := h.targetAccount(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.AWSAccountDetail(h.awsAccountView(c, a, editForm(a))))
}

// accountUpdate saves the edit form: every field as typed, the external ID
// only when a new one is typed or removal is ticked.
func (h *Handler) accountUpdate(c echo.Context) error {
	a, err := h.targetAccount(c)
	if err != nil {
		return err
	}
	f := readAccountForm(c)
	f.ID = a.ID
	regions := account.SplitRegions(f.Regions)
	ch := account.Changes{Name: &f.Name, RoleARN: &f.RoleARN, Regions: &regions, ProductionTag: &f.ProductionTag}
	switch {
	case f.ClearExternalID:
		empty := ""
		ch.ExternalID = &empty
	case f.ExternalID != "":
		ch.ExternalID = &f.ExternalID
	}
	saved, err := h.accounts.Set(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), a.ID, ch)
	var ve *account.ValidationError
	switch {
	case errors.As(err, &ve):
		f.Errors = accountFormErrors(ve.Fields)
		return h.render(c, http.StatusUnprocessableEntity, pages.AWSAccountDetail(h.awsAccountView(c, a, f)))
	case errors.Is(err, account.ErrConflict):
		return httpError(http.StatusConflict, "The account changed while you were editing it; reload the page.", err)
	case err != nil:
		return err
	}
	h.addFlash(c, "success", "Settings of "+saved.Name+" saved.")
	return seeOther(c, "/admin/accounts/"+saved.ID)
}

func (h *Handler) accountDisable(c echo.Context) error {
	return h.accountSwitch(c, h.accounts.Disable, "disabled; its clusters are no longer listed or changed.")
}

func (h *Handler) accountEnable(c echo.Context) error {
	return h.accountSwitch(c, h.accounts.Enable, "enabled.")
}

func (h *Handler) accountSwitch(c echo.Context, do func(context.Context, audit.Actor, audit.Origin, string) (*account.Account, error), done string) error {
	a, err := h.targetAccount(c)
	if err != nil {
		return err
	}
	a, err = do(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), a.ID)
	if err != nil {
		return err
	}
	h.addFlash(c, "success", "Account "+a.Name+" "+done)
	return seeOther(c, "/admin/accounts/"+a.ID)
}
