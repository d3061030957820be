package handlers

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/labstack/echo/v4"
)

const ctxNonce = "csp_nonce"

// secureHeaders sets the security headers on every response, errors
// included: a CSP whose script nonce is fresh per request, no framing, no
// MIME sniffing, no referrer, and HSTS when users reach us over TLS.
func (h *Handler) secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [18]byte
		_, _ = rand.Read(b[:])
		nonce := base64.StdEncoding.EncodeToString(b[:])
		c.Set(ctxNonce, nonce)
		hd := c.Response().Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'"+h.formTargets+"; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		// The legacy XSS auditor is switched off: it introduced leaks of its
		// own, and the CSP above is the protection.
		hd.Set("X-XSS-Protection", "0")
		// same-origin, not no-referrer: nothing leaves for other sites, and
		// browsers then send our own Origin on our forms' POSTs (with
		// no-referrer they send "null"), so that checkOrigin can refuse
		// every other one, "null" included.
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if h.https || c.Request().TLS != nil {
			hd.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

func nonceOf(c echo.Context) string {
	n, _ := c.Get(ctxNonce).(string)
	return n
}
