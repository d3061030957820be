package metrics_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"rolegate/audit"
	"rolegate/internal/change"
)

// BenchmarkScrapeWithOutbox measures one scrape (every family gathered,
// the database figures read through the reader pool) with an outbox of
// the given size, filled through the notify service's own Notify as the
// change service calls it: three channels hear of each request, so each
// request queues three notifications. The outbox keeps every row, so its
// size only grows; the scrape must stay cheap at the size of years.
func BenchmarkScrapeWithOutbox(b *testing.B) {
	for _, rows := range []int{0, 30_000, 300_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			r := newRig(b)
			r.channels(b)
			ctx := context.Background()
			const batch = 1000
			for first := 0; first < rows/3; first += batch {
				err := r.db.Tx(ctx, func(tx *sql.Tx) error {
					for id := first; id < min(first+batch, rows/3); id++ {
						req := &change.Request{ID: int64(id + 1), Region: region, Cluster: "alpha", State: change.Pending, Reason: "load the nightly batch"}
						if err := r.notify.Notify(ctx, tx, audit.Event{Seq: int64(id + 1), Action: audit.ChangeCreated, Actor: audit.Actor{Username: "rita"}}, req); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if _, err := r.m.Registry().Gather(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
