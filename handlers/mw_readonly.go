package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
)

// readOnlyAllowed are the state-changing routes still served while the
// audit chain is damaged: signing in (both steps) and out.
var readOnlyAllowed = map[string]bool{
	"/login":     true,
	"/login/mfa": true,
	"/logout":    true,
}

// readOnly keeps the dashboard read-only while the audit chain is damaged
// (found at start, before an anchor, or by a verification): pages are
// served with a banner naming the first bad event, and every
// state-changing request but signing in and out gets a 503 page, since
// nothing more should be recorded on a log that cannot be trusted.
func (h *Handler) readOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		f, damaged := h.audit.Damage()
		if !damaged {
			return next(c)
		}
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if readOnlyAllowed[c.Path()] {
			return next(c)
		}
		h.log.Warn("refused while read-only: the audit chain is damaged", "request_id", requestIDOf(c),
			"method", c.Request().Method, "path", c.Request().URL.Path, "fault", f.String())
		return httpError(http.StatusServiceUnavailable, readOnlyMessage(f)+
			" This change was refused: nothing is changed until an administrator has restored the database from a good copy.", nil)
	}
}

// readOnlyBanner is the banner text of every page while the audit chain
// is damaged, "" otherwise.
func (h *Handler) readOnlyBanner() string {
	f, damaged := h.audit.Damage()
	if !damaged {
		return ""
	}
	return readOnlyMessage(f)
}

func readOnlyMessage(f audit.Fault) string {
	where := "the anchors do not match the log"
	if f.Seq > 0 {
		where = "the first bad event is seq " + strconv.FormatInt(f.Seq, 10)
	}
	return "Read-only: the audit chain is damaged (" + string(f.Kind) + "; " + where + "). Rolegate signs no audit anchor and accepts no change."
}
