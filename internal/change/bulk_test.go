package change_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

var bulkRegions = []string{"eu-west-1", "us-east-1"}

const (
	bulkRole  = "arn:aws:iam::123456789012:role/Spectrum"
	otherRole = "arn:aws:iam::123456789012:role/Loader"
)

var anna = change.Actor{ID: 3, Username: "anna", Role: "approver"}

// bulkRig is the change service with its worker running, on a real
// database, talking to the simulator in two regions over HTTP with the
// real SDK.
type bulkRig struct {
	svc *change.Service
	sim *redshiftsim.Sim
	db  *store.DB
	url string
}

type bulkRigOptions struct {
	sim         redshiftsim.Options
	concurrency int
	maxAttempts int
	backoff     time.Duration
	follow      time.Duration
}

func newBulkRig(tb testing.TB, o bulkRigOptions) *bulkRig {
	tb.Helper()
	ctx := context.Background()
	if o.sim.StatsLogSize == 0 {
		o.sim.StatsLogSize = 100000
	}
	sim := redshiftsim.New(o.sim)
	srv := httptest.NewServer(sim)
	tb.Cleanup(srv.Close)
	db, err := store.Open(ctx, filepath.Join(tb.TempDir(), "rolegate.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	gw, err := inventory.New(ctx, inventory.Options{Regions: bulkRegions, Endpoint: srv.URL, Timeout: 10 * time.Second, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	if o.maxAttempts == 0 {
		o.maxAttempts = 10
	}
	if o.backoff == 0 {
		o.backoff = 10 * time.Millisecond
	}
	if o.follow == 0 {
		o.follow = 10 * time.Millisecond
	}
	svc := change.New(change.Options{DB: db, Audit: audit.New(db), Redshift: gw, MaxAttempts: o.maxAttempts,
		Backoff: o.backoff, MaxBackoff: 4 * o.backoff, FollowEvery: o.follow, BulkConcurrency: o.concurrency})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(wctx, 10*time.Millisecond) }()
	tb.Cleanup(func() { cancel(); <-done })
	return &bulkRig{svc: svc, sim: sim, db: db, url: srv.URL}
}

// seed puts n clusters in each region; those whose index is below has
// already carry bulkRole.
func (g *bulkRig) seed(tb testing.TB, n, has int) []change.Target {
	tb.Helper()
	var out []change.Target
	for _, region := range bulkRegions {
		for i := range n {
			spec := redshiftsim.ClusterSpec{ID: fmt.Sprintf("analytics-%02d", i), NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available",
				Roles: []redshiftsim.RoleSpec{{ARN: otherRole}}}
			if i < has {
				spec.Roles = append(spec.Roles, redshiftsim.RoleSpec{ARN: bulkRole})
			}
			if err := g.sim.AddCluster(region, spec); err != nil {
				tb.Fatal(err)
			}
			out = append(out, change.Target{Region: region, Cluster: spec.ID})
		}
	}
	return out
}

// waitSettled waits until nothing more will happen to any member.
func (g *bulkRig) waitSettled(tb testing.TB, id int64, within time.Duration) (*change.Bulk, []*change.Request) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		b, err := g.svc.GetBulk(context.Background(), id)
		if err != nil {
			tb.Fatal(err)
		}
		ms, err := g.svc.BulkMembers(context.Background(), id)
		if err != nil {
			tb.Fatal(err)
		}
		if p := b.Progress(ms); p.Done {
			return b, ms
		}
		if time.Now().After(deadline) {
			tb.Fatalf("bulk request %d not settled after %v: %+v", id, within, b.Progress(ms))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// modifyCalls counts, per region/cluster, the ModifyClusterIamRoles calls
// the simulator accepted, and all those it saw.
func (g *bulkRig) modifyCalls() (accepted, all map[string]int) {
	accepted, all = map[string]int{}, map[string]int{}
	for _, c := range g.sim.Stats().Log {
		if c.Op != "ModifyClusterIamRoles" {
			continue
		}
		all[c.Region+"/"+c.Cluster]++
		if c.Status == 200 {
			accepted[c.Region+"/"+c.Cluster]++
		}
	}
	return accepted, all
}

func TestBulkFiftyClustersInTwoRegionsCallModifyOncePerChangedCluster(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{})
	targets := g.seed(t, 25, 5) // 5 per region already have the role
	ctx := context.Background()
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Members) != 50 || len(b.Changed()) != 40 {
		t.Fatalf("members %d, changed %d; want 50 and 40", len(b.Members), len(b.Changed()))
	}
	for _, m := range b.Members {
		if (m.Outcome == change.MemberNoOp) != (m.Cluster < "analytics-05") {
			t.Fatalf("member %s/%s is %s", m.Region, m.Cluster, m.Outcome)
		}
	}
	if _, err := g.svc.ApproveBulk(ctx, rita, audit.Origin{}, b.ID, b.Hash, ""); !errors.Is(err, change.ErrForbidden) {
		t.Fatalf("the requester approving her own set: %v, want forbidden", err)
	}
	if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, "all analytics"); err != nil {
		t.Fatal(err)
	}
	b, members := g.waitSettled(t, b.ID, 60*time.Second)
	if p := b.Progress(members); p.InSync != 40 || p.Failed != 0 {
		t.Fatalf("progress %+v, want 40 in-sync", p)
	}
	accepted, all := g.modifyCalls()
	for _, m := range b.Members {
		k := m.Region + "/" + m.Cluster
		want := 1
		if m.Outcome == change.MemberNoOp {
			want = 0
		}
		if accepted[k] != want || all[k] != want {
			t.Errorf("%s (%s): %d ModifyClusterIamRoles (%d accepted), want %d", k, m.Outcome, all[k], accepted[k], want)
		}
	}
	for _, region := range bulkRegions {
		if n := g.sim.Stats().Calls("ModifyClusterIamRoles", region); n != 20 {
			t.Errorf("%s: %d ModifyClusterIamRoles, want 20", region, n)
		}
	}
	// Each member has its own events, and the set has one of each.
	for _, r := range members {
		if got := actionsOf(t, g.db, r.ID); fmt.Sprint(got) != "[change.created change.approved apply.started apply.succeeded apply.in_sync]" {
			t.Fatalf("member %d events %v", r.ID, got)
		}
	}
	var submitted, approved int
	if err := g.db.Reader().QueryRow(`SELECT count(*) FILTER (WHERE action = 'bulk.submitted'), count(*) FILTER (WHERE action = 'bulk.approved') FROM audit_events`).Scan(&submitted, &approved); err != nil {
		t.Fatal(err)
	}
	if submitted != 1 || approved != 1 {
		t.Fatalf("bulk.submitted %d, bulk.approved %d; want 1 each", submitted, approved)
	}
}

func TestBulkUnderThrottlingWaitsForPausedMemberThenApplies(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{
		sim:         redshiftsim.Options{Seed: 7, Faults: []redshiftsim.Fault{{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultThrottle, Rate: 0.3}}},
		maxAttempts: 100,
	})
	targets := g.seed(t, 10, 0)
	if err := g.sim.AddCluster("eu-west-1", redshiftsim.ClusterSpec{ID: "sleepy", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	targets = append(targets, change.Target{Region: "eu-west-1", Cluster: "sleepy"})
	ctx := context.Background()
	plans, errs, err := g.svc.PreviewBulk(ctx, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, withSnapshots(t, g, targets))
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if last := plans[len(plans)-1]; last.Status != change.StatusPaused || last.Waits == "" {
		t.Fatalf("the paused cluster previews as %q (%q)", last.Status, last.Waits)
	}
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, ""); err != nil {
		t.Fatal(err)
	}
	// Everything but the paused member gets through the throttling.
	deadline := time.Now().Add(60 * time.Second)
	for {
		ms, err := g.svc.BulkMembers(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		p := b.Progress(ms)
		if p.InSync == 20 {
			break
		}
		if p.Failed > 0 || time.Now().After(deadline) {
			t.Fatalf("progress %+v", p)
		}
		time.Sleep(5 * time.Millisecond)
	}
	sleepy := memberOn(t, g, b.ID, "sleepy")
	if sleepy.State != change.Applying || sleepy.Phase != change.PhaseWaiting {
		t.Fatalf("the paused member is %s/%s (%s)", sleepy.State, sleepy.Phase, sleepy.StateReason)
	}
	if _, all := g.modifyCalls(); all["eu-west-1/sleepy"] != 0 {
		t.Fatalf("ModifyClusterIamRoles sent to the paused cluster %d times", all["eu-west-1/sleepy"])
	}
	resume(t, g, "eu-west-1", "sleepy")
	b, members := g.waitSettled(t, b.ID, 60*time.Second)
	if p := b.Progress(members); p.InSync != 21 {
		t.Fatalf("progress %+v, want 21 in-sync", p)
	}
	accepted, all := g.modifyCalls()
	throttled := 0
	for _, m := range b.Members {
		k := m.Region + "/" + m.Cluster
		if accepted[k] != 1 {
			t.Errorf("%s: %d accepted ModifyClusterIamRoles, want exactly 1", k, accepted[k])
		}
		throttled += all[k] - accepted[k]
	}
	if throttled == 0 {
		t.Fatal("no call was throttled: the fault did not bite")
	}
	t.Logf("%d calls throttled and retried", throttled)
}

func TestBulkMemberChangedBeforeApprovalBlocksAndResubmitsTheSet(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{})
	targets := g.seed(t, 3, 0)
	ctx := context.Background()
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	// Someone changes one member's roles outside Rolegate.
	modify(t, g, "us-east-1", "analytics-01", &redshift.ModifyClusterIamRolesInput{RemoveIamRoles: []string{otherRole}})
	_, err = g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, "")
	var ref *change.Refusal
	if !errors.Is(err, change.ErrStale) || !errors.As(err, &ref) {
		t.Fatalf("approve: %v, want stale", err)
	}
	if want := "analytics-01 (us-east-1)"; !strings.Contains(ref.Message, want) {
		t.Fatalf("the refusal %q does not name %s", ref.Message, want)
	}
	ms, _ := g.svc.BulkMembers(ctx, b.ID)
	for _, r := range ms {
		if r.State == change.Approved || len(r.Approvals) > 0 {
			t.Fatalf("member %s got approved although the set was stale", r.Cluster)
		}
	}
	nb, err := g.svc.ResubmitBulk(ctx, rita, audit.Origin{}, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old, _ := g.svc.GetBulk(ctx, b.ID); old.State != change.BulkSuperseded || old.SupersededBy != nb.ID {
		t.Fatalf("old set %s superseded by %d", old.State, old.SupersededBy)
	}
	if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, nb.ID, nb.Hash, ""); err != nil {
		t.Fatal(err)
	}
	nb, members := g.waitSettled(t, nb.ID, 30*time.Second)
	if p := nb.Progress(members); p.InSync != 6 {
		t.Fatalf("progress %+v", p)
	}
}

func TestBulkWithHighRiskMemberNeedsTwoApproversForEveryMember(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{})
	targets := g.seed(t, 2, 0)
	ctx := context.Background()
	// Making the role the default replaces a default on one member only.
	modify(t, g, "eu-west-1", "analytics-00", &redshift.ModifyClusterIamRolesInput{DefaultIamRoleArn: aws.String(otherRole)})
	waitInSync(t, g, "eu-west-1", "analytics-00")
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Default: bulkRole, Reason: "Spectrum as the default everywhere"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	if b.Risk != change.RiskHigh || b.ApprovalsRequired != 2 {
		t.Fatalf("risk %s, approvals %d", b.Risk, b.ApprovalsRequired)
	}
	if b, err = g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, ""); err != nil || b.State != change.BulkPending {
		t.Fatalf("first approval: %v, state %v", err, b)
	}
	if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, ""); !errors.Is(err, change.ErrConflict) {
		t.Fatalf("the same approver twice: %v", err)
	}
	ms, _ := g.svc.BulkMembers(ctx, b.ID)
	for _, r := range ms {
		if r.State != change.Pending {
			t.Fatalf("member %s is %s after one approval", r.Cluster, r.State)
		}
	}
	if b, err = g.svc.ApproveBulk(ctx, anna, audit.Origin{}, b.ID, b.Hash, ""); err != nil || b.State != change.BulkApproved {
		t.Fatalf("second approval: %v, state %v", err, b)
	}
	g.waitSettled(t, b.ID, 30*time.Second)
}

func TestBulkMemberIsNotDecidedOnItsOwn(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{})
	targets := g.seed(t, 1, 0)
	ctx := context.Background()
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	m := b.Changed()[0]
	if _, err := g.svc.Approve(ctx, arno, audit.Origin{}, m.ChangeID, m.ChangeHash, ""); !errors.Is(err, change.ErrConflict) {
		t.Fatalf("approving one member alone: %v, want a refusal", err)
	}
	if _, err := g.svc.Reject(ctx, arno, audit.Origin{}, m.ChangeID, "no"); !errors.Is(err, change.ErrConflict) {
		t.Fatalf("rejecting one member alone: %v, want a refusal", err)
	}
	if _, err := g.svc.RejectBulk(ctx, arno, audit.Origin{}, b.ID, "not this quarter"); err != nil {
		t.Fatal(err)
	}
	ms, _ := g.svc.BulkMembers(ctx, b.ID)
	for _, r := range ms {
		if r.State != change.Rejected {
			t.Fatalf("member %s is %s", r.Cluster, r.State)
		}
	}
}

func memberOn(t *testing.T, g *bulkRig, id int64, cluster string) *change.Request {
	t.Helper()
	ms, err := g.svc.BulkMembers(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ms {
		if r.Cluster == cluster {
			return r
		}
	}
	t.Fatalf("no member on %s", cluster)
	return nil
}

func withSnapshots(t *testing.T, g *bulkRig, targets []change.Target) []change.Target {
	t.Helper()
	out := make([]change.Target, len(targets))
	for i, tg := range targets {
		c, ok := g.sim.Cluster(tg.Region, tg.Cluster)
		if !ok {
			t.Fatalf("no cluster %s", tg.Cluster)
		}
		tg.API = &c
		out[i] = tg
	}
	return out
}

func sdk(t *testing.T, g *bulkRig, region string) *redshift.Client {
	t.Helper()
	return redshift.New(redshift.Options{Region: region, BaseEndpoint: aws.String(g.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
}

func modify(t *testing.T, g *bulkRig, region, id string, in *redshift.ModifyClusterIamRolesInput) {
	t.Helper()
	in.ClusterIdentifier = aws.String(id)
	if _, err := sdk(t, g, region).ModifyClusterIamRoles(context.Background(), in); err != nil {
		t.Fatal(err)
	}
}

func resume(t *testing.T, g *bulkRig, region, id string) {
	t.Helper()
	if _, err := sdk(t, g, region).ResumeCluster(context.Background(), &redshift.ResumeClusterInput{ClusterIdentifier: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
}

func waitInSync(t *testing.T, g *bulkRig, region, id string) {
	t.Helper()
	for range 200 {
		out, err := sdk(t, g, region).DescribeClusters(context.Background(), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		synced := true
		for _, r := range out.Clusters[0].IamRoles {
			synced = synced && aws.ToString(r.ApplyStatus) == "in-sync"
		}
		if synced {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never in-sync", id)
}

func actionsOf(t *testing.T, db *store.DB, id int64) []string {
	t.Helper()
	rows, err := db.Reader().Query(`SELECT action FROM audit_events WHERE change_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestBulkMemberChangedAfterApprovalIsCaughtAsStaleAndResubmittedAlone(t *testing.T) {
	// A long backoff: the paused member is looked at again only after a
	// second, time enough to change its cluster meanwhile.
	g := newBulkRig(t, bulkRigOptions{backoff: time.Second})
	targets := g.seed(t, 1, 0)
	if err := g.sim.AddCluster("eu-west-1", redshiftsim.ClusterSpec{ID: "sleepy", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	targets = append(targets, change.Target{Region: "eu-west-1", Cluster: "sleepy"})
	ctx := context.Background()
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for memberOn(t, g, b.ID, "sleepy").Phase != change.PhaseWaiting {
		if time.Now().After(deadline) {
			t.Fatal("the paused member never waited for its cluster")
		}
		time.Sleep(5 * time.Millisecond)
	}
	resume(t, g, "eu-west-1", "sleepy")
	waitInSync(t, g, "eu-west-1", "sleepy")
	modify(t, g, "eu-west-1", "sleepy", &redshift.ModifyClusterIamRolesInput{AddIamRoles: []string{otherRole}})
	b, members := g.waitSettled(t, b.ID, 30*time.Second)
	if r := memberOn(t, g, b.ID, "sleepy"); r.State != change.Stale {
		t.Fatalf("the member changed after approval is %s (%s), want stale", r.State, r.StateReason)
	}
	p := b.Progress(members)
	if p.InSync != 2 || p.Closed != 1 || !strings.HasPrefix(p.Overall, "partly failed") || !strings.Contains(p.Overall, "stay changed") {
		t.Fatalf("progress %+v", p)
	}
	if accepted, _ := g.modifyCalls(); accepted["eu-west-1/sleepy"] != 1 { // the outside change only
		t.Fatalf("%d ModifyClusterIamRoles accepted on the stale member's cluster, want only the outside one", accepted["eu-west-1/sleepy"])
	}
	// The requester resubmits what did not get through: the one cluster.
	if _, err := g.svc.ResubmitBulk(ctx, arno, audit.Origin{}, b.ID); !errors.Is(err, change.ErrForbidden) {
		t.Fatalf("someone else resubmitting the set: %v", err)
	}
	nb, err := g.svc.ResubmitBulk(ctx, rita, audit.Origin{}, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Members) != 1 || nb.Members[0].Cluster != "sleepy" {
		t.Fatalf("the resubmission holds %+v, want sleepy alone", nb.Members)
	}
	if old, _ := g.svc.GetBulk(ctx, b.ID); old.State != change.BulkApproved || old.SupersededBy != nb.ID {
		t.Fatalf("the applied set is %s, superseded by %d", old.State, old.SupersededBy)
	}
	if _, err := g.svc.ApproveBulk(ctx, arno, audit.Origin{}, nb.ID, nb.Hash, ""); err != nil {
		t.Fatal(err)
	}
	nb, members = g.waitSettled(t, nb.ID, 30*time.Second)
	if p := nb.Progress(members); p.InSync != 1 {
		t.Fatalf("the resubmission's progress %+v", p)
	}
	if _, err := g.svc.ResubmitBulk(ctx, rita, audit.Origin{}, b.ID); !errors.Is(err, change.ErrConflict) {
		t.Fatalf("resubmitting the same set twice: %v", err)
	}
}

func TestBulkNoOpMemberChangedBeforeApprovalBlocksIt(t *testing.T) {
	g := newBulkRig(t, bulkRigOptions{})
	targets := g.seed(t, 2, 1) // analytics-00 already has the role in each region
	ctx := context.Background()
	b, err := g.svc.CreateBulk(ctx, rita, audit.Origin{}, change.BulkInput{Add: bulkRole, Reason: "Spectrum for every analytics cluster"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	// Someone removes the role from a no-op member: the set would no longer
	// leave it with the role, as reviewed.
	modify(t, g, "us-east-1", "analytics-00", &redshift.ModifyClusterIamRolesInput{RemoveIamRoles: []string{bulkRole}})
	waitInSync(t, g, "us-east-1", "analytics-00")
	_, err = g.svc.ApproveBulk(ctx, arno, audit.Origin{}, b.ID, b.Hash, "")
	var ref *change.Refusal
	if !errors.Is(err, change.ErrStale) || !errors.As(err, &ref) || !strings.Contains(ref.Message, "analytics-00 (us-east-1)") {
		t.Fatalf("approve: %v", err)
	}
	if b, _ := g.svc.GetBulk(ctx, b.ID); b.State != change.BulkStale {
		t.Fatalf("the set is %s, want stale", b.State)
	}
	if n := g.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 1 {
		t.Fatalf("%d ModifyClusterIamRoles, want only the outside one", n)
	}
}
