package audit_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"rolegate/audit"
)

// The bulk filter selects the bulk request's own bulk.* events and every
// event of its members (found by their change.created naming it), page by
// page and in an export, and nothing of another bulk request or of a
// single request; it is driven by the audit_events_bulk index.
func TestQueryBulkSelectsTheSetAndItsMembers(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	log := audit.New(db)
	rec := func(a audit.Action, change int64, params map[string]any) int64 {
		t.Helper()
		e, err := log.Record(ctx, audit.Event{Actor: audit.Actor{UserID: 1, Username: "rita", Role: "requester"}, Action: a, Outcome: audit.Success,
			Target: audit.Target{Region: "eu-west-1", Cluster: "c", ChangeID: change}, Params: audit.Params(params)})
		if err != nil {
			t.Fatal(err)
		}
		return e.Seq
	}
	var want []int64
	rec(audit.ChangeCreated, 1, map[string]any{"reason": "a single request"})
	want = append(want, rec(audit.ChangeCreated, 2, map[string]any{"bulk_id": 7}))
	want = append(want, rec(audit.ChangeCreated, 3, map[string]any{"bulk_id": 7}))
	rec(audit.ChangeCreated, 4, map[string]any{"bulk_id": 8})
	want = append(want, rec(audit.BulkSubmitted, 0, map[string]any{"bulk_id": 7}))
	rec(audit.BulkSubmitted, 0, map[string]any{"bulk_id": 8})
	rec(audit.AccessDenied, 0, map[string]any{"bulk_id": 7, "attempted": "approve bulk request"})
	want = append(want, rec(audit.BulkApproved, 0, map[string]any{"bulk_id": 7}))
	want = append(want, rec(audit.ChangeApproved, 2, map[string]any{}))
	want = append(want, rec(audit.ApplySucceeded, 3, map[string]any{}))
	rec(audit.ApplySucceeded, 1, map[string]any{})
	rec(audit.ApplySucceeded, 4, map[string]any{})

	var got []int64
	cursor := ""
	for {
		p, err := log.Query(ctx, audit.Filter{BulkID: 7}, cursor, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			got = append(got, e.Seq)
		}
		if p.Older == "" {
			break
		}
		cursor = p.Older
	}
	slices.Reverse(got)
	if !slices.Equal(got, want) {
		t.Fatalf("bulk 7 pages: %v, want %v", got, want)
	}
	var buf strings.Builder
	n, err := log.WriteExport(ctx, &buf, audit.JSONL, audit.Filter{BulkID: 7, Action: audit.ChangeCreated})
	if err != nil || n != 2 {
		t.Fatalf("export of bulk 7's change.created: %d %v\n%s", n, err, buf.String())
	}

	var plan []string
	rows, err := db.Reader().QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT seq FROM audit_events WHERE json_extract(params, '$.bulk_id') = ? AND action LIKE 'bulk.%'`, 7)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "audit_events_bulk") {
		t.Fatalf("the bulk lookup does not use audit_events_bulk: %s", p)
	}
}
