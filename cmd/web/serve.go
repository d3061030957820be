package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"syscall"

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
// The listen address is taken first: a busy port is reported at once, in
// one line, before anything is opened, created or printed.
func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
	ln, err := listen(cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	log := newLogger(cfg, stderr)
	a, err := app.New(ctx, cfg, app.Options{Logger: log, Stdout: stdout, Version: version()})
	if err != nil {
		return err
	}
	defer a.Close()
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "Rolegate %s listening on %s://%s (database %s)\n", version(), scheme, ln.Addr(), cfg.DBPath)
	log.Info("listening", "addr", ln.Addr().String(), "db", cfg.DBPath, "version", version())
	return a.Serve(ctx, ln)
}

// listen takes the address to serve on, naming the setting when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("-listen: %s is already in use by another program; stop it or choose another address with -listen (ROLEGATE_LISTEN)", addr)
	case err != nil:
		return nil, fmt.Errorf("-listen: %w", err)
	}
	return ln, nil
}
