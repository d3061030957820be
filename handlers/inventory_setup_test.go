package handlers_test

import (
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"rolegate/internal/app"
	"rolegate/internal/config"
	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

// inventoryTest is the simulator the app's gateway talks to, through the
// real aws-sdk-go-v2 client over HTTP.
type inventoryTest struct {
	sim     *redshiftsim.Sim
	simURL  string
	gateway *inventory.Gateway
}

// inventoryTestOptions shape the simulated world; the zero value is two
// regions with a few clusters each.
type inventoryTestOptions struct {
	regions []string
	seeds   []redshiftsim.Seed
	// world, when set, replaces seeds: accounts and their clusters.
	world *redshiftsim.World
	sim   redshiftsim.Options
	ttl   time.Duration
	// metricsToken, when set, serves /metrics behind it (-metrics-token).
	metricsToken string
}

// setupInventoryTest starts the simulator with the test's world and points
// the app's gateway at it (as -aws-endpoint and -regions do), with short
// waits between retried reads.
func (a *testApp) setupInventoryTest(t *testing.T, o *testOptions, cfg *config.Config, ao *app.Options) {
	t.Helper()
	regions := o.regions
	if len(regions) == 0 {
		regions = []string{"us-east-1", "eu-west-1"}
	}
	seeds := o.seeds
	if seeds == nil {
		seeds = smallWorld(regions, 4)
	}
	so := o.sim
	if so.Logger == nil {
		so.Logger = ao.Logger.With("component", "redshiftsim")
	}
	sim := redshiftsim.New(so)
	load := func() error { return sim.Load(seeds) }
	if o.world != nil {
		load = func() error { return sim.LoadWorld(*o.world) }
	}
	if err := load(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg.Regions, cfg.AWSEndpoint, cfg.AWSTimeout = regions, srv.URL, 30*time.Second
	if o.ttl > 0 {
		cfg.InventoryTTL = o.ttl
	}
	ao.Pace.ReadBackoff = 20 * time.Millisecond
	cfg.MetricsToken = o.metricsToken
	a.sim, a.simURL = sim, srv.URL
}

// smallWorld is n available clusters per region, each with one in-sync
// role that is also the default.
func smallWorld(regions []string, n int) []redshiftsim.Seed {
	var out []redshiftsim.Seed
	for _, r := range regions {
		for i := range n {
			arn := fmt.Sprintf("arn:aws:iam::123456789012:role/copy-%s-%d", r, i)
			out = append(out, redshiftsim.Seed{Region: r, Cluster: redshiftsim.ClusterSpec{
				ID:          fmt.Sprintf("%s-c%03d", r, i),
				Roles:       []redshiftsim.RoleSpec{{ARN: arn}},
				DefaultRole: arn,
				Tags:        map[string]string{"team": "data"},
			}})
		}
	}
	return out
}
