package handlers

import (
	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
)

// AuditOptions are the dependencies of the audit pages. The audit log
// itself is Options.Audit.
type AuditOptions struct{}

type auditDeps struct{}

func (h *Handler) setupAudit(o Options) error { return nil }

// routesAudit: the audit history is readable by every role, since
// auditors may be viewers; verifying is a POST because it records an
// event.
func (h *Handler) routesAudit(e *echo.Echo) {
	g := e.Group("/audit", h.requireSignIn, h.requireRole(auth.RoleViewer))
	g.GET("", h.auditList)
	g.GET("/events/:seq", h.auditEvent)
	g.GET("/export.csv", h.auditExportCSV)
	g.GET("/export.jsonl", h.auditExportJSONL)
	g.GET("/verify", h.auditVerifyPage)
	g.POST("/verify", h.auditVerify)
}
