package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/notify"
)

// Notifications is what the pages need of the notification service.
type Notifications interface {
	Deliveries(ctx context.Context, changeID int64) ([]notify.Delivery, error)
	Channels(ctx context.Context) ([]notify.Channel, error)
	AddChannel(ctx context.Context, actor audit.Actor, origin audit.Origin, f notify.ChannelForm) (notify.Channel, error)
	UpdateChannel(ctx context.Context, actor audit.Actor, origin audit.Origin, id int64, f notify.ChannelForm) (notify.Channel, error)
	Prefs(ctx context.Context, userID int64) (notify.Prefs, error)
	SetPrefs(ctx context.Context, actor audit.Actor, origin audit.Origin, p notify.Prefs) error
}

// NotifyOptions are the dependencies of the notification pages. Without
// Notify there are no notification pages and requests show no deliveries.
type NotifyOptions struct {
	Notify Notifications
}

type notifyDeps struct {
	notify Notifications
}

func (h *Handler) setupNotify(o Options) error {
	h.notify = o.Notify
	return nil
}

// routesNotify: administrators configure channels; everyone signed in
// chooses their own notification settings.
func (h *Handler) routesNotify(e *echo.Echo) {
	if h.notify == nil {
		return
	}
	admin := h.requireRole(auth.RoleAdmin)
	e.GET("/admin/notifications", h.notifyChannels, admin)
	e.POST("/admin/notifications", h.notifyChannelAdd, admin)
	e.GET("/admin/notifications/:id", h.notifyChannel, admin)
	e.POST("/admin/notifications/:id", h.notifyChannelSave, admin)
	e.POST("/account/notifications", h.notifyPrefsSave, h.requireRole(auth.RoleViewer))
}
