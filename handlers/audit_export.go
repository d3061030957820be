package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/views/pages"
)

// auditExportDeadline is how long one export may take to send; the
// server's WriteTimeout is too short for a whole log.
const auditExportDeadline = 30 * time.Minute

func (h *Handler) auditExportCSV(c echo.Context) error {
	return h.auditExport(c, audit.CSV, "text/csv; charset=utf-8")
}

func (h *Handler) auditExportJSONL(c echo.Context) error {
	return h.auditExport(c, audit.JSONL, "application/jsonl; charset=utf-8")
}

// auditExport streams the events of the filter as a download and records
// the export as an event of its own.
func (h *Handler) auditExport(c echo.Context, format audit.Format, contentType string) error {
	// The bounds are read in the reader's zone, as on the page whose
	// export link this is; the export itself writes UTC.
	f, form, errs := parseAuditFilter(c.QueryParams(), zoneOf(c))
	if len(errs) > 0 {
		return h.auditListRefused(c, form, errs)
	}
	rc := http.NewResponseController(c.Response())
	if err := rc.SetWriteDeadline(time.Now().Add(auditExportDeadline)); err != nil {
		h.log.Debug("audit export: write deadline not extended", "request_id", requestIDOf(c), "err", err)
	}
	name := fmt.Sprintf("rolegate-audit-%s.%s", time.Now().UTC().Format("20060102T150405Z"), format)
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, contentType)
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	hd.Set(echo.HeaderCacheControl, "no-store")
	c.Response().WriteHeader(http.StatusOK)
	n, err := h.audit.Export(c.Request().Context(), c.Response(), format, f, h.auditActor(c), h.auditOrigin(c))
	if err != nil {
		// The download has started: the status cannot change any more, so
		// the log says why it broke off (and the exported event says so).
		h.log.Error("audit export broke off", "request_id", requestIDOf(c), "format", format, "events", n, "err", err)
	}
	return nil
}

// auditListRefused shows the audit page with the filter's errors.
func (h *Handler) auditListRefused(c echo.Context, form pages.AuditFilterForm, errs map[string]string) error {
	return h.render(c, http.StatusUnprocessableEntity, pages.AuditList(auditListPage(c, form, errs)))
}
