package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/views/pages"
)

// home is the start page.
func (h *Handler) home(c echo.Context) error {
	return h.render(c, http.StatusOK, pages.Home())
}
