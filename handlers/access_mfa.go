package handlers

import (
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// beginMFA records that the password was right and asks for the second
// factor; an admin without one enrols first. The session has no user yet.
func (h *Handler) beginMFA(c echo.Context, u *auth.User, next string) error {
	s := h.newSession(c)
	s.Values[auth.KeyMFAUser] = u.ID
	if !u.MFAEnrolled {
		secret, err := auth.NewTOTPSecret()
		if err != nil {
			return err
		}
		s.Values[auth.KeyMFAEnrol] = secret
	}
	if err := s.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return seeOther(c, "/login/mfa?next="+url.QueryEscape(next))
}

// pendingMFAUser is the user whose password was checked in this session
// and who still owes the second factor.
func (h *Handler) pendingMFAUser(c echo.Context) (*auth.User, string, bool) {
	s := sessionOf(c)
	if s == nil {
		return nil, "", false
	}
	id, _ := s.Values[auth.KeyMFAUser].(int64)
	if id == 0 {
		return nil, "", false
	}
	u, err := h.users.ByID(c.Request().Context(), id)
	if err != nil || u.Disabled {
		return nil, "", false
	}
	enrol, _ := s.Values[auth.KeyMFAEnrol].(string)
	return u, enrol, true
}

func (h *Handler) mfaView(u *auth.User, enrol, next string) pages.MFAPage {
	p := pages.MFAPage{Next: next, Username: u.Username}
	if enrol != "" {
		p.EnrolSecret = enrol
		p.EnrolURI = auth.TOTPURI(enrol, u.Username)
	}
	return p
}

func (h *Handler) mfaPage(c echo.Context) error {
	u, enrol, ok := h.pendingMFAUser(c)
	if !ok {
		return seeOther(c, "/login")
	}
	return h.render(c, http.StatusOK, pages.MFA(h.mfaView(u, enrol, safeRedirect(c.QueryParam("next"), "/"))))
}

func (h *Handler) mfaSubmit(c echo.Context) error {
	u, enrol, ok := h.pendingMFAUser(c)
	if !ok {
		return seeOther(c, "/login")
	}
	next := safeRedirect(c.FormValue("next"), "/")
	p := h.mfaView(u, enrol, next)
	try := h.signInAttempt(c, u.Username)
	actor := audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}
	if !h.throttle.allowed(try) {
		h.recordAs(c, actor, audit.SignInThrottled, audit.Failure, map[string]any{"username": u.Username, "step": "mfa", "known_device": try.device != ""})
		p.Error = msgThrottled
		return h.render(c, http.StatusTooManyRequests, pages.MFA(p))
	}
	secret := u.MFASecret()
	if enrol != "" {
		secret = enrol
	}
	if !auth.CheckTOTP(secret, c.FormValue("code"), time.Now()) {
		h.throttle.failed(try)
		h.recordAs(c, actor, audit.SignInFailed, audit.Failure, map[string]any{"username": u.Username, "reason": "wrong second-factor code", "known_device": try.device != ""})
		p.Error = "That code is not right. Use the current code from your authenticator app."
		return h.render(c, http.StatusUnauthorized, pages.MFA(p))
	}
	if enrol != "" {
		if err := h.directory.EnrollMFA(c.Request().Context(), actor, h.auditOrigin(c), u.ID, enrol); err != nil {
			return err
		}
	}
	return h.finishSignIn(c, u, next)
}
