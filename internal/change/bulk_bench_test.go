package change_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// BenchmarkBulkApply100 applies a bulk request of 100 clusters over two
// regions, with every simulator call delayed by latency, and reports the
// wall time from the approval to the last member in-sync against the
// floor the concurrency limit and the latency set: each member needs at
// least three calls in a row (DescribeClusters before the call,
// ModifyClusterIamRoles, and one DescribeClusters to see its roles
// in-sync), and at most concurrency members are worked on at once, so no
// worker can do it in less than ceil(100/concurrency) × 3 × latency. The
// approval itself, which reads all 100 clusters, is reported apart.
func BenchmarkBulkApply100(b *testing.B) {
	const n, latency = 100, 20 * time.Millisecond
	for _, conc := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var wall, approve time.Duration
			for i := range b.N {
				b.StopTimer()
				g := newBulkRig(b, bulkRigOptions{concurrency: conc, follow: time.Millisecond,
					sim: redshiftsim.Options{Faults: []redshiftsim.Fault{{Kind: redshiftsim.FaultLatency, Latency: latency}}}})
				targets := g.seed(b, n/2, 0)
				ctx := context.Background()
				bulk, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: fmt.Sprintf("benchmark run %d", i)}, targets)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, bulk.ID, bulk.Hash, ""); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				done, members := g.waitSettled(b, bulk.ID, 5*time.Minute)
				wall += time.Since(t1)
				approve += t1.Sub(t0)
				b.StopTimer()
				if p := done.Progress(members); p.InSync != n {
					b.Fatalf("progress %+v", p)
				}
				if calls := g.sim.Stats().Calls("ModifyClusterIamRoles", ""); calls != n {
					b.Fatalf("%d ModifyClusterIamRoles for %d clusters", calls, n)
				}
			}
			floor := time.Duration((n+conc-1)/conc) * 3 * latency
			per := wall / time.Duration(b.N)
			b.ReportMetric(ms(per), "ms-apply-wall")
			b.ReportMetric(ms(floor), "ms-floor")
			b.ReportMetric(float64(per)/float64(floor), "x-floor")
			b.ReportMetric(ms(approve/time.Duration(b.N)), "ms-approve")
		})
	}
}
