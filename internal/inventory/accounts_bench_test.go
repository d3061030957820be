package inventory_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"runtime"
	"syscall"
	"testing"
	"time"

	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

// BenchmarkSweepAccountsCold lists 20,000 clusters over 10 accounts × 4
// regions with a new gateway each time (so each role account's AssumeRole
// is part of it), with 20 ms added to every call, DescribeClusters and
// AssumeRole alike. Pages within an account-region are sequential, the
// account-regions run concurrently (all 40, or the default 8, at once), so
// the floor is one AssumeRole plus the longest account-region's pages
// (500 clusters = 5 pages): 6 × 20 ms. floor-ratio is the time over it.
// It reports the heap the gateway holds for the clusters and the
// process's peak resident size (simulator included).
//
//	go test -run '^$' -bench SweepAccountsCold -benchtime 5x ./internal/inventory/
func BenchmarkSweepAccountsCold(b *testing.B) {
	if testing.Short() {
		b.Skip("slow: a full sweep of 20,000 clusters per iteration")
	}
	for _, conc := range []int{40, inventory.DefaultConcurrency} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) { benchAccountsSweep(b, conc) })
	}
}

func benchAccountsSweep(b *testing.B, concurrency int) {
	const (
		nAccounts = 10
		total     = 20000
		latency   = 20 * time.Millisecond
	)
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	world := redshiftsim.GenerateAccounts(total, nAccounts, regions, 1)
	accounts := []inventory.Account{{ID: redshiftsim.Account, Name: "main"}}
	for i, a := range world.Accounts[1:] {
		accounts = append(accounts, inventory.Account{ID: a.ID, Name: fmt.Sprintf("bu-%d", i+1), RoleARN: "arn:aws:iam::" + a.ID + ":role/RolegateAccess"})
	}
	sim := redshiftsim.New(redshiftsim.Options{Faults: []redshiftsim.Fault{{Kind: redshiftsim.FaultLatency, Latency: latency}}})
	if err := sim.LoadWorld(world); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	perPlace := map[string]int{}
	for _, s := range world.Seeds {
		perPlace[s.Account+"/"+s.Region]++
	}
	maxPages := 0
	for _, n := range perPlace {
		maxPages = max(maxPages, (n+inventory.PageSize-1)/inventory.PageSize)
	}
	floor := time.Duration(1+maxPages) * latency

	ctx := context.Background()
	newGW := func() *inventory.Gateway {
		g, err := inventory.New(ctx, inventory.Options{Regions: regions, Accounts: accounts, Concurrency: concurrency,
			Endpoint: srv.URL, TTL: time.Hour, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		return g
	}
	// A first sweep lets the simulator build its answers, so that the heap
	// measured below is the gateway's alone.
	if inv, err := newGW().List(ctx); err != nil || len(inv.Clusters) != total {
		b.Fatalf("%d clusters, %v", len(inv.Clusters), err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var g *inventory.Gateway
	b.ResetTimer()
	for b.Loop() {
		g = newGW()
		inv, err := g.List(ctx)
		if err != nil || len(inv.Clusters) != total {
			b.Fatalf("%d clusters, %v", len(inv.Clusters), err)
		}
	}
	b.StopTimer()
	perSweep := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perSweep.Milliseconds()), "ms/sweep")
	b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
	b.ReportMetric(float64(perSweep)/float64(floor), "floor-ratio")
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, "gateway-heap-MB")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
	runtime.KeepAlive(g)
}
