package change_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

// callClock notes when each ModifyClusterIamRoles reaches the simulator.
type callClock struct {
	next    http.Handler
	arrived chan time.Time
}

func (c *callClock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte("Action=ModifyClusterIamRoles")) {
		c.arrived <- time.Now()
	}
	c.next.ServeHTTP(w, r)
}

// BenchmarkApprovalToCall measures the time from an approval being
// committed to its ModifyClusterIamRoles call arriving at the simulator:
// the worker's wake-up, the DescribeClusters re-read, the intent
// transaction and the call itself. The DescribeClusters round trip it
// contains is reported on its own so that Rolegate's share can be read off.
func BenchmarkApprovalToCall(b *testing.B) {
	ctx := context.Background()
	sim := redshiftsim.New(redshiftsim.Options{})
	clock := &callClock{next: sim, arrived: make(chan time.Time, 1)}
	srv := httptest.NewServer(clock)
	defer srv.Close()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	gw, err := inventory.New(ctx, inventory.Options{Regions: []string{"eu-west-1"}, Endpoint: srv.URL, Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	svc := change.New(change.Options{DB: db, Audit: audit.New(db), Redshift: gw, FollowEvery: time.Hour})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(wctx, time.Hour) }()
	defer func() { cancel(); <-done }()

	rita := change.Actor{ID: 1, Username: "rita", Role: "requester"}
	arno := change.Actor{ID: 2, Username: "arno", Role: "approver"}
	var lat, rtt []time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		id := fmt.Sprintf("bench-%06d", i)
		if err := sim.AddCluster("eu-west-1", redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available"}); err != nil {
			b.Fatal(err)
		}
		r, err := svc.Create(ctx, rita, audit.Origin{}, change.ParseDraft(change.Input{Region: "eu-west-1", Cluster: id,
			Add: "arn:aws:iam::123456789012:role/Loader", Reason: "benchmark approval latency"}))
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if _, _, err := gw.DescribeCluster(ctx, "", "eu-west-1", id); err != nil {
			b.Fatal(err)
		}
		rtt = append(rtt, time.Since(t0))
		b.StartTimer()
		if _, err := svc.Approve(ctx, arno, audit.Origin{}, r.ID, r.Hash, ""); err != nil {
			b.Fatal(err)
		}
		approved := time.Now()
		select {
		case at := <-clock.arrived:
			lat = append(lat, at.Sub(approved))
		case <-time.After(10 * time.Second):
			b.Fatal("the call never arrived")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(rtt)
	b.ReportMetric(ms(lat[len(lat)/2]), "ms-approval-to-call-p50")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "ms-approval-to-call-p99")
	b.ReportMetric(ms(rtt[len(rtt)/2]), "ms-describe-rtt-p50")
	b.ReportMetric(ms(lat[len(lat)/2]-rtt[len(rtt)/2]), "ms-over-rtt-p50")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
