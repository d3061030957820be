package app

import (
	"context"
	"log/slog"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/internal/change"
	"rolegate/internal/config"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
)

// changes builds the change-request service on the gateway. Its apply
// worker runs in Run, where it first settles what a previous process left
// unfinished.
func changes(cfg config.Config, pace Pace, log *slog.Logger, db *store.DB, l *audit.Log, g *inventory.Gateway, accounts *account.Service) *change.Service {
	return change.New(change.Options{
		DB:          db,
		Audit:       l,
		Redshift:    g,
		Logger:      log.With("component", "apply"),
		Policy:      change.Policy{ProductionTag: cfg.ProductionTag, HighRiskTags: cfg.HighRiskTagList(), AccountTag: accountTag(accounts, log)},
		TTL:         cfg.RequestTTL,
		MaxAttempts: cfg.ApplyMaxAttempts,
		Backoff:     cfg.ApplyBackoff,
		MaxBackoff:  pace.ApplyMaxBackoff,
		FollowEvery: pace.Follow,
		CallTimeout: cfg.AWSTimeout,
	})
}

// applyChanges is the apply worker: it applies approved requests,
// retries, reconciles what a crash interrupted and follows applied
// changes until in-sync, until ctx ends.
func (a *App) applyChanges(ctx context.Context) error {
	a.Changes.Run(ctx, a.cfg.WorkerEvery)
	return nil
}
