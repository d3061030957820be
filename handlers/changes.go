package handlers

import "github.com/labstack/echo/v4"

// ChangeOptions are the dependencies of the changes pages.
type ChangeOptions struct{}

type changeDeps struct{}

func (h *Handler) setupChanges(o Options) error { return nil }

func (h *Handler) routesChanges(e *echo.Echo) {}
