package handlers_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// TestAPIClusterListLoad measures GET /api/v1/clusters at 20,000 clusters
// over 4 regions with go test's benchmark runner (testing.Benchmark),
// against serving the same bytes precomputed from a route under /api/
// (through the same global middleware, but without the token check, the
// rate limit and the listing). It times things, so it runs only when
// asked:
//
//	ROLEGATE_BENCH=1 go test -run TestAPIClusterListLoad -v -count=1 ./handlers/
//
// (The numbers go to BENCHMARKS.md; nothing here asserts a time.)
func TestAPIClusterListLoad(t *testing.T) {
	if testing.Short() || os.Getenv("ROLEGATE_BENCH") == "" {
		t.Skip("set ROLEGATE_BENCH=1 to run the API cluster list measurement")
	}
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"}
	seeds := redshiftsim.Generate(20000, regions, 1)
	precomputed := map[string][]byte{}
	app := newTestAppWith(t, func(o *testOptions) {
		o.regions, o.seeds, o.ttl = regions, seeds, time.Hour
		o.extra = func(e *echo.Echo) {
			e.GET("/api/bench/precomputed", func(c echo.Context) error {
				return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, precomputed[c.QueryParam("v")])
			})
		}
	})
	vera := app.signIn(t, "vera", auth.RoleViewer)
	token := vera.makeToken(t, "", "bench", "read", "1")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, app.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return client.Do(req)
	}
	variants := []struct{ name, path string }{
		{"first page", "/api/v1/clusters"},
		{"filtered, sorted", "/api/v1/clusters?q=cluster-01&region=eu-west-1&sort=nodes&dir=desc"},
		{"last page", "/api/v1/clusters?page=400"},
	}
	start := time.Now()
	for i, v := range variants {
		res, err := get(v.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", v.path, res.StatusCode, body)
		}
		if i == 0 {
			t.Logf("cold first call (sweep of 20,000 clusters in 4 regions): %v, %d bytes", time.Since(start).Round(time.Millisecond), len(body))
		}
		precomputed[fmt.Sprint(i)] = body
	}
	type result struct {
		n   int
		d   time.Duration
		lat []time.Duration
	}
	results := map[string]*result{}
	var order []string
	for i, v := range variants {
		order = append(order, v.name, v.name+" (precomputed)")
		_ = i
	}
	pathOf := func(name string) string {
		for i, v := range variants {
			switch name {
			case v.name:
				return v.path
			case v.name + " (precomputed)":
				return fmt.Sprintf("/api/bench/precomputed?v=%d", i)
			}
		}
		return ""
	}
	// The variants alternate over several rounds (the first a warm-up) so
	// that a busy moment of the machine does not fall on one of them only.
	const rounds = 5
	for round := range rounds {
		for _, name := range order {
			path := pathOf(name)
			var mu sync.Mutex
			var lat []time.Duration
			r := testing.Benchmark(func(bb *testing.B) {
				bb.SetParallelism(4)
				bb.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						s := time.Now()
						res, err := get(path)
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
				continue
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
		t.Logf("%-32s n=%-6d p50=%-9v p99=%-9v req/s=%.0f", name, res.n, p(0.50).Round(time.Microsecond), p(0.99).Round(time.Microsecond), float64(res.n)/res.d.Seconds())
	}
}
