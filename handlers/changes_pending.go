package handlers

import (
	"github.com/labstack/echo/v4"

	"rolegate/views/pages"
)

// Placeholder replaced when the audit browser lands.
func (h *Handler) changeTimeline(c echo.Context, id int64) []pages.TimelineRow { return nil }
