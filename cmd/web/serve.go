package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"rolegate/audit"
	"rolegate/handlers"
	"rolegate/internal/config"
	"rolegate/internal/store"
	"rolegate/static"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// wiring builds each capability's dependencies for the HTTP layer and the
// background work, in wire_*.go; close undoes them in reverse order.
type wiring struct {
	cfg     config.Config
	db      *store.DB
	log     *slog.Logger
	audit   *audit.Log
	stdout  io.Writer
	closers []func()
}

func (w *wiring) onClose(f func()) { w.closers = append(w.closers, f) }

func (w *wiring) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// serve runs the dashboard until ctx is cancelled, then shuts down
// gracefully.
func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	if cfg.Demo && cfg.DemoReset {
		if err := resetDemo(ctx, cfg, stdout); err != nil {
			return err
		}
	}
	db, err := store.Open(ctx, cfg.DBPath, log)
	if err != nil {
		return err
	}
	defer db.Close()

	ho := handlers.Options{
		Logger:         log,
		Version:        version(),
		Demo:           cfg.Demo,
		HTTPS:          cfg.HTTPS(),
		TrustedProxies: cfg.TrustedProxies,
		DB:             db,
		Assets:         static.New(),
		Audit:          audit.New(db),
	}
	w := &wiring{cfg: cfg, db: db, log: log, audit: ho.Audit, stdout: stdout}
	defer w.close()
	// Order matters: changes use the inventory and the audit log.
	for _, wire := range []func(context.Context, *handlers.Options) error{w.access, w.auditLog, w.inventory, w.changes, w.accounts} {
		if err := wire(ctx, &ho); err != nil {
			return err
		}
	}
	e, err := handlers.New(ho)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	srv := &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Rolegate %s listening on %s://%s (database %s)\n", version(), scheme, ln.Addr(), cfg.DBPath)
	log.Info("listening", "addr", ln.Addr().String(), "db", cfg.DBPath, "version", version())

	errc := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			errc <- srv.ServeTLS(ln, cfg.TLSCert, cfg.TLSKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// resetDemo deletes the demo database, its WAL files and the demo audit
// anchors (which would otherwise report the fresh chain as truncated), so
// that the demo starts afresh.
func resetDemo(ctx context.Context, cfg config.Config, stdout io.Writer) error {
	for _, p := range []string{demoAnchorFile(ctx, cfg), cfg.DBPath, cfg.DBPath + "-wal", cfg.DBPath + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("-demo-reset: %w", err)
		}
	}
	fmt.Fprintf(stdout, "Demo reset: deleted %s and its audit anchors\n", cfg.DBPath)
	return nil
}
