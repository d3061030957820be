package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// accountRecoveryCodes replaces the user's recovery codes and shows the new
// ones once. The route asks for a recent password first.
func (h *Handler) accountRecoveryCodes(c echo.Context) error {
	u := authUserOf(c)
	codes, err := h.directory.RegenerateRecoveryCodes(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), u.ID)
	if errors.Is(err, auth.ErrNoSecondFactor) {
		return httpError(http.StatusConflict, "You have no second factor, so there are no recovery codes to make.", err)
	}
	if err != nil {
		return err
	}
	return h.showRecoveryCodes(c, codes, "/account")
}

// accountTimeZone stores the zone the user reads times in.
func (h *Handler) accountTimeZone(c echo.Context) error {
	u := authUserOf(c)
	ctx := c.Request().Context()
	zone := c.FormValue("time_zone")
	err := h.directory.SetTimeZone(ctx, h.auditActor(c), h.auditOrigin(c), u.ID, zone)
	if errors.Is(err, auth.ErrUnknownTimeZone) {
		p, verr := h.accountView(c, u)
		if verr != nil {
			return verr
		}
		p.TimeZone.Error = err.Error()
		return h.render(c, http.StatusUnprocessableEntity, pages.Account(p))
	}
	if err != nil {
		return err
	}
	h.addFlash(c, "success", "Times are now shown in "+zone+".")
	return seeOther(c, "/account")
}
