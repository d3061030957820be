package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"rolegate/views/pages"
)

// home sends signed-in people to the cluster list, the first thing a DBA
// opens; others see the start page.
func (h *Handler) home(c echo.Context) error {
	if userOf(c) != nil && h.inv != nil {
		return seeOther(c, "/clusters")
	}
	return h.render(c, http.StatusOK, pages.Home())
}
