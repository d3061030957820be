package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process is up.
func (h *Handler) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status   string            `json:"status"`
	Database string            `json:"database"`
	Regions  map[string]string `json:"regions,omitempty"`
}

// readyz answers 200 when the database answers, 503 otherwise.
func (h *Handler) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := readiness{Status: "ok", Database: "ok"}
	status := http.StatusOK
	if err := h.db.Ping(ctx); err != nil {
		h.log.Warn("readiness: database", "err", err)
		r.Status, r.Database, status = "unavailable", "unavailable", http.StatusServiceUnavailable
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(status, r)
}
