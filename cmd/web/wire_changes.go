package main

import (
	"context"
	"errors"
	"time"

	"rolegate/handlers"
	"rolegate/internal/change"
)

// changes builds the change-request service on the inventory's gateway and
// starts the apply worker, which first settles what a previous process left
// unfinished. The worker stops before the database closes.
func (w *wiring) changes(ctx context.Context, o *handlers.Options) error {
	if o.Gateway == nil {
		return errors.New("changes: the inventory gateway is not built")
	}
	svc := change.New(change.Options{
		DB:          w.db,
		Audit:       w.audit,
		Redshift:    o.Gateway,
		Logger:      w.log.With("component", "apply"),
		Policy:      change.Policy{ProductionTag: w.cfg.ProductionTag, HighRiskTags: w.cfg.HighRiskTagList()},
		TTL:         w.cfg.RequestTTL,
		MaxAttempts: w.cfg.ApplyMaxAttempts,
		Backoff:     w.cfg.ApplyBackoff,
		FollowEvery: 2 * time.Second,
		CallTimeout: w.cfg.AWSTimeout,
	})
	o.Changes = svc
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.Run(wctx, w.cfg.WorkerEvery)
	}()
	w.onClose(func() {
		cancel()
		<-done
	})
	return nil
}
