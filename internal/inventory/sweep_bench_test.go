package inventory_test

import (
	"context"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

// BenchmarkSweepCold lists 5,000 clusters over 4 regions from an empty
// cache, with 20 ms added to every DescribeClusters call. Pages within a
// region are sequential (each needs the previous marker), regions run
// concurrently, so the floor is the largest region's pages × 20 ms
// (1,250 clusters = 13 pages = 260 ms); floor-ratio is the time over it.
// It also reports the heap the gateway holds for the 5,000 clusters.
//
//	go test -run '^$' -bench SweepCold -benchtime 10x ./internal/inventory/
//
// The run without added latency shows the CPU part: the simulator, HTTP
// and the sweep decoder reading 5,000 clusters.
func BenchmarkSweepCold(b *testing.B) {
	if testing.Short() {
		b.Skip("slow: a full sweep per iteration")
	}
	for _, latency := range []time.Duration{20 * time.Millisecond, 0} {
		b.Run("latency="+latency.String(), func(b *testing.B) { benchSweep(b, latency) })
	}
}

func benchSweep(b *testing.B, latency time.Duration) {
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	seeds := redshiftsim.Generate(5000, regions, 1)
	var faults []redshiftsim.Fault
	if latency > 0 {
		faults = []redshiftsim.Fault{{Op: "DescribeClusters", Kind: "latency", Latency: latency}}
	}
	sim := redshiftsim.New(redshiftsim.Options{Faults: faults})
	if err := sim.Load(seeds); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	perRegion := map[string]int{}
	for _, s := range seeds {
		perRegion[s.Region]++
	}
	maxPages := 0
	for _, n := range perRegion {
		maxPages = max(maxPages, (n+inventory.PageSize-1)/inventory.PageSize)
	}
	floor := time.Duration(maxPages) * latency

	ctx := context.Background()
	newGW := func() *inventory.Gateway {
		g, err := inventory.New(ctx, inventory.Options{Regions: regions, Endpoint: srv.URL, TTL: time.Hour, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		return g
	}
	// A first sweep lets the simulator build its answers, so that the heap
	// measured below is the gateway's alone.
	if _, err := newGW().List(ctx); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	g := newGW()
	b.ResetTimer()
	for b.Loop() {
		g.Refresh("")
		inv, err := g.List(ctx)
		if err != nil || len(inv.Clusters) != 5000 {
			b.Fatalf("%d clusters, %v", len(inv.Clusters), err)
		}
	}
	b.StopTimer()
	perSweep := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perSweep.Milliseconds()), "ms/sweep")
	if floor > 0 {
		b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
		b.ReportMetric(float64(perSweep)/float64(floor), "floor-ratio")
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, "gateway-heap-MB")
	runtime.KeepAlive(g)
}
