package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

// newBulkCrashRig seeds the clusters and stores an approved bulk request
// over all of them, the way the dashboard would, so that the process
// started next applies its members.
func newBulkCrashRig(t *testing.T, clusters ...string) *crashRig {
	t.Helper()
	if testing.Short() {
		t.Skip("starts and kills the rolegate binary")
	}
	sim := redshiftsim.New(redshiftsim.Options{StatsLogSize: 100000})
	var targets []change.Target
	for _, id := range clusters {
		if err := sim.AddCluster(crashRegion, redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available"}); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, change.Target{Region: crashRegion, Cluster: id})
	}
	rig := &crashRig{sim: sim, dbPath: filepath.Join(t.TempDir(), "data", "rolegate.db")}
	srv := httptest.NewServer(rig)
	t.Cleanup(srv.Close)
	rig.simURL = srv.URL

	ctx := context.Background()
	db, err := store.Open(ctx, rig.dbPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gw, err := inventory.New(ctx, inventory.Options{Regions: []string{crashRegion}, Endpoint: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc := change.New(change.Options{DB: db, Audit: audit.New(db), Redshift: gw})
	b, err := svc.CreateBulk(ctx, change.Actor{ID: 1, Username: "rita", Role: "requester"}, audit.Origin{}, change.BulkInput{Add: crashRole, Reason: "Load the nightly batch everywhere"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ApproveBulk(ctx, change.Actor{ID: 2, Username: "arno", Role: "approver"}, audit.Origin{}, b.ID, b.Hash, ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range b.Members {
		rig.ids = append(rig.ids, m.ChangeID)
	}
	return rig
}

// Killed at 15 random moments while the members of a bulk request over
// twelve clusters are applied four at a time, with the simulator slow to
// read and to answer: every member ends in-sync, each cluster's change was
// accepted by AWS exactly once, every started call is settled in the
// audit log, and the chain and the database stay intact.
func TestSIGKILLMidBulkAppliesEveryMemberOnce(t *testing.T) {
	var clusters []string
	for i := range 12 {
		clusters = append(clusters, fmt.Sprintf("bk-%02d", i))
	}
	rig := newBulkCrashRig(t, clusters...)
	rig.killAtRandom(t, 15, 3, 4, "every member")
	accepted := map[string]int{}
	for _, c := range rig.sim.Stats().Log {
		if c.Op == "ModifyClusterIamRoles" && c.Status == 200 {
			accepted[c.Cluster]++
		}
	}
	for _, id := range clusters {
		if !rig.hasRole(id) {
			t.Fatalf("cluster %s lacks the role", id)
		}
		if accepted[id] != 1 {
			t.Errorf("cluster %s: AWS accepted %d ModifyClusterIamRoles, want exactly 1", id, accepted[id])
		}
	}
	if len(rig.ids) != len(clusters) {
		t.Fatalf("%d members for %d clusters", len(rig.ids), len(clusters))
	}
	reconciled := 0
	for _, id := range rig.ids {
		acts := rig.actions(t, id)
		started, settled := 0, 0
		for _, a := range acts {
			switch a {
			case "apply.reconciled":
				reconciled++
				settled++
			case "apply.started":
				started++
			case "apply.succeeded", "apply.waiting", "apply.failed", "apply.unknown":
				settled++
			}
		}
		if started == 0 || settled < started || acts[len(acts)-1] != "apply.in_sync" {
			t.Fatalf("member %d: %d calls started, %d settled: %v", id, started, settled, acts)
		}
	}
	rig.checkIntact(t)
	t.Logf("%d ModifyClusterIamRoles requests reached the simulator for %d clusters; %d calls settled by the reconciler after a kill", rig.modifies.Load(), len(clusters), reconciled)
}
