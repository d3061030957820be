package handlers

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
)

// WithRecentAuthProbe adds POST /_probe/approve behind requireRole(approver)
// and requireRecentAuth for the apps built during the test.
func WithRecentAuthProbe(t *testing.T) {
	testRoutes = func(h *Handler, e *echo.Echo) {
		e.POST("/_probe/approve", func(c echo.Context) error { return c.String(http.StatusOK, "approved") },
			h.requireRole("approver"), h.requireRecentAuth)
	}
	t.Cleanup(func() { testRoutes = nil })
}
