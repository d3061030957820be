package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// MetricsOptions put the metrics in the HTTP layer. Middleware counts and
// times every request; Endpoint, when set, is served at /metrics on this
// router, outside sessions and CSRF. The app sets Endpoint only to a
// handler that demands its bearer token: never is the public listener's
// /metrics open.
type MetricsOptions struct {
	Middleware echo.MiddlewareFunc
	Endpoint   http.Handler
}

type metricsDeps struct {
	metricsMW       echo.MiddlewareFunc
	metricsEndpoint http.Handler
}

func (h *Handler) setupMetrics(o Options) error {
	h.metricsMW, h.metricsEndpoint = o.Middleware, o.Endpoint
	return nil
}

// routesMetrics: /metrics, when the app serves it here.
func (h *Handler) routesMetrics(e *echo.Echo) {
	if h.metricsEndpoint != nil {
		e.GET("/metrics", echo.WrapHandler(h.metricsEndpoint))
	}
}
