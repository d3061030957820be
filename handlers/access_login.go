package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// Sign-in failure messages: the same for an unknown user, a wrong password
// and a disabled account.
const (
	msgBadLogin  = "Wrong username or password."
	msgThrottled = "Too many failed sign-ins. Wait a minute and try again."
)

func (h *Handler) loginPage(c echo.Context) error {
	next := safeRedirect(c.QueryParam("next"), "/")
	if userOf(c) != nil {
		return seeOther(c, next)
	}
	p := pages.LoginPage{Next: next, DemoUsers: h.demoUsers}
	switch {
	case c.QueryParam("expired") != "":
		p.Notice = "Your session has ended. Sign in again."
	case c.QueryParam("signed_out") != "":
		p.Notice = "You have signed out."
	}
	return h.render(c, http.StatusOK, pages.Login(p))
}

// typedUsername keeps what the visitor typed within bounds for the audit
// log and the form.
// Control characters (CR/LF) are escaped so that they cannot forge lines
// in logs or exports.
func typedUsername(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || !unicode.IsPrint(r) }) || !utf8.ValidString(s) {
		q := strconv.QuoteToASCII(s)
		return q[1 : len(q)-1]
	}
	return s
}

func (h *Handler) loginSubmit(c echo.Context) error {
	username := typedUsername(c.FormValue("username"))
	password := c.FormValue("password")
	next := safeRedirect(c.FormValue("next"), "/")
	p := pages.LoginPage{Username: username, Next: next, DemoUsers: h.demoUsers}
	ip := c.RealIP()
	anon := audit.Actor{Username: username}
	if !h.throttle.allowed(username, ip) {
		h.recordAs(c, anon, audit.SignInThrottled, audit.Failure, map[string]any{"username": username})
		p.Error = msgThrottled
		c.Response().Header().Set("Retry-After", "60")
		return h.render(c, http.StatusTooManyRequests, pages.Login(p))
	}
	u, err := h.users.ByUsername(c.Request().Context(), username)
	reason := ""
	switch {
	case err != nil:
		auth.BurnPasswordTime(password)
		reason = "unknown user"
		if err != auth.ErrNotFound {
			h.log.Error("sign-in user lookup failed", "request_id", requestIDOf(c), "err", err)
			reason = "lookup failed"
		}
	case !u.CheckPassword(password):
		reason = "wrong password"
	case u.Disabled:
		reason = "disabled account"
	}
	if reason != "" {
		h.throttle.failed(username, ip)
		if u != nil {
			anon = audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}
		}
		h.recordAs(c, anon, audit.SignInFailed, audit.Failure, map[string]any{"username": username, "reason": reason})
		p.Error = msgBadLogin
		return h.render(c, http.StatusUnauthorized, pages.Login(p))
	}
	if u.Role == auth.RoleAdmin && h.adminMFA {
		return h.beginMFA(c, u, next)
	}
	return h.finishSignIn(c, u, next)
}

// newSession replaces the request's session (deleting its row) with a new
// one that gets a fresh ID when saved.
func (h *Handler) newSession(c echo.Context) *sessions.Session {
	if old := sessionOf(c); old != nil {
		if err := h.sessions.Destroy(c.Request().Context(), old); err != nil {
			h.log.Warn("deleting the old session failed", "request_id", requestIDOf(c), "err", err)
		}
	}
	s := sessions.NewSession(h.sessions, h.cookieName)
	opts := *h.sessions.Options
	s.Options = &opts
	s.IsNew = true
	c.Set(ctxSession, s)
	return s
}

// finishSignIn starts the user's session with a fresh ID and records it.
func (h *Handler) finishSignIn(c echo.Context, u *auth.User, next string) error {
	s := h.newSession(c)
	s.Values[auth.KeyUserID] = u.ID
	s.Values[auth.KeyAuthTime] = h.sessions.Now().Unix()
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	h.recordAs(c, audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}, audit.SignIn, audit.Success,
		map[string]any{"username": u.Username})
	// A new CSRF token for the signed-in session.
	h.expireCSRFCookie(c)
	return seeOther(c, next)
}

func (h *Handler) expireCSRFCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: h.csrfCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.https, SameSite: http.SameSiteStrictMode})
}

func (h *Handler) logout(c echo.Context) error {
	s := sessionOf(c)
	if u := userOf(c); u != nil {
		h.record(c, audit.SignOut, audit.Success, map[string]any{"username": u.Username})
	}
	if s != nil {
		s.Options.MaxAge = -1
		if err := s.Save(c.Request(), c.Response()); err != nil {
			return err
		}
	}
	h.expireCSRFCookie(c)
	return seeOther(c, "/login?signed_out=1")
}

func (h *Handler) reauthPage(c echo.Context) error {
	return h.render(c, http.StatusOK, pages.Reauth(pages.ReauthPage{Next: safeRedirect(c.QueryParam("next"), "/")}))
}

func (h *Handler) reauthSubmit(c echo.Context) error {
	u := authUserOf(c)
	next := safeRedirect(c.FormValue("next"), "/")
	p := pages.ReauthPage{Next: next}
	ip := c.RealIP()
	if !h.throttle.allowed(u.Username, ip) {
		h.record(c, audit.SignInThrottled, audit.Failure, map[string]any{"username": u.Username, "step": "reauth"})
		p.Error = msgThrottled
		return h.render(c, http.StatusTooManyRequests, pages.Reauth(p))
	}
	if !u.CheckPassword(c.FormValue("password")) {
		h.throttle.failed(u.Username, ip)
		h.record(c, audit.Reauthenticated, audit.Failure, map[string]any{"username": u.Username})
		p.Error = "Wrong password."
		return h.render(c, http.StatusUnauthorized, pages.Reauth(p))
	}
	s := sessionOf(c)
	s.Values[auth.KeyAuthTime] = h.sessions.Now().Unix()
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	h.record(c, audit.Reauthenticated, audit.Success, map[string]any{"username": u.Username})
	return seeOther(c, next)
}
