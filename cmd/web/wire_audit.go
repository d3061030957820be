package main

import (
	"context"
	"fmt"
	"sync"

	"rolegate/audit"
	"rolegate/handlers"
)

// auditLog anchors the audit chain: once at start (so that a key or
// anchor file that cannot be written stops the start), every
// cfg.AnchorInterval while serving, and once more on shutdown.
func (w *wiring) auditLog(ctx context.Context, o *handlers.Options) error {
	w.audit.SetAnchors(audit.NewAnchors(w.cfg.AnchorFile, w.cfg.AnchorKeyFile))
	a, err := w.audit.Anchor(ctx, true)
	if err != nil {
		return fmt.Errorf("audit anchors (-audit-anchor-file, -audit-anchor-key-file): %w", err)
	}
	w.log.Info("audit chain anchored", "seq", a.Seq, "file", w.cfg.AnchorFile, "every", w.cfg.AnchorInterval)
	actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.audit.AnchorEvery(actx, w.cfg.AnchorInterval, func(err error) {
			w.log.Error("audit anchor failed", "file", w.cfg.AnchorFile, "err", err)
		})
	}()
	w.onClose(func() {
		cancel()
		wg.Wait()
		if a, err := w.audit.Anchor(context.Background(), true); err != nil {
			w.log.Error("audit anchor at shutdown failed", "file", w.cfg.AnchorFile, "err", err)
		} else {
			w.log.Info("audit chain anchored at shutdown", "seq", a.Seq)
		}
	})
	return nil
}
