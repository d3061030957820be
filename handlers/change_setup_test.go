package handlers_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"rolegate/handlers"
	"rolegate/internal/change"
	"rolegate/internal/notify"
)

// changeTest is the change-request service with its apply worker running,
// on the app's database, audit log and inventory gateway.
type changeTest struct {
	changes *change.Service
	notify  *notify.Service
}

type changeTestOptions struct {
	// maxAttempts bounds apply attempts (default 5); backoffs are short.
	maxAttempts int
	// requestTTL is how long a pending request waits (default a week).
	requestTTL time.Duration
}

func (a *testApp) setupChangeTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
	t.Helper()
	attempts := o.maxAttempts
	if attempts == 0 {
		attempts = 5
	}
	svc := change.New(change.Options{
		DB: a.db, Audit: a.audit, Redshift: a.gateway, Logger: log.With("component", "apply"),
		Policy:      change.Policy{ProductionTag: "environment=production"},
		TTL:         o.requestTTL,
		MaxAttempts: attempts, Backoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		FollowEvery: 10 * time.Millisecond, CallTimeout: 10 * time.Second,
		Notifier: a.newNotifyTest(t, o, ho, log),
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx, 10*time.Millisecond) }()
	notified := make(chan struct{})
	go func() { defer close(notified); a.notify.Run(ctx, 10*time.Millisecond, svc) }()
	// Registered after the database's cleanup, so it runs before it.
	t.Cleanup(func() { cancel(); <-done; <-notified })
	ho.ChangeOptions.Changes = svc
	a.changes = svc
}
