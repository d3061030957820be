package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/views"
	"rolegate/views/pages"
)

// AccessOptions are the dependencies of sign-in, sessions and user
// administration.
type AccessOptions struct {
	Users *auth.Users
	// Directory makes every change to the users.
	Directory *auth.Directory
	Sessions  *auth.SessionStore
	// ReauthAfter is how old a password check may be before requireRecentAuth
	// asks for it again.
	ReauthAfter time.Duration
	// AdminMFA makes admins use a second factor (TOTP); off in demo mode.
	AdminMFA bool
	// DemoUsers are listed on the sign-in page in demo mode.
	DemoUsers []pages.DemoUser
	// Throttle limits failed sign-ins; DefaultLoginLimits for the limits
	// left zero.
	Throttle LoginLimits
	// SSO signs users in through OpenID Connect providers; nil or without
	// providers is password sign-in only.
	SSO *auth.SSO
	// LocalSignIn is config.LocalSignInBreakGlass to refuse password
	// sign-in to everyone but break-glass admins.
	LocalSignIn string
}

type accessDeps struct {
	users       *auth.Users
	directory   *auth.Directory
	sessions    *auth.SessionStore
	cookieName  string
	csrfCookie  string
	reauthAfter time.Duration
	adminMFA    bool
	demoUsers   []pages.DemoUser
	throttle    *loginThrottle
	devices     *auth.Devices
	sso         *auth.SSO
	breakGlass  bool
	// formTargets are the providers' origins, where the sign-in buttons'
	// forms are redirected to, for the CSP's form-action (" origin" each).
	formTargets string
}

const (
	ctxSession     = "session"
	ctxSessionGone = "session_gone"
	ctxAuthUser    = "auth_user"
)

func (h *Handler) setupAccess(o Options) error {
	if o.Users == nil || o.Directory == nil || o.Sessions == nil {
		return errors.New("handlers: Users, Directory and Sessions are required")
	}
	h.users = o.Users
	h.directory = o.Directory
	h.sessions = o.Sessions
	h.cookieName = auth.CookieName(o.HTTPS)
	h.csrfCookie = "rolegate_csrf"
	if o.HTTPS {
		h.csrfCookie = "__Host-rolegate_csrf"
	}
	h.reauthAfter = o.ReauthAfter
	if h.reauthAfter == 0 {
		h.reauthAfter = 15 * time.Minute
	}
	h.adminMFA = o.AdminMFA
	h.demoUsers = o.DemoUsers
	h.throttle = newLoginThrottle(o.Throttle, o.Sessions.Now)
	h.devices = o.Sessions.Devices()
	h.sso = o.SSO
	h.breakGlass = o.LocalSignIn == "break-glass"
	for _, p := range o.SSO.Providers() {
		if u, err := url.Parse(p.Issuer); err == nil && u.Host != "" {
			h.formTargets += " " + u.Scheme + "://" + u.Host
		}
	}
	return nil
}

// skipAccess lists the paths that need neither a session nor CSRF checks
// (/metrics has its own bearer token, the API its tokens).
func skipAccess(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/static/") || p == "/healthz" || p == "/readyz" || p == "/metrics" || strings.HasPrefix(p, apiPrefix)
}

// csrfCookieAge is how long a CSRF cookie lasts: a session's absolute
// lifetime.
const csrfCookieAge = 12 * time.Hour

// accessMiddleware loads the session and checks the Origin and the CSRF
// token of every state-changing request.
func (h *Handler) accessMiddleware() []echo.MiddlewareFunc {
	csrf := middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        skipAccess,
		TokenLength:    32,
		TokenLookup:    "header:X-CSRF-Token,form:_csrf",
		ContextKey:     ctxCSRF,
		CookieName:     h.csrfCookie,
		CookiePath:     "/",
		CookieMaxAge:   int(csrfCookieAge / time.Second),
		CookieSecure:   h.https,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteStrictMode,
	})
	return []echo.MiddlewareFunc{h.refuseTokenOnPages, h.loadSession, h.checkOrigin, h.checkCSRF(csrf)}
}

// checkCSRF wraps echo's CSRF middleware so that every refusal (missing,
// wrong or cross-site) answers 403 with the error page and is recorded.
func (h *Handler) checkCSRF(csrf echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			reached := false
			err := csrf(func(c echo.Context) error {
				reached = true
				return next(c)
			})(c)
			if err == nil || reached {
				return err
			}
			return h.refuseForm(c, csrfReason(err), err)
		}
	}
}

// refuseForm answers a state-changing request that may be forged with 403
// and records the refusal.
func (h *Handler) refuseForm(c echo.Context, reason string, err error) error {
	h.record(c, audit.CSRFFailed, audit.Failure, map[string]any{
		"method": c.Request().Method, "path": c.Request().URL.Path, "reason": reason,
	})
	return httpError(http.StatusForbidden, "This form has expired or did not come from Rolegate. Reload the page and try again.", err)
}

func csrfReason(err error) string {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if he.Code == http.StatusBadRequest {
			return "missing token"
		}
		if m, ok := he.Message.(string); ok {
			return m
		}
	}
	return "invalid token"
}

// loadSession finds the signed-in user of the request, if any. The user is
// read from the database on every request, so a role change or a disabled
// account takes effect at once.
func (h *Handler) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if skipAccess(c) {
			return next(c)
		}
		r := c.Request()
		sess, err := h.sessions.Get(r, h.cookieName)
		if err != nil {
			if !errors.Is(err, auth.ErrSessionGone) {
				h.log.Warn("session load failed", "request_id", requestIDOf(c), "err", err)
			}
			c.Set(ctxSessionGone, true)
		}
		c.Set(ctxSession, sess)
		if uid, ok := sess.Values[auth.KeyUserID].(int64); ok && uid > 0 {
			u, err := h.users.ByID(r.Context(), uid)
			switch {
			case err == nil && !u.Disabled:
				c.Set(ctxAuthUser, u)
				c.Set(ctxUser, viewUser(u))
			case err == nil || errors.Is(err, auth.ErrNotFound):
				_ = h.sessions.Destroy(r.Context(), sess)
				c.Set(ctxSessionGone, true)
			default:
				return fmt.Errorf("load session user: %w", err)
			}
		}
		if !sess.IsNew {
			if flashes := popFlashes(sess); len(flashes) > 0 && r.Method == http.MethodGet {
				c.Set(ctxFlashes, flashes)
				if err := sess.Save(r, c.Response()); err != nil {
					return err
				}
			} else if err := h.sessions.Touch(r.Context(), sess); err != nil {
				return err
			}
		}
		return next(c)
	}
}

func sessionOf(c echo.Context) *sessions.Session {
	s, _ := c.Get(ctxSession).(*sessions.Session)
	return s
}

// authUserOf is the signed-in user as the domain sees them.
func authUserOf(c echo.Context) *auth.User {
	u, _ := c.Get(ctxAuthUser).(*auth.User)
	return u
}

// addFlash queues a message for the next page of this session.
func (h *Handler) addFlash(c echo.Context, kind, msg string) {
	s := sessionOf(c)
	if s == nil || s.ID == "" {
		return
	}
	list, _ := s.Values[auth.KeyFlash].([]string)
	s.Values[auth.KeyFlash] = append(list, kind+"|"+msg)
	if err := s.Save(c.Request(), c.Response()); err != nil {
		h.log.Warn("saving a flash failed", "request_id", requestIDOf(c), "err", err)
	}
}

func popFlashes(s *sessions.Session) []views.Flash {
	list, _ := s.Values[auth.KeyFlash].([]string)
	if len(list) == 0 {
		return nil
	}
	delete(s.Values, auth.KeyFlash)
	out := make([]views.Flash, 0, len(list))
	for _, f := range list {
		kind, msg, _ := strings.Cut(f, "|")
		out = append(out, views.Flash{Kind: kind, Message: msg})
	}
	return out
}

// requireSignIn sends anonymous visitors to the sign-in page: a 303 for
// pages, an HX-Redirect for htmx.
func (h *Handler) requireSignIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if userOf(c) != nil {
			return next(c)
		}
		to := "/login?next=" + url.QueryEscape(nextTarget(c))
		if gone, _ := c.Get(ctxSessionGone).(bool); gone {
			to += "&expired=1"
		}
		if isHTMX(c) {
			c.Response().Header().Set("HX-Redirect", to)
			return c.NoContent(http.StatusNoContent)
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
}

// nextTarget is where to come back to after signing in: the page itself
// for GET, and for a POST the page the form was on (the path without its
// last segment, e.g. /changes/7 for /changes/7/approve).
func nextTarget(c echo.Context) string {
	r := c.Request()
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	p := r.URL.Path
	if i := strings.LastIndex(p, "/"); i > 0 {
		return p[:i]
	}
	return "/"
}

// requireRole refuses, with 403, users whose role does not include min;
// anonymous visitors are sent to sign in first.
func (h *Handler) requireRole(min auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return h.requireSignIn(func(c echo.Context) error {
			u := userOf(c)
			if !auth.Role(u.Role).AtLeast(min) {
				h.record(c, audit.AccessDenied, audit.Failure, map[string]any{
					"method": c.Request().Method, "path": c.Request().URL.Path, "route": c.Path(), "needs": string(min),
				})
				return httpError(http.StatusForbidden, "", fmt.Errorf("role %s below %s", u.Role, min))
			}
			return next(c)
		})
	}
}

// requireRecentAuth asks for the password again when the last sign-in or
// re-authentication is older than the reauth-after setting. A comment
// typed into the interrupted form is kept for the page it came from (see
// keepComment); the action itself is not replayed: the user sends it
// again, from the page as it is then.
func (h *Handler) requireRecentAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return h.requireSignIn(func(c echo.Context) error {
		if h.authFresh(c) {
			return next(c)
		}
		if err := h.keepComment(c, nextTarget(c)); err != nil {
			return err
		}
		to := "/reauth?next=" + url.QueryEscape(nextTarget(c))
		if isHTMX(c) {
			c.Response().Header().Set("HX-Redirect", to)
			return c.NoContent(http.StatusNoContent)
		}
		return c.Redirect(http.StatusSeeOther, to)
	})
}

func (h *Handler) authFresh(c echo.Context) bool {
	s := sessionOf(c)
	if s == nil {
		return false
	}
	at, _ := s.Values[auth.KeyAuthTime].(int64)
	return at > 0 && h.sessions.Now().Sub(time.Unix(at, 0)) < h.reauthAfter
}

// auditActor is the signed-in user as an audit actor ("anonymous" when
// signed out).
func (h *Handler) auditActor(c echo.Context) audit.Actor {
	if u := userOf(c); u != nil {
		return audit.Actor{UserID: u.ID, Username: u.Username, Role: u.Role}
	}
	return audit.Actor{Username: "anonymous"}
}

// auditOrigin is where the request came from: client IP (from the
// configured IP extractor), user agent, request ID and a hash of the
// session ID (never the ID).
func (h *Handler) auditOrigin(c echo.Context) audit.Origin {
	ua := c.Request().UserAgent()
	if len(ua) > 256 {
		ua = ua[:256]
	}
	o := audit.Origin{ClientIP: c.RealIP(), UserAgent: ua, RequestID: requestIDOf(c)}
	if s := sessionOf(c); s != nil && s.ID != "" {
		o.SessionHash = sessionAuditHash(s.ID)
	}
	return o
}

// sessionAuditHash identifies a session in the audit log and logs without
// revealing the ID, nor the hash stored in the sessions table.
func sessionAuditHash(id string) string {
	sum := sha256.Sum256([]byte("rolegate audit session\x00" + id))
	return hex.EncodeToString(sum[:12])
}

// record writes an audit event that goes with no other state change; a
// failure to record is logged (the request's own outcome stands). The
// write does not use the request's cancellation: a client that hangs up
// (which cancels the request's context) must not erase the trace of its
// failed sign-in or refused form.
func (h *Handler) record(c echo.Context, action audit.Action, outcome audit.Outcome, params map[string]any) {
	h.recordAs(c, h.auditActor(c), action, outcome, params)
}

func (h *Handler) recordAs(c echo.Context, actor audit.Actor, action audit.Action, outcome audit.Outcome, params map[string]any) {
	_, err := h.audit.Record(context.WithoutCancel(c.Request().Context()), audit.Event{
		Actor: actor, Origin: h.auditOrigin(c), Action: action, Outcome: outcome, Params: audit.Params(params),
	})
	if err != nil {
		h.log.Error("audit record failed", "request_id", requestIDOf(c), "action", string(action), "err", err)
	}
}

func (h *Handler) routesAccess(e *echo.Echo) {
	e.GET("/login", h.loginPage)
	e.POST("/login", h.loginSubmit)
	e.POST("/logout", h.logout)
	e.GET("/login/mfa", h.mfaPage)
	e.POST("/login/mfa", h.mfaSubmit)
	h.routesSSO(e)
	e.GET("/reauth", h.reauthPage, h.requireSignIn)
	e.POST("/reauth", h.reauthSubmit, h.requireSignIn)
	e.GET("/account", h.accountPage, h.requireRole(auth.RoleViewer))
	e.POST("/account/password", h.accountPassword, h.requireRole(auth.RoleViewer))
	e.POST("/account/recovery-codes", h.accountRecoveryCodes, h.requireRole(auth.RoleViewer), h.requireRecentAuth)
	e.POST("/account/time-zone", h.accountTimeZone, h.requireRole(auth.RoleViewer))

	admin := h.requireRole(auth.RoleAdmin)
	e.GET("/admin/users", h.adminUsers, admin)
	e.POST("/admin/users", h.adminUserCreate, admin)
	e.GET("/admin/users/:id", h.adminUser, admin)
	e.POST("/admin/users/:id/role", h.adminUserRole, admin)
	e.POST("/admin/users/:id/disable", h.adminUserDisable, admin)
	e.POST("/admin/users/:id/enable", h.adminUserEnable, admin)
	e.POST("/admin/users/:id/password", h.adminUserPassword, admin)
	e.POST("/admin/users/:id/sessions/end", h.adminUserEndSessions, admin)
	e.POST("/admin/users/:id/mfa/reset", h.adminUserResetMFA, admin)
	e.POST("/admin/users/:id/break-glass", h.adminUserBreakGlass, admin)
}
