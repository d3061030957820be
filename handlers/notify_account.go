package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/internal/notify"
	"rolegate/views/pages"
)

// notifyPrefsForm is the user's notification settings for the account
// page; empty when notifications are not set up.
func (h *Handler) notifyPrefsForm(ctx context.Context, userID int64) pages.NotifyPrefsForm {
	if h.notify == nil {
		return pages.NotifyPrefsForm{}
	}
	p, err := h.notify.Prefs(ctx, userID)
	if err != nil {
		h.log.Error("reading notification settings", "user_id", userID, "err", err)
		return pages.NotifyPrefsForm{}
	}
	return pages.NotifyPrefsForm{Email: p.Email, EmailOn: p.EmailOn, Alerts: p.Alerts}
}

// notifyPrefsSave saves the signed-in user's own notification settings.
func (h *Handler) notifyPrefsSave(c echo.Context) error {
	u := authUserOf(c)
	ctx := c.Request().Context()
	p := notify.Prefs{Email: c.FormValue("email"), EmailOn: c.FormValue("email_on") == "1", Alerts: c.FormValue("alerts") == "1"}
	err := h.notify.SetPrefs(ctx, h.auditActor(c), h.auditOrigin(c), p)
	var ve *notify.ValidationError
	switch {
	case errors.As(err, &ve):
		page, err := h.accountView(c, u)
		if err != nil {
			return err
		}
		page.Notify = pages.NotifyPrefsForm{Email: p.Email, EmailOn: p.EmailOn, Alerts: p.Alerts, Error: ve.Fields["email"]}
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(page))
	case err != nil:
		return err
	}
	h.addFlash(c, "success", "Notification settings saved.")
	return seeOther(c, "/account")
}
