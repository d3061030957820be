package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"

	"rolegate/internal/app"
	"rolegate/internal/config"
)

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs the dashboard until ctx is cancelled, then shuts down
// gracefully.
func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	log := newLogger(cfg, stderr)
	a, err := app.New(ctx, cfg, app.Options{Logger: log, Stdout: stdout, Version: version()})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("-listen: %w", err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Rolegate %s listening on %s://%s (database %s)\n", version(), scheme, ln.Addr(), cfg.DBPath)
	log.Info("listening", "addr", ln.Addr().String(), "db", cfg.DBPath, "version", version())
	return a.Serve(ctx, ln)
}
