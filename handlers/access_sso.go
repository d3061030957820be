package handlers

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// keySSOPending is the session value of a sign-in sent to a provider: an
// ssoPending as JSON, used once when the provider sends the browser back.
const keySSOPending = "sso_pending"

// maxAuditGroups bounds the groups a refusal records.
const maxAuditGroups = 50

type ssoPending struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"next"`
	Reauth   bool   `json:"r,omitempty"`
}

func (h *Handler) routesSSO(e *echo.Echo) {
	e.POST("/login/sso/:provider", h.ssoBegin)
	e.GET("/login/sso/:provider/callback", h.ssoCallback)
	e.POST("/reauth/sso", h.ssoReauth, h.requireSignIn)
}

// loginView fills in what every sign-in page shows.
func (h *Handler) loginView(p pages.LoginPage) pages.LoginPage {
	p.DemoUsers = h.demoUsers
	for _, pc := range h.sso.Providers() {
		p.Providers = append(p.Providers, pages.SSOProvider{ID: pc.ID, Name: pc.Name})
	}
	p.BreakGlassOnly = h.breakGlass
	return p
}

// reauthView offers an SSO user their provider instead of a password.
func (h *Handler) reauthView(c echo.Context, p pages.ReauthPage) pages.ReauthPage {
	u := authUserOf(c)
	if u == nil {
		return p
	}
	if link, err := h.users.SSOLinkOf(c.Request().Context(), u.ID); err == nil {
		if pc, ok := h.sso.Provider(link.Provider); ok {
			p.Provider = &pages.SSOProvider{ID: pc.ID, Name: pc.Name}
		}
	}
	return p
}

// ssoBegin sends the browser to the provider's sign-in, keeping the state,
// nonce and PKCE verifier in a new session.
func (h *Handler) ssoBegin(c echo.Context) error {
	id := c.Param("provider")
	if _, ok := h.sso.Provider(id); !ok {
		return httpError(http.StatusNotFound, "No such sign-in provider.", errors.New("unknown provider "+id))
	}
	next := safeRedirect(c.FormValue("next"), "/")
	st, err := h.sso.Begin(c.Request().Context(), id, 0)
	if err != nil {
		return h.ssoRefuse(c, id, err, nil)
	}
	s := h.newSession(c)
	return h.ssoRedirect(c, s.Values, ssoPending{Provider: id, State: st.State, Nonce: st.Nonce, Verifier: st.Verifier, Next: next}, st.URL)
}

// ssoReauth sends an SSO user to their provider to authenticate again
// (prompt=login, max_age) before a sensitive action.
func (h *Handler) ssoReauth(c echo.Context) error {
	u := authUserOf(c)
	next := safeRedirect(c.FormValue("next"), "/")
	link, err := h.users.SSOLinkOf(c.Request().Context(), u.ID)
	if err != nil {
		return httpError(http.StatusConflict, "You sign in with a password: confirm it on the form.", err)
	}
	st, err := h.sso.Begin(c.Request().Context(), link.Provider, h.reauthAfter)
	if err != nil {
		return h.ssoRefuse(c, link.Provider, err, nil)
	}
	return h.ssoRedirect(c, sessionOf(c).Values,
		ssoPending{Provider: link.Provider, State: st.State, Nonce: st.Nonce, Verifier: st.Verifier, Next: next, Reauth: true}, st.URL)
}

func (h *Handler) ssoRedirect(c echo.Context, values map[any]any, p ssoPending, to string) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	values[keySSOPending] = string(raw)
	if err := sessionOf(c).Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, to)
}

// takePending removes the pending sign-in from the session (it is good
// for one callback) and returns it.
func (h *Handler) takePending(c echo.Context) (ssoPending, bool) {
	var p ssoPending
	s := sessionOf(c)
	if s == nil {
		return p, false
	}
	raw, _ := s.Values[keySSOPending].(string)
	if raw == "" {
		return p, false
	}
	delete(s.Values, keySSOPending)
	if err := s.Save(c.Request(), c.Response()); err != nil {
		h.log.Warn("saving the session failed", "request_id", requestIDOf(c), "err", err)
	}
	return p, json.Unmarshal([]byte(raw), &p) == nil
}

// ssoCallback is where the provider sends the browser back: the state is
// checked against the session's, the code exchanged, the ID token
// verified, the role derived from the groups; then the user is signed in
// (or re-authenticated) without a second factor of Rolegate's.
func (h *Handler) ssoCallback(c echo.Context) error {
	id := c.Param("provider")
	pc, ok := h.sso.Provider(id)
	if !ok {
		return httpError(http.StatusNotFound, "No such sign-in provider.", errors.New("unknown provider "+id))
	}
	p, ok := h.takePending(c)
	state := c.QueryParam("state")
	if !ok || p.Provider != id || state == "" || subtle.ConstantTimeCompare([]byte(state), []byte(p.State)) != 1 {
		return h.ssoRefuse(c, id, &auth.SSOError{Reason: auth.SSOStateInvalid}, nil)
	}
	if e := c.QueryParam("error"); e != "" {
		return h.ssoRefuse(c, id, &auth.SSOError{Reason: auth.SSOProviderErr, Err: errors.New(typedUsername(e))}, nil)
	}
	ctx := c.Request().Context()
	ident, err := h.sso.Finish(ctx, id, c.QueryParam("code"), p.Verifier, p.Nonce)
	if err != nil {
		var se *auth.SSOError
		if errors.As(err, &se) && se.Reason == auth.SSOGone {
			if _, derr := h.directory.DisableSSO(context.WithoutCancel(ctx), h.auditOrigin(c), id, se.Subject, se.Reason); derr != nil {
				h.log.Error("disabling a user the provider no longer knows failed", "request_id", requestIDOf(c), "err", derr)
			}
		}
		return h.ssoRefuse(c, id, err, nil)
	}
	role, ok := pc.RoleFor(ident.Groups)
	if !ok {
		return h.ssoRefuse(c, id, &auth.SSOError{Reason: auth.SSONoGroup, Subject: ident.Subject}, ident.Groups)
	}
	sso := map[string]any{"provider": id, "subject": ident.Subject}
	if p.Reauth {
		return h.ssoReauthenticated(c, pc, ident, role, p.Next, sso)
	}
	u, err := h.directory.SignInSSO(ctx, h.auditOrigin(c), *ident, role)
	if errors.Is(err, auth.ErrDisabled) {
		return h.ssoRefuse(c, id, &auth.SSOError{Reason: auth.SSODisabled, Subject: ident.Subject}, nil)
	} else if err != nil {
		return err
	}
	at := ident.AuthTime
	if at.IsZero() || at.After(h.sessions.Now()) {
		at = h.sessions.Now()
	}
	if err := h.startSessionAt(c, u, at, sso); err != nil {
		return err
	}
	return seeOther(c, p.Next)
}

// ssoReauthenticated accepts a fresh authentication of the signed-in
// user by their own provider identity, authenticated within reauth-after.
func (h *Handler) ssoReauthenticated(c echo.Context, pc auth.ProviderConfig, ident *auth.Identity, role auth.Role, next string, sso map[string]any) error {
	ctx := c.Request().Context()
	u := authUserOf(c)
	if u == nil {
		return h.ssoRefuse(c, pc.ID, &auth.SSOError{Reason: auth.SSOWrongUser, Subject: ident.Subject}, nil)
	}
	link, err := h.users.SSOLinkOf(ctx, u.ID)
	if err != nil || link.Provider != pc.ID || link.Subject != ident.Subject {
		return h.ssoRefuse(c, pc.ID, &auth.SSOError{Reason: auth.SSOWrongUser, Subject: ident.Subject}, nil)
	}
	now := h.sessions.Now()
	if ident.AuthTime.IsZero() || now.Sub(ident.AuthTime) >= h.reauthAfter || ident.AuthTime.After(now.Add(time.Minute)) {
		return h.ssoRefuse(c, pc.ID, &auth.SSOError{Reason: auth.SSOStale, Subject: ident.Subject}, nil)
	}
	// The groups may have changed since the sign-in.
	if _, err := h.directory.SignInSSO(ctx, h.auditOrigin(c), *ident, role); err != nil {
		if errors.Is(err, auth.ErrDisabled) {
			return h.ssoRefuse(c, pc.ID, &auth.SSOError{Reason: auth.SSODisabled, Subject: ident.Subject}, nil)
		}
		return err
	}
	s := sessionOf(c)
	s.Values[auth.KeyAuthTime] = ident.AuthTime.Unix()
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	sso["username"] = u.Username
	h.record(c, audit.Reauthenticated, audit.Success, sso)
	return seeOther(c, next)
}

// ssoMessages are the refusal pages' texts, by reason.
var ssoMessages = map[string]string{
	auth.SSOUnavailable:  "The sign-in provider cannot be reached. Try again later; break-glass admins can sign in with their password.",
	auth.SSOStateInvalid: "This sign-in did not start here, or was already used. Start again from the sign-in page.",
	auth.SSOCodeRefused:  "The sign-in provider refused the sign-in code (it may have been used already). Start again from the sign-in page.",
	auth.SSOTokenInvalid: "The sign-in provider's answer could not be verified, so it was not trusted.",
	auth.SSONonceInvalid: "The sign-in provider's answer does not belong to this sign-in.",
	auth.SSOWeakAuth:     "Your sign-in at the provider was not strong enough for Rolegate: sign in there with multi-factor authentication.",
	auth.SSONoGroup:      "You are not in any group that grants access to Rolegate.",
	auth.SSOGone:         "The sign-in provider no longer knows your account; your Rolegate account has been disabled.",
	auth.SSODisabled:     "Your Rolegate account is disabled. Ask an admin.",
	auth.SSOStale:        "The provider did not confirm a recent sign-in. Try again.",
	auth.SSOWrongUser:    "You signed in again as a different person than the one signed in here.",
	auth.SSOProviderErr:  "The sign-in provider ended the sign-in with an error.",
}

// ssoRefuse records the refused sign-in and shows why; no session is
// started. groups are the user's groups when none of them grants a role.
func (h *Handler) ssoRefuse(c echo.Context, provider string, err error, groups []string) error {
	var se *auth.SSOError
	if !errors.As(err, &se) {
		se = &auth.SSOError{Reason: auth.SSOProviderErr, Err: err}
	}
	params := map[string]any{"provider": provider, "reason": se.Reason}
	if se.Subject != "" {
		params["subject"] = se.Subject
	}
	if groups != nil {
		// What the provider sent, within bounds for the audit log.
		params["groups"] = groups[:min(len(groups), maxAuditGroups)]
	}
	h.record(c, audit.SSORefused, audit.Failure, params)
	h.log.Warn("single sign-on refused", "request_id", requestIDOf(c), "provider", provider, "reason", se.Reason, "err", err)
	status := http.StatusForbidden
	if se.Reason == auth.SSOUnavailable {
		status = http.StatusServiceUnavailable
	}
	pc, _ := h.sso.Provider(provider)
	p := pages.SSORefusedPage{Status: status, Provider: pc.Name, Message: ssoMessages[se.Reason], Groups: groups}
	if se.Reason == auth.SSONoGroup {
		for _, r := range auth.Roles() {
			if g := pc.Groups[r]; len(g) > 0 {
				p.Grants = append(p.Grants, pages.SSOGrant{Role: string(r), Groups: g})
			}
		}
	}
	return h.render(c, status, pages.SSORefused(p))
}

// adminUserBreakGlass sets or clears the break-glass mark of an admin.
func (h *Handler) adminUserBreakGlass(c echo.Context) error {
	on := c.FormValue("break_glass") == "on"
	done := "No longer a break-glass account."
	if on {
		done = "Marked as a break-glass account: may sign in with a password when local passwords are switched off."
	}
	return h.userChange(c, done, func(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
		err := h.directory.SetBreakGlass(ctx, by, from, id, on)
		if errors.Is(err, auth.ErrBreakGlassAdmin) {
			return httpError(http.StatusConflict, auth.ErrBreakGlassAdmin.Error(), err)
		}
		return err
	})
}
