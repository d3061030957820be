package handlers

import (
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"
	"time"
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
	msgLocalOff  = "Password sign-in is switched off: sign in with your company account above."
)

func (h *Handler) loginPage(c echo.Context) error {
	next := safeRedirect(c.QueryParam("next"), "/")
	if userOf(c) != nil {
		return seeOther(c, next)
	}
	p := h.loginView(pages.LoginPage{Next: next})
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
	p := h.loginView(pages.LoginPage{Username: username, Next: next})
	try := h.signInAttempt(c, username)
	anon := audit.Actor{Username: username}
	if !h.throttle.allowed(try) {
		h.recordAs(c, anon, audit.SignInThrottled, audit.Failure, map[string]any{"username": username, "known_device": try.device != ""})
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
		h.throttle.failed(try)
		if u != nil {
			anon = audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}
		}
		h.recordAs(c, anon, audit.SignInFailed, audit.Failure, map[string]any{"username": username, "reason": reason, "known_device": try.device != ""})
		p.Error = msgBadLogin
		return h.render(c, http.StatusUnauthorized, pages.Login(p))
	}
	if h.breakGlass && (!u.BreakGlass || u.Role != auth.RoleAdmin) {
		h.recordAs(c, audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}, audit.SignInFailed, audit.Failure,
			map[string]any{"username": username, "reason": "local sign-in off", "known_device": try.device != ""})
		p.Error = msgLocalOff
		return h.render(c, http.StatusForbidden, pages.Login(p))
	}
	if u.Role == auth.RoleAdmin && h.adminMFA {
		return h.beginMFA(c, u, next)
	}
	return h.finishSignIn(c, u, next)
}

// signInAttempt is who is trying to prove to be username, for throttling:
// the account, the client's address, and the browser's device cookie when
// it is a valid one for that account.
func (h *Handler) signInAttempt(c echo.Context, username string) attempt {
	return attempt{username: username, ip: c.RealIP(), device: h.devices.Check(c.Request(), username)}
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

// finishSignIn starts the user's session with a fresh ID, records it and
// goes on to next.
func (h *Handler) finishSignIn(c echo.Context, u *auth.User, next string) error {
	if err := h.startSession(c, u); err != nil {
		return err
	}
	return seeOther(c, next)
}

// startSession starts the user's session with a fresh ID and records the
// sign-in; the caller answers.
func (h *Handler) startSession(c echo.Context, u *auth.User) error {
	return h.startSessionAt(c, u, h.sessions.Now(), nil)
}

// startSessionAt is startSession for a user who authenticated at authTime
// (a provider's sign-in), with more to record.
func (h *Handler) startSessionAt(c echo.Context, u *auth.User, authTime time.Time, extra map[string]any) error {
	s := h.newSession(c)
	s.Values[auth.KeyUserID] = u.ID
	s.Values[auth.KeyAuthTime] = authTime.Unix()
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	// This browser has proved itself for u: from now on its failed
	// attempts for u count against its own budget only.
	if err := h.devices.Issue(c.Response(), u.Username); err != nil {
		return err
	}
	params := map[string]any{"username": u.Username}
	for k, v := range extra {
		params[k] = v
	}
	h.recordAs(c, audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}, audit.SignIn, audit.Success, params)
	h.rotateCSRF(c)
	return nil
}

// rotateCSRF gives the browser a new CSRF token, so that a token known
// before signing in or out (planted by another site, or read on a shared
// computer) is worth nothing afterwards. It replaces the cookie the CSRF
// middleware set on this response: one Set-Cookie per name, as RFC 6265
// asks, so that every client ends with the new value.
func (h *Handler) rotateCSRF(c echo.Context) {
	hd := c.Response().Header()
	var kept []string
	for _, v := range hd.Values("Set-Cookie") {
		if !strings.HasPrefix(v, h.csrfCookie+"=") {
			kept = append(kept, v)
		}
	}
	hd.Del("Set-Cookie")
	for _, v := range kept {
		hd.Add("Set-Cookie", v)
	}
	token := rand.Text()
	c.SetCookie(&http.Cookie{
		Name: h.csrfCookie, Value: token, Path: "/", Expires: time.Now().Add(csrfCookieAge),
		HttpOnly: true, Secure: h.https, SameSite: http.SameSiteStrictMode,
	})
	c.Set(ctxCSRF, token)
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
	h.rotateCSRF(c)
	return seeOther(c, "/login?signed_out=1")
}

func (h *Handler) reauthPage(c echo.Context) error {
	next := safeRedirect(c.QueryParam("next"), "/")
	return h.render(c, http.StatusOK, pages.Reauth(h.reauthView(c, pages.ReauthPage{Next: next, CommentKept: h.commentKeptFor(c, next)})))
}

func (h *Handler) reauthSubmit(c echo.Context) error {
	u := authUserOf(c)
	next := safeRedirect(c.FormValue("next"), "/")
	p := h.reauthView(c, pages.ReauthPage{Next: next, CommentKept: h.commentKeptFor(c, next)})
	try := h.signInAttempt(c, u.Username)
	if !h.throttle.allowed(try) {
		h.record(c, audit.SignInThrottled, audit.Failure, map[string]any{"username": u.Username, "step": "reauth", "known_device": try.device != ""})
		p.Error = msgThrottled
		return h.render(c, http.StatusTooManyRequests, pages.Reauth(p))
	}
	if !u.CheckPassword(c.FormValue("password")) {
		h.throttle.failed(try)
		h.record(c, audit.Reauthenticated, audit.Failure, map[string]any{"username": u.Username, "known_device": try.device != ""})
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
