package handlers

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/views"
)

const (
	ctxUser    = "user"
	ctxCSRF    = "csrf"
	ctxFlashes = "flashes"
)

// userOf returns the signed-in user, or nil.
func userOf(c echo.Context) *views.User {
	u, _ := c.Get(ctxUser).(*views.User)
	return u
}

// viewUser is the signed-in user as the views see them, with what their
// role allows.
func viewUser(u *auth.User) *views.User {
	return &views.User{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: string(u.Role),
		Rights: views.Rights{Request: u.Role.CanRequest(), Approve: u.Role.CanApprove(), Administer: u.Role.CanAdminister()},
		Zone:   u.Location(),
	}
}

// viewRequest gathers the request-scoped values the templates read.
func (h *Handler) viewRequest(c echo.Context) *views.Request {
	token, _ := c.Get(ctxCSRF).(string)
	flashes, _ := c.Get(ctxFlashes).([]views.Flash)
	return &views.Request{
		Nonce:     nonceOf(c),
		CSRFToken: token,
		RequestID: requestIDOf(c),
		Version:   h.version,
		Path:      c.Request().URL.Path,
		User:      userOf(c),
		Flashes:   flashes,
		Demo:      h.demo,
		ReadOnly:  h.readOnlyBanner(),
		Asset:     h.assets.URL,
	}
}

// render writes a templ component as an HTML page with the given status.
// It renders into a buffer first so that a template error becomes a clean
// 500 page instead of half a page.
func (h *Handler) render(c echo.Context, status int, comp templ.Component) error {
	ctx := views.WithRequest(c.Request().Context(), h.viewRequest(c))
	ctx = templ.WithNonce(ctx, nonceOf(c))
	var buf bytes.Buffer
	if err := comp.Render(ctx, &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// isHTMX reports whether htmx sent the request, so that a handler may
// answer with a fragment instead of a whole page.
func isHTMX(c echo.Context) bool {
	return c.Request().Header.Get("HX-Request") == "true" && c.Request().Header.Get("HX-History-Restore-Request") != "true"
}

// seeOther answers a successful POST by redirecting to a GET page.
func seeOther(c echo.Context, to string) error {
	return c.Redirect(http.StatusSeeOther, to)
}
