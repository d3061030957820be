package app

import (
	"context"
	"log/slog"
	"time"

	"rolegate/audit"
	"rolegate/internal/config"
	"rolegate/internal/notify"
	"rolegate/internal/store"
)

// notifications builds the notification service. The change service
// queues into its outbox inside each state change's transaction; its
// delivery worker runs in Run.
func notifications(cfg config.Config, pace Pace, log *slog.Logger, db *store.DB, l *audit.Log) *notify.Service {
	return notify.New(notify.Options{
		DB:           db,
		Audit:        l,
		Logger:       log.With("component", "notify"),
		BaseURL:      externalURL(cfg),
		RemindBefore: min(24*time.Hour, cfg.RequestTTL/4),
		Backoff:      pace.NotifyBackoff,
		MaxBackoff:   pace.NotifyMaxBackoff,
	})
}

// externalURL is where users reach the dashboard, for the links in
// messages: -external-url, or the listen address.
func externalURL(cfg config.Config) string {
	if cfg.ExternalURL != "" {
		return cfg.ExternalURL
	}
	if cfg.TLSCert != "" {
		return "https://" + cfg.Listen
	}
	return "http://" + cfg.Listen
}

// deliverNotifications is the delivery worker: it sends what the outbox
// holds (what a crash left included), retrying with backoff, and queues
// the expiry reminders, until ctx ends.
func (a *App) deliverNotifications(ctx context.Context) error {
	a.Notify.Run(ctx, a.cfg.WorkerEvery, a.Changes)
	return nil
}
