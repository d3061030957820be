package main

import (
	"context"
	"errors"
	"time"

	"rolegate/handlers"
	"rolegate/internal/change"
	"rolegate/internal/notify"
)

// changes builds the change-request service on the inventory's gateway and
// the notifications it queues with each audit event, and starts the apply
// worker, which first settles what a previous process left unfinished,
// and the notification worker. Both stop before the database closes.
func (w *wiring) changes(ctx context.Context, o *handlers.Options) error {
	if o.Gateway == nil {
		return errors.New("changes: the inventory gateway is not built")
	}
	notes := notify.New(notify.Options{
		DB:           w.db,
		Audit:        w.audit,
		Logger:       w.log.With("component", "notify"),
		BaseURL:      w.externalURL(),
		RemindBefore: min(24*time.Hour, w.cfg.RequestTTL/4),
	})
	svc := change.New(change.Options{
		DB:          w.db,
		Audit:       w.audit,
		Redshift:    o.Gateway,
		Logger:      w.log.With("component", "apply"),
		Policy:      change.Policy{ProductionTag: w.cfg.ProductionTag},
		TTL:         w.cfg.RequestTTL,
		MaxAttempts: w.cfg.ApplyMaxAttempts,
		Backoff:     w.cfg.ApplyBackoff,
		FollowEvery: 2 * time.Second,
		CallTimeout: w.cfg.AWSTimeout,
		Notifier:    notes,
	})
	o.Changes = svc
	o.Notify = notes
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		svc.Run(wctx, w.cfg.WorkerEvery)
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		notes.Run(wctx, w.cfg.WorkerEvery, svc)
	}()
	w.onClose(func() {
		cancel()
		<-done
		<-done
	})
	return nil
}

// externalURL is where users reach the dashboard, for links in messages:
// -external-url, or the listen address.
func (w *wiring) externalURL() string {
	if w.cfg.ExternalURL != "" {
		return w.cfg.ExternalURL
	}
	scheme := "http://"
	if w.cfg.TLSCert != "" {
		scheme = "https://"
	}
	return scheme + w.cfg.Listen
}
