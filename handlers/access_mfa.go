package handlers

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

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

func (h *Handler) mfaView(u *auth.User, enrol, next string) (pages.MFAPage, error) {
	p := pages.MFAPage{Next: next, Username: u.Username}
	if enrol != "" {
		p.EnrolSecret = enrol
		p.EnrolURI = auth.TOTPURI(enrol, u.Username)
		qr, err := enrolQR(p.EnrolURI)
		if err != nil {
			return p, err
		}
		p.EnrolQR = qr
	}
	return p, nil
}

func (h *Handler) mfaPage(c echo.Context) error {
	u, enrol, ok := h.pendingMFAUser(c)
	if !ok {
		return seeOther(c, "/login")
	}
	p, err := h.mfaView(u, enrol, safeRedirect(c.QueryParam("next"), "/"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.MFA(p))
}

func (h *Handler) mfaSubmit(c echo.Context) error {
	u, enrol, ok := h.pendingMFAUser(c)
	if !ok {
		return seeOther(c, "/login")
	}
	next := safeRedirect(c.FormValue("next"), "/")
	p, err := h.mfaView(u, enrol, next)
	if err != nil {
		return err
	}
	try := h.signInAttempt(c, u.Username)
	actor := audit.Actor{UserID: u.ID, Username: u.Username, Role: string(u.Role)}
	if !h.throttle.allowed(try) {
		h.recordAs(c, actor, audit.SignInThrottled, audit.Failure, map[string]any{"username": u.Username, "step": "mfa", "known_device": try.device != ""})
		p.Error = msgThrottled
		return h.render(c, http.StatusTooManyRequests, pages.MFA(p))
	}
	code := c.FormValue("code")
	if enrol == "" && auth.LooksLikeRecoveryCode(code) {
		used, err := h.directory.UseRecoveryCode(c.Request().Context(), actor, h.auditOrigin(c), u.ID, code)
		if err != nil {
			return err
		}
		if !used {
			h.throttle.failed(try)
			h.recordAs(c, actor, audit.SignInFailed, audit.Failure, map[string]any{"username": u.Username, "reason": "wrong or used recovery code", "known_device": try.device != ""})
			p.Error = "That recovery code is not right or was already used. Each recovery code works once."
			return h.render(c, http.StatusUnauthorized, pages.MFA(p))
		}
		return h.finishSignIn(c, u, next)
	}
	secret := u.MFASecret()
	if enrol != "" {
		secret = enrol
	}
	if !auth.CheckTOTP(secret, code, time.Now()) {
		h.throttle.failed(try)
		h.recordAs(c, actor, audit.SignInFailed, audit.Failure, map[string]any{"username": u.Username, "reason": "wrong second-factor code", "known_device": try.device != ""})
		p.Error = "That code is not right. Use the current code from your authenticator app."
		return h.render(c, http.StatusUnauthorized, pages.MFA(p))
	}
	if enrol == "" {
		return h.finishSignIn(c, u, next)
	}
	codes, err := h.directory.EnrollMFA(c.Request().Context(), actor, h.auditOrigin(c), u.ID, enrol)
	if err != nil {
		return err
	}
	if err := h.startSession(c, u); err != nil {
		return err
	}
	return h.showRecoveryCodes(c, codes, next)
}

// showRecoveryCodes answers with the new recovery codes, the only time
// they are shown; nothing may keep a copy of the page.
func (h *Handler) showRecoveryCodes(c echo.Context, codes []string, next string) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.render(c, http.StatusOK, pages.RecoveryCodes(pages.RecoveryCodesPage{Codes: codes, Next: next}))
}

// enrolQR is the otpauth URI as a QR code, a PNG in a data: URI (the
// CSP allows data: images), so that no script is needed to draw it.
func enrolQR(uri string) (string, error) {
	png, err := qrcode.Encode(uri, qrcode.Medium, 256)
	if err != nil {
		return "", fmt.Errorf("enrolment qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}
