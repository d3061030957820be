package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/aws/smithy-go/middleware"

	"rolegate/internal/config"
	"rolegate/internal/drift"
	"rolegate/internal/inventory"
	"rolegate/internal/metrics"
	"rolegate/redshiftsim"
)

// demoRoleDelay is how long the demo simulator keeps a role adding or
// removing, long enough for people to watch it turn in-sync.
const demoRoleDelay = 8 * time.Second

// gateway builds the Redshift gateway over the accounts from the settings,
// sending its calls to endpoint in regions when endpoint is set (the demo
// simulator). Its AWS calls and sweeps are counted in m.
func gateway(ctx context.Context, cfg config.Config, pace Pace, log *slog.Logger, m *metrics.Metrics, accounts []inventory.Account, endpoint string, regions []string, d *drift.Service) (*inventory.Gateway, error) {
	opts := inventory.Options{
		Regions:     cfg.Regions,
		Accounts:    accounts,
		Concurrency: cfg.InventoryConcurrency,
		TTL:         cfg.InventoryTTL,
		Timeout:     cfg.AWSTimeout,
		Endpoint:    cfg.AWSEndpoint,
		MaxBackoff:  pace.ReadBackoff,
		Logger:      log.With("component", "inventory"),
		// The AWS calls are labelled with their account's ID: stable, unlike
		// its name, and bounded by the configured accounts.
		AccountAPIOptions: func(id string) []func(*middleware.Stack) error {
			if id == "" {
				id = metrics.DefaultAccount
			}
			return []func(*middleware.Stack) error{m.AWS(id)}
		},
		OnSweep:    m.Sweep,
		OnClusters: d.Observe,
	}
	if endpoint != "" {
		opts.Endpoint, opts.Regions = endpoint, regions
	}
	return inventory.New(ctx, opts)
}

// demoSimulator serves the simulator with the demo world on a loopback
// port until Close, and returns its server, URL and regions.
func demoSimulator(log *slog.Logger, stdout io.Writer) (*http.Server, string, []string, error) {
	sim := redshiftsim.New(redshiftsim.Options{
		RoleDelay:  demoRoleDelay,
		StateDelay: demoRoleDelay,
		Logger:     log.With("component", "redshiftsim"),
	})
	world := redshiftsim.DemoWorld()
	if err := sim.LoadWorld(world); err != nil {
		return nil, "", nil, fmt.Errorf("demo simulator: %w", err)
	}
	// The dashboard's plain credentials reach the default account only.
	seeds := world.SeedsIn(redshiftsim.Account)
	var regions []string
	for _, s := range seeds {
		if !slices.Contains(regions, s.Region) {
			regions = append(regions, s.Region)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, fmt.Errorf("demo simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "Demo Redshift simulator on %s (regions %v); nothing touches AWS\n", url, regions)
	log.Info("demo simulator started", "url", url, "regions", regions, "clusters", len(seeds))
	return srv, url, regions, nil
}
