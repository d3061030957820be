package handlers_test

import (
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// TestInventoryLoad measures the warm cluster list at 5,000 clusters over
// 4 regions against serving the same bytes precomputed through the same
// router and middleware, in one run, and the process's peak memory. It
// times things, so it runs only when asked:
//
//	ROLEGATE_BENCH=1 go test -run TestInventoryLoad -v -count=1 ./handlers/
//
// (The numbers go to BENCHMARKS.md; nothing here asserts a time.)
func TestInventoryLoad(t *testing.T) {
	if testing.Short() || os.Getenv("ROLEGATE_BENCH") == "" {
		t.Skip("set ROLEGATE_BENCH=1 to run the inventory load measurement")
	}
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	seeds := redshiftsim.Generate(5000, regions, 1)
	var precomputed []byte
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions, o.seeds, o.ttl = regions, seeds, time.Hour
		o.extra = func(e *echo.Echo) {
			e.GET("/bench/precomputed", func(c echo.Context) error {
				c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
				return c.HTMLBlob(http.StatusOK, precomputed)
			})
		}
	})
	b := app.signIn(t, "vera", auth.RoleViewer)

	start := time.Now()
	res := b.get(t, "/clusters")
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	t.Logf("cold first page (sweep of 5,000 clusters in 4 regions, no added latency): %v", time.Since(start).Round(time.Millisecond))
	if !strings.Contains(string(body), "5000 of 5000") {
		t.Fatalf("the list does not show 5,000 clusters")
	}
	precomputed = body
	t.Logf("page size: %d bytes", len(body))

	paths := map[string]string{
		"list page (warm)":     "/clusters",
		"precomputed bytes":    "/bench/precomputed",
		"list page, filtered":  "/clusters?q=cluster-01&region=eu-west-1&sort=nodes&dir=desc",
		"list page, last page": "/clusters?page=100",
	}
	order := []string{"list page (warm)", "precomputed bytes", "list page, filtered", "list page, last page"}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Jar: b.client.Jar}
	// The variants alternate over several rounds (the first a warm-up) so
	// that a busy moment of the machine does not fall on one of them only.
	type result struct {
		n   int
		d   time.Duration
		lat []time.Duration
	}
	results := map[string]*result{}
	const rounds = 6
	for round := range rounds {
		for _, name := range order {
			url := app.url + paths[name]
			var mu sync.Mutex
			var lat []time.Duration
			r := testing.Benchmark(func(bb *testing.B) {
				bb.SetParallelism(4)
				bb.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						s := time.Now()
						res, err := client.Get(url)
						if err != nil {
							bb.Error(err)
							return
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							bb.Errorf("status %d", res.StatusCode)
							return
						}
						mine = append(mine, time.Since(s))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
			})
			if round == 0 {
				continue // warm-up
			}
			if results[name] == nil {
				results[name] = &result{}
			}
			res := results[name]
			res.n += r.N
			res.d += r.T
			res.lat = append(res.lat, lat...)
		}
	}
	for _, name := range order {
		res := results[name]
		slices.Sort(res.lat)
		if len(res.lat) == 0 {
			continue
		}
		p := func(q float64) time.Duration { return res.lat[int(q*float64(len(res.lat)-1))] }
		t.Logf("%-22s n=%-6d p50=%-9v p99=%-9v req/s=%.0f", name, res.n, p(0.50).Round(time.Microsecond), p(0.99).Round(time.Microsecond), float64(res.n)/res.d.Seconds())
	}
	t.Logf("warm list page over precomputed bytes: %.2f of the requests per second",
		(float64(results[order[0]].n)/results[order[0]].d.Seconds())/(float64(results[order[1]].n)/results[order[1]].d.Seconds()))
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("after the run: heap in use %.1f MB, Go runtime total from OS %.1f MB; process peak RSS %s (test process: server, simulator with 5,000 clusters and the load client together)",
		float64(ms.HeapInuse)/1e6, float64(ms.Sys)/1e6, peakRSS())
}

// peakRSS reads the process's high-water resident set size.
func peakRSS() string {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return strconv.FormatFloat(float64(kb)/1024, 'f', 1, 64) + " MB"
		}
	}
	return "unknown"
}
