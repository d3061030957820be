package handlers

import "github.com/labstack/echo/v4"

// AuditOptions are the dependencies of the audit pages.
type AuditOptions struct{}

type auditDeps struct{}

func (h *Handler) setupAudit(o Options) error { return nil }

func (h *Handler) routesAudit(e *echo.Echo) {}
