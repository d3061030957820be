package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// staticFile serves an embedded asset under its content-hash URL with
// immutable caching; a stale or wrong hash is 404.
func (h *Handler) staticFile(c echo.Context) error {
	data, ctype, ok := h.assets.Open(c.Param("hash"), c.Param("*"))
	if !ok {
		return echo.ErrNotFound
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Blob(http.StatusOK, ctype, data)
}
