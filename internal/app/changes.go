package app

import (
	"context"
	"log/slog"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/internal/change"
	"rolegate/internal/config"
	"rolegate/internal/iam"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
)

// changes builds the change-request service on the gateway, queueing
// with each step the notifications it causes. Its apply worker runs in
// Run, where it first settles what a previous process left unfinished.
func changes(cfg config.Config, pace Pace, log *slog.Logger, db *store.DB, l *audit.Log, g *inventory.Gateway, accounts *account.Service, n change.Notifier, roles *iam.Service) *change.Service {
	return change.New(change.Options{
		DB:          db,
		Audit:       l,
		Redshift:    g,
		Logger:      log.With("component", "apply"),
		Policy:      change.Policy{ProductionTag: cfg.ProductionTag, HighRiskTags: cfg.HighRiskTagList(), AccountTag: accountTag(accounts, log), Accounts: accountRule(cfg)},
		TTL:         cfg.RequestTTL,
		MaxAttempts: cfg.ApplyMaxAttempts,
		Backoff:     cfg.ApplyBackoff,
		MaxBackoff:  pace.ApplyMaxBackoff,
		FollowEvery: pace.Follow,
		CallTimeout: cfg.AWSTimeout,
		Notifier:    n,
		Roles:       roles,

		BulkLimit:       cfg.BulkLimit,
		BulkConcurrency: cfg.BulkConcurrency,
	})
}

// roles builds the IAM service: role listings and checks in each account,
// with the gateway's credentials for it.
func roles(cfg config.Config, log *slog.Logger, g *inventory.Gateway) *iam.Service {
	return iam.New(iam.Options{
		Connect:  iam.Connect(g.AccountConfig),
		TTL:      cfg.IAMTTL,
		Accounts: accountRule(cfg),
		Logger:   log.With("component", "iam"),
	})
}

// accountRule is -iam-allowed-accounts as the one rule that both the
// change form's account check and the IAM pre-flight check apply.
func accountRule(cfg config.Config) iam.AccountRule {
	return iam.AccountRule{Allowed: cfg.IAMAllowedAccountList()}
}

// applyChanges is the apply worker: it applies approved requests,
// retries, reconciles what a crash interrupted and follows applied
// changes until in-sync, until ctx ends.
func (a *App) applyChanges(ctx context.Context) error {
	a.Changes.Run(ctx, a.cfg.WorkerEvery)
	return nil
}
