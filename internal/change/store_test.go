package change_test

import (
	"context"
	"fmt"
	"testing"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// A row whose stored role lists or times cannot be read is an error, not a
// request with empty roles or a zero time: a request read wrongly could be
// shown, approved or applied as something it is not.
func TestCorruptRequestRowIsAnError(t *testing.T) {
	cases := map[string]string{
		"add roles not JSON":       `UPDATE change_requests SET add_roles = 'arn:aws:iam::123456789012:role/X' WHERE id = ?`,
		"base roles not a list":    `UPDATE change_requests SET base_roles = '{"a":1}' WHERE id = ?`,
		"risk reasons truncated":   `UPDATE change_requests SET risk_reasons = '["removes' WHERE id = ?`,
		"created_at not a time":    `UPDATE change_requests SET created_at = 'yesterday' WHERE id = ?`,
		"expires_at not a time":    `UPDATE change_requests SET expires_at = '2026-13-45T99:00:00.000000000Z' WHERE id = ?`,
		"approval time not a time": `UPDATE change_approvals SET created_at = 'soon' WHERE change_id = ?`,
	}
	for name, corrupt := range cases {
		t.Run(name, func(t *testing.T) {
			g := newRig(t, 5)
			ctx := context.Background()
			if err := g.sim.AddCluster(rigRegion, redshiftsim.ClusterSpec{ID: "sales"}); err != nil {
				t.Fatal(err)
			}
			r := g.approved(t, "sales")
			if _, err := g.svc.Get(ctx, r.ID); err != nil {
				t.Fatalf("the intact row: %v", err)
			}
			if _, err := g.db.Writer().ExecContext(ctx, corrupt, r.ID); err != nil {
				t.Fatal(err)
			}
			if got, err := g.svc.Get(ctx, r.ID); err == nil {
				t.Fatalf("Get read the corrupt row as add %v, base %v, created %v, approvals %v", got.Add, got.BaseRoles, got.CreatedAt, got.Approvals)
			}
			if rows, err := g.svc.List(ctx, change.ListFilter{}); err == nil {
				t.Fatalf("List read the corrupt row: %d rows", len(rows))
			}
		})
	}
}

// The queue reads the approvals of a whole page at once; each request gets
// its own approvals, in order, and a request without any gets none.
func TestListAttachesEachRequestsOwnApprovals(t *testing.T) {
	g := newRig(t, 5)
	ctx := context.Background()
	anna := change.Actor{ID: 3, Username: "anna", Role: "approver"}
	var ids []int64
	for i := range 4 {
		id := fmt.Sprintf("c%d", i)
		// Removing the default role makes each request need two approvers.
		legacy := "arn:aws:iam::123456789012:role/RedshiftLegacy"
		if err := g.sim.AddCluster(rigRegion, redshiftsim.ClusterSpec{ID: id, Roles: []redshiftsim.RoleSpec{{ARN: legacy}}, DefaultRole: legacy}); err != nil {
			t.Fatal(err)
		}
		r, err := g.svc.Create(ctx, rita, audit.Origin{}, change.ParseDraft(change.Input{Region: rigRegion, Cluster: id,
			Add: "arn:aws:iam::123456789012:role/RedshiftCopy", Remove: []string{legacy}, Reason: "replace the legacy loader role"}))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	approve := func(who change.Actor, id int64) {
		t.Helper()
		r, err := g.svc.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.svc.Approve(ctx, who, audit.Origin{}, id, r.Hash, who.Username+" agrees"); err != nil {
			t.Fatal(err)
		}
	}
	approve(arno, ids[0])
	approve(anna, ids[0])
	approve(anna, ids[2])
	want := map[int64][]string{ids[0]: {"arno", "anna"}, ids[1]: nil, ids[2]: {"anna"}, ids[3]: nil}
	rows, err := g.svc.List(ctx, change.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(ids) {
		t.Fatalf("%d rows, want %d", len(rows), len(ids))
	}
	for _, r := range rows {
		var got []string
		for _, a := range r.Approvals {
			got = append(got, a.ApproverUsername)
			if a.Comment != a.ApproverUsername+" agrees" {
				t.Errorf("request %d: %s's approval carries comment %q", r.ID, a.ApproverUsername, a.Comment)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want[r.ID]) {
			t.Errorf("request %d: approvals %v, want %v", r.ID, got, want[r.ID])
		}
		one, err := g.svc.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(one.Approvals) != fmt.Sprint(r.Approvals) {
			t.Errorf("request %d: List gives %v, Get gives %v", r.ID, r.Approvals, one.Approvals)
		}
	}
}
