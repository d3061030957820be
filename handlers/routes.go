package handlers

import (
	"github.com/labstack/echo/v4"
)

// register puts every route and middleware of Rolegate in one place. Each
// capability's routes are listed in its own routesX method just below the
// shared ones, always behind requireSignIn/requireRole for pages.
func (h *Handler) register(e *echo.Echo) error {
	e.Pre(h.requestID)
	// The metrics first, so that they time the whole chain.
	if h.metricsMW != nil {
		e.Use(h.metricsMW)
	}
	e.Use(
		h.accessLog(),
		h.recoverer(),
		h.secureHeaders,
		h.readBody,
	)
	// Sessions and CSRF for every route (they skip /static and health).
	e.Use(h.accessMiddleware()...)
	// A damaged audit chain makes the dashboard read-only.
	e.Use(h.readOnly)

	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/static/:hash/*", h.staticFile)

	e.GET("/", h.home)
	h.routesAccess(e)
	h.routesInventory(e)
	h.routesAudit(e)
	h.routesChanges(e)
	h.routesBulk(e)
	h.routesDrift(e)
	h.routesNotify(e)
	h.routesAccounts(e)
	h.routesMetrics(e)
	h.routesAPI(e)
	h.routesTokens(e)
	return nil
}
