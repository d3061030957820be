package handlers

import (
	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/internal/inventory"
)

// InventoryOptions are the dependencies of the inventory pages.
type InventoryOptions struct {
	// Gateway reads the clusters of every configured region; the change
	// service uses the same one. Nil leaves the cluster pages out.
	Gateway *inventory.Gateway
}

type inventoryDeps struct {
	inv      *inventory.Gateway
	listings *listingCache
}

func (h *Handler) setupInventory(o Options) error {
	h.inv = o.Gateway
	h.listings = &listingCache{}
	return nil
}

func (h *Handler) routesInventory(e *echo.Echo) {
	if h.inv == nil {
		return
	}
	viewer := h.requireRole(auth.RoleViewer)
	e.GET("/clusters", h.clusterList, h.requireSignIn, viewer)
	e.POST("/clusters/refresh", h.clusterRefresh, h.requireSignIn, viewer)
	e.GET("/clusters/:account/:region/:cluster", h.clusterShow, h.requireSignIn, viewer)
	e.GET("/clusters/:account/:region/:cluster/roles", h.clusterRoles, h.requireSignIn, viewer)
	e.GET("/clusters/:account/:region/:cluster/snapshot.json", h.clusterSnapshot, h.requireSignIn, viewer)
	h.routesMoved(e)
}
