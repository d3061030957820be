package audit_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

// BenchmarkQueryBulk: the bulk filter (a set of 100 members, 502 events)
// in the middle of a 100,502-event log, page 1 and the last page, and the
// export of all of its events. Generating the log takes about a minute.
func BenchmarkQueryBulk(b *testing.B) {
	if testing.Short() {
		b.Skip("the bulk filter benchmark generates a 100,000-event log; not with -short")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "audit.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	log := audit.New(db)
	if err := log.Generate(ctx, 50_000, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	at := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	set := audit.New(db, audit.WithClock(func() time.Time { at = at.Add(time.Second); return at }))
	rec := func(a audit.Action, change int64, params map[string]any) {
		if _, err := set.Record(ctx, audit.Event{Actor: audit.Actor{UserID: 1, Username: "rita", Role: "requester"}, Action: a, Outcome: audit.Success,
			Target: audit.Target{Region: "eu-west-1", Cluster: "analytics", ChangeID: change}, Params: audit.Params(params)}); err != nil {
			b.Fatal(err)
		}
	}
	const members, first = 100, int64(5_000_001)
	for i := range int64(members) {
		rec(audit.ChangeCreated, first+i, map[string]any{"bulk_id": 7})
	}
	rec(audit.BulkSubmitted, 0, map[string]any{"bulk_id": 7})
	rec(audit.BulkApproved, 0, map[string]any{"bulk_id": 7})
	for _, a := range []audit.Action{audit.ChangeApproved, audit.ApplyStarted, audit.ApplySucceeded, audit.ApplyInSync} {
		for i := range int64(members) {
			rec(a, first+i, map[string]any{})
		}
	}
	if err := log.Generate(ctx, 50_000, 2, time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		b.Fatal(err)
	}
	f := audit.Filter{BulkID: 7}
	last := ""
	for p, cursor := (audit.Page{}), ""; ; cursor = p.Older {
		if p, err = log.Query(ctx, f, cursor, audit.DefaultPageSize); err != nil {
			b.Fatal(err)
		}
		if p.Older == "" {
			break
		}
		last = p.Older
	}
	for _, c := range []struct {
		name, cursor string
		want         int
	}{{"page=1", "", audit.DefaultPageSize}, {"page=11", last, 2}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := log.Query(ctx, f, c.cursor, audit.DefaultPageSize)
				if err != nil || len(p.Events) != c.want {
					b.Fatalf("%d events, want %d: %v", len(p.Events), c.want, err)
				}
			}
		})
	}
	b.Run("export", func(b *testing.B) {
		for b.Loop() {
			n, err := log.WriteExport(ctx, &countingWriter{}, audit.JSONL, f)
			if err != nil || n != 2+5*members {
				b.Fatalf("%d events: %v", n, err)
			}
		}
	})
}
