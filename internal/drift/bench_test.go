package drift_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/drift"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

// BenchmarkSweepColdWithDrift is the cold sweep of 20,000 clusters over 4
// regions (as inventory's SweepCold, at 20,000), without the drift check
// and with it, where every cluster already has its baseline (the steady
// state of every sweep after the first). first-sight is the one sweep
// that records 20,000 baselines. steady-cloudtrail is steady with
// CloudTrail lookups on: no drift, so no lookup, but every check asks for
// the open drifts due to be looked up again.
//
//	go test -run '^$' -bench 'SweepColdWithDrift/.*/drift=(none|steady|steady-cloudtrail)$' -benchtime 5x ./internal/drift/
func BenchmarkSweepColdWithDrift(b *testing.B) {
	if testing.Short() {
		b.Skip("slow: a full sweep of 20,000 clusters per iteration")
	}
	for _, latency := range []time.Duration{20 * time.Millisecond, 0} {
		for _, mode := range []string{"none", "steady", "steady-cloudtrail", "first-sight"} {
			b.Run("latency="+latency.String()+"/drift="+mode, func(b *testing.B) { benchDrift(b, latency, mode) })
		}
	}
}

func benchDrift(b *testing.B, latency time.Duration, mode string) {
	const n = 20000
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	var faults []redshiftsim.Fault
	if latency > 0 {
		faults = []redshiftsim.Fault{{Op: "DescribeClusters", Kind: "latency", Latency: latency}}
	}
	sim := redshiftsim.New(redshiftsim.Options{Faults: faults})
	if err := sim.Load(redshiftsim.Generate(n, regions, 1)); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	ctx := context.Background()

	newService := func() *drift.Service {
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "rolegate.db"), slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return drift.New(drift.Options{DB: db, Audit: audit.New(db)})
	}
	var svc *drift.Service
	newGW := func() *inventory.Gateway {
		o := inventory.Options{Regions: regions, Endpoint: srv.URL, TTL: time.Hour, Timeout: time.Minute}
		if mode != "none" {
			o.OnClusters = func(ctx context.Context, cs []*inventory.Cluster) {
				if err := svc.Check(ctx, cs); err != nil {
					b.Error(err)
				}
			}
		}
		g, err := inventory.New(ctx, o)
		if err != nil {
			b.Fatal(err)
		}
		if mode == "steady-cloudtrail" {
			svc.UseCloudTrail(g.AccountConfig)
		}
		return g
	}
	svc = newService()
	// A first sweep lets the simulator build its answers and, for the
	// steady state, records every baseline.
	if _, err := newGW().List(ctx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if mode == "first-sight" {
			b.StopTimer()
			svc = newService()
			b.StartTimer()
		}
		// A new gateway: nothing cached.
		inv, err := newGW().List(ctx)
		if err != nil || len(inv.Clusters) != n {
			b.Fatalf("%d clusters, %v", len(inv.Clusters), err)
		}
	}
	b.ReportMetric(float64((b.Elapsed() / time.Duration(b.N)).Milliseconds()), "ms/sweep")
}
