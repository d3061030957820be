package handlers

import (
	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
)

// AuditOptions are the dependencies of the audit pages. The audit log
// itself is Options.Audit.
type AuditOptions struct{}

func (h *Handler) setupAudit(o Options) error { return nil }

// routesAudit: the audit history is readable by every role, since
// auditors may be viewers; verifying is a POST because it records an
// event.
func (h *Handler) routesAudit(e *echo.Echo) {
	viewer := h.requireRole(auth.RoleViewer)
	e.GET("/audit", h.auditList, viewer)
	e.GET("/audit/events/:seq", h.auditEvent, viewer)
	e.GET("/audit/export.csv", h.auditExportCSV, viewer)
	e.GET("/audit/export.jsonl", h.auditExportJSONL, viewer)
	e.GET("/audit/verify", h.auditVerifyPage, viewer)
	e.POST("/audit/verify", h.auditVerify, viewer)
}
