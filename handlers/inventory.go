package handlers

import "github.com/labstack/echo/v4"

// InventoryOptions are the dependencies of the inventory pages.
type InventoryOptions struct{}

type inventoryDeps struct{}

func (h *Handler) setupInventory(o Options) error { return nil }

func (h *Handler) routesInventory(e *echo.Echo) {}
