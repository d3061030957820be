package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// checkOrigin refuses, with 403, a state-changing request whose Origin
// header names another origin than Rolegate's own (scheme, host and
// port), "null" included. Browsers send Origin on every cross-origin POST,
// so this stops forged forms even where a token or Sec-Fetch-Site would
// let them through; a request without Origin goes on to the token check.
func (h *Handler) checkOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		origin := r.Header.Get(echo.HeaderOrigin)
		if origin == "" || skipAccess(c) || isSafeMethod(r.Method) {
			return next(c)
		}
		if sameOrigin(origin, h.ownScheme(r), r.Host) {
			return next(c)
		}
		return h.refuseForm(c, "foreign origin", errors.New("origin "+origin+" is not ours"))
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// ownScheme is the scheme users reach Rolegate by: https when it is
// served over TLS directly or behind a TLS proxy (the https setting).
func (h *Handler) ownScheme(r *http.Request) string {
	if h.https || r.TLS != nil {
		return "https"
	}
	return "http"
}

// sameOrigin compares an Origin header with scheme://host, ignoring case
// and a default port on either side.
func sameOrigin(origin, scheme, host string) bool {
	s, hp, ok := strings.Cut(strings.ToLower(origin), "://")
	if !ok || s != scheme || strings.ContainsAny(hp, "/?#@") {
		return false
	}
	return stripDefaultPort(hp, scheme) == stripDefaultPort(strings.ToLower(host), scheme)
}

func stripDefaultPort(hostport, scheme string) string {
	switch {
	case scheme == "http" && strings.HasSuffix(hostport, ":80"):
		return strings.TrimSuffix(hostport, ":80")
	case scheme == "https" && strings.HasSuffix(hostport, ":443"):
		return strings.TrimSuffix(hostport, ":443")
	}
	return hostport
}
