package handlers

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// accessLog writes one structured line per request.
func (h *Handler) accessLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:       true,
		LogMethod:       true,
		LogURIPath:      true,
		LogRoutePath:    true,
		LogLatency:      true,
		LogRemoteIP:     true,
		LogRequestID:    true,
		LogUserAgent:    true,
		LogError:        true,
		LogResponseSize: true,
		HandleError:     true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			switch {
			case v.Status >= 500:
				level = slog.LevelError
			case v.Status >= 400:
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("path", v.URIPath),
				slog.String("route", v.RoutePath),
				slog.Int("status", v.Status),
				slog.Duration("latency", v.Latency),
				slog.String("ip", v.RemoteIP),
				slog.String("request_id", requestIDOf(c)),
				slog.Int64("bytes", v.ResponseSize),
				slog.String("user_agent", v.UserAgent),
			}
			if u := userOf(c); u != nil {
				attrs = append(attrs, slog.String("user", u.Username))
			}
			h.log.LogAttrs(context.Background(), level, "http request", attrs...)
			return nil
		},
	})
}

// recoverer turns a panic into an error for errorHandler (a 500 page) and
// logs the stack; the server keeps serving.
func (h *Handler) recoverer() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			h.log.Error("panic in handler", "request_id", requestIDOf(c), "path", c.Request().URL.Path, "err", err, "stack", string(stack))
			return fmt.Errorf("panic: %w", err)
		},
	})
}
