package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"rolegate/handlers"
	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

// demoRoleDelay is how long the demo simulator keeps a role adding or
// removing, long enough for people to watch it turn in-sync.
const demoRoleDelay = 8 * time.Second

// inventory builds the Redshift gateway from the settings. In demo mode it
// first starts the simulator on loopback with the demo world and points
// the gateway at it; its regions replace the configured ones. The gateway
// goes into o.InventoryOptions.Gateway, where the change service finds it.
func (w *wiring) inventory(ctx context.Context, o *handlers.Options) error {
	opts := inventory.Options{
		Regions:  w.cfg.Regions,
		TTL:      w.cfg.InventoryTTL,
		Timeout:  w.cfg.AWSTimeout,
		Endpoint: w.cfg.AWSEndpoint,
		Logger:   w.log.With("component", "inventory"),
	}
	if w.cfg.Demo {
		endpoint, regions, err := w.startDemoSimulator()
		if err != nil {
			return err
		}
		opts.Endpoint, opts.Regions = endpoint, regions
	}
	g, err := inventory.New(ctx, opts)
	if err != nil {
		return err
	}
	o.InventoryOptions.Gateway = g
	return nil
}

// startDemoSimulator serves the simulator with the demo world on a
// loopback port until shutdown, and returns its URL and regions.
func (w *wiring) startDemoSimulator() (string, []string, error) {
	sim := redshiftsim.New(redshiftsim.Options{
		RoleDelay:  demoRoleDelay,
		StateDelay: demoRoleDelay,
		Logger:     w.log.With("component", "redshiftsim"),
	})
	world := redshiftsim.DemoWorld()
	if err := sim.LoadWorld(world); err != nil {
		return "", nil, fmt.Errorf("demo simulator: %w", err)
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
		return "", nil, fmt.Errorf("demo simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	w.onClose(func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(w.stdout, "Demo Redshift simulator on %s (regions %v); nothing touches AWS\n", url, regions)
	w.log.Info("demo simulator started", "url", url, "regions", regions, "clusters", len(seeds))
	return url, regions, nil
}
