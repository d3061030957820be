package change_test

import (
	"context"
	"testing"

	"rolegate/audit"
	"rolegate/internal/change"
)

func TestBulkMembersOfGivesEachSetItsOwnMembers(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{})
	targets := g.seed(t, 3, 0)
	ctx := context.Background()
	in := change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}
	a, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, in, targets[:2])
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, in, targets[2:5])
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.svc.BulkMembersOf(ctx, []int64{a.ID, b.ID, b.ID + 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		want, err := g.svc.BulkMembers(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(got[id]) != len(want) {
			t.Fatalf("bulk request %d: %d members, want %d", id, len(got[id]), len(want))
		}
		for i, r := range want {
			if got[id][i].ID != r.ID || got[id][i].BulkID != id {
				t.Fatalf("bulk request %d member %d: request %d of set %d, want request %d", id, i, got[id][i].ID, got[id][i].BulkID, r.ID)
			}
		}
	}
	if len(got[a.ID]) != 2 || len(got[b.ID]) != 3 || len(got[b.ID+100]) != 0 {
		t.Fatalf("members per set: %d, %d, %d; want 2, 3, 0", len(got[a.ID]), len(got[b.ID]), len(got[b.ID+100]))
	}
	if none, err := g.svc.BulkMembersOf(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("no sets: %v, %v", none, err)
	}
}
