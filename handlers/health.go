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
	Audit    string            `json:"audit"`
	Regions  map[string]string `json:"regions,omitempty"`
}

// readyz answers 200 when the database answers, the audit chain is not
// known to be damaged and at least one region's Redshift API is
// reachable, 503 otherwise. Each region reads "ok" or why
// it is not reachable; with some regions down the status is "degraded"
// (the dashboard still serves the others). Reachability comes from the
// inventory's recent sweeps, or one small probe per region per TTL.
func (h *Handler) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	r := readiness{Status: "ok", Database: "ok", Audit: "ok"}
	status := http.StatusOK
	if err := h.db.Ping(ctx); err != nil {
		h.log.Warn("readiness: database", "err", err)
		r.Status, r.Database, status = "unavailable", "unavailable", http.StatusServiceUnavailable
	}
	if f, damaged := h.audit.Damage(); damaged {
		r.Status, r.Audit, status = "unavailable", "damaged, read-only: "+f.String(), http.StatusServiceUnavailable
	}
	if h.inv != nil {
		r.Regions = map[string]string{}
		down := 0
		for region, err := range h.inv.Reachable(ctx) {
			if err != nil {
				r.Regions[region] = "unreachable: " + awsSafeMessage(err)
				down++
				continue
			}
			r.Regions[region] = "ok"
		}
		switch {
		case down == len(r.Regions) && down > 0:
			r.Status, status = "unavailable", http.StatusServiceUnavailable
		case down > 0 && status == http.StatusOK:
			r.Status = "degraded"
		}
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(status, r)
}
