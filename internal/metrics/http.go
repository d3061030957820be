package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Echo counts and times every request by its route pattern (never the raw
// path, whose identifiers would make a series each). Put it first, so that
// it times the whole chain; an error not yet handled is handed to echo's
// error handler here, so that the status counted is the one sent.
func (m *Metrics) Echo() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil && !c.Response().Committed {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			status := c.Response().Status
			if status == 0 {
				status = http.StatusOK
			}
			method := c.Request().Method
			m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			m.httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			return err
		}
	}
}
