package drift_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/drift"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/internal/toolcheck"
	"rolegate/redshiftsim"
)

const (
	copyRole     = "arn:aws:iam::123456789012:role/Copy"
	spectrumRole = "arn:aws:iam::123456789012:role/Spectrum"
	region       = "us-east-1"
)

var awsCLIMissing = &toolcheck.Missing{Suite: "rolegate/internal/drift: the AWS CLI tests",
	Problem: "the AWS CLI (aws) is not on PATH", Install: "apt-get install awscli"}

func TestMain(m *testing.M) {
	code := m.Run()
	awsCLIMissing.Report()
	os.Exit(code)
}

// rig is a database with the real migrations, the audit log, the drift
// service, and a gateway over the simulator that checks every read.
type rig struct {
	db    *store.DB
	log   *audit.Log
	drift *drift.Service
	gw    *inventory.Gateway
	sim   *redshiftsim.Sim
	url   string
	// cliKey is the access key the AWS CLI signs with (AKIDEXAMPLE: the
	// simulator's default user, as Rolegate's own credentials are).
	cliKey string
}

func newRig(t *testing.T, so redshiftsim.Options) *rig {
	t.Helper()
	return newRigWith(t, so, drift.Options{}, redshiftsim.World{})
}

// newRigWith is newRig with drift options (DB and Audit are the rig's) and
// a world loaded before the cluster is added.
func newRigWith(t *testing.T, so redshiftsim.Options, do drift.Options, world redshiftsim.World) *rig {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "rolegate.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &rig{db: db, log: audit.New(db), cliKey: "AKIDEXAMPLE"}
	do.DB, do.Audit = db, r.log
	r.drift = drift.New(do)
	r.sim = redshiftsim.New(so)
	if err := r.sim.LoadWorld(world); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.AddCluster(region, redshiftsim.ClusterSpec{ID: "analytics", Roles: []redshiftsim.RoleSpec{{ARN: copyRole}}, DefaultRole: copyRole}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r.sim)
	t.Cleanup(srv.Close)
	r.url = srv.URL
	r.gw, err = inventory.New(ctx, inventory.Options{
		Regions: []string{region}, Endpoint: srv.URL, Timeout: 10 * time.Second, MaxBackoff: 10 * time.Millisecond,
		OnClusters: func(ctx context.Context, cs []*inventory.Cluster) {
			if err := r.drift.Check(ctx, cs); err != nil {
				t.Errorf("drift check: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// stepUntilInSync steps the change service's worker, sweeping between
// steps, until request id is in-sync.
func (r *rig) stepUntilInSync(t *testing.T, svc *change.Service, id int64) {
	t.Helper()
	ctx := context.Background()
	for i := 0; ; i++ {
		if err := svc.Step(ctx); err != nil {
			t.Fatal(err)
		}
		cur, err := svc.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if cur.State == change.InSync {
			return
		}
		if i > 50 {
			t.Fatalf("request never in-sync: %s (%s)", cur.State, cur.StateReason)
		}
		r.sweep(t)
	}
}

// sweep lists every cluster afresh, as the next sweep does, waiting until
// no role is adding or removing.
func (r *rig) sweep(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.gw.Refresh("")
		inv, err := r.gw.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		settled := true
		for _, c := range inv.Clusters {
			settled = settled && c.InSync
		}
		if settled || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) events(t *testing.T, a audit.Action) []audit.Event {
	t.Helper()
	rows, err := r.db.Reader().Query(`SELECT seq, params FROM audit_events WHERE action = ? ORDER BY seq`, string(a))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var p string
		if err := rows.Scan(&e.Seq, &p); err != nil {
			t.Fatal(err)
		}
		e.Params = json.RawMessage(p)
		out = append(out, e)
	}
	return out
}

// cli runs the AWS CLI against the simulator with dummy credentials.
func (r *rig) cli(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		awsCLIMissing.Skip(t)
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, append(append([]string{"redshift"}, args...), "--endpoint-url", r.url, "--output", "json")...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"AWS_ACCESS_KEY_ID=" + r.cliKey, "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_DEFAULT_REGION=" + region, "AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
	}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "PYTHONPATH", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	// Any non-zero status is a failure here (v1 exits 255, v2 254 on a
	// service error).
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aws redshift %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestAClusterFirstSeenGetsOneBaselineAndNoDrift(t *testing.T) {
	r := newRig(t, redshiftsim.Options{})
	r.sweep(t)
	r.sweep(t)
	if got := r.events(t, audit.DriftBaseline); len(got) != 1 {
		t.Fatalf("baselines after two sweeps: %d, want 1", len(got))
	}
	if got := r.events(t, audit.DriftDetected); len(got) != 0 {
		t.Fatalf("drift on a cluster first seen: %v", got)
	}
}

func TestRolesChangedWithTheAWSCLIAreDetectedOnceAtTheNextSweep(t *testing.T) {
	r := newRig(t, redshiftsim.Options{})
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--remove-iam-roles", copyRole)
	r.sweep(t)
	r.sweep(t)

	got := r.events(t, audit.DriftDetected)
	if len(got) != 2 {
		t.Fatalf("drift events: %d, want 2 (the add, then the add and the remove)", len(got))
	}
	var p struct {
		Difference drift.Diff `json:"difference"`
	}
	if err := json.Unmarshal(got[1].Params, &p); err != nil {
		t.Fatal(err)
	}
	d := p.Difference
	if len(d.Added) != 1 || d.Added[0] != spectrumRole || len(d.Removed) != 1 || d.Removed[0] != copyRole ||
		!d.DefaultChanged || d.DefaultFrom != copyRole || d.DefaultTo != "" {
		t.Errorf("difference: %+v", d)
	}
	open, err := r.drift.Open(context.Background(), drift.Key{Account: redshiftsim.Account, Region: region, Cluster: "analytics"})
	if err != nil {
		t.Fatal(err)
	}
	if open.DetectedSeq != got[1].Seq {
		t.Errorf("open drift from event %d, want the newest %d", open.DetectedSeq, got[1].Seq)
	}

	// Put back as it was: the drift closes, once.
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", copyRole,
		"--remove-iam-roles", spectrumRole, "--default-iam-role-arn", copyRole)
	r.sweep(t)
	r.sweep(t)
	if got := r.events(t, audit.DriftResolved); len(got) != 1 {
		t.Errorf("resolved events: %d, want 1", len(got))
	}
	if _, err := r.drift.Open(context.Background(), open.Key); err != drift.ErrNoDrift {
		t.Errorf("open drift after the roles came back: %v", err)
	}
}

func TestAChangeWhileRolesAreAddingIsNotDrift(t *testing.T) {
	r := newRig(t, redshiftsim.Options{RoleDelay: time.Hour})
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.gw.Refresh("")
	if _, err := r.gw.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.gw.Cluster(context.Background(), "", region, "analytics", true); err != nil {
		t.Fatal(err)
	}
	if got := r.events(t, audit.DriftDetected); len(got) != 0 {
		t.Errorf("drift while a role is adding: %d events", len(got))
	}
}

func TestAcceptingADriftRecordsTheNewBaselineAndClosesIt(t *testing.T) {
	r := newRig(t, redshiftsim.Options{})
	ctx := context.Background()
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	k := drift.Key{Account: redshiftsim.Account, Region: region, Cluster: "analytics"}
	c, err := r.gw.Cluster(ctx, k.Account, k.Region, k.Cluster, true)
	if err != nil {
		t.Fatal(err)
	}
	arnoActor := audit.Actor{UserID: 2, Username: "arno", Role: "approver"}
	if err := r.drift.Accept(ctx, arnoActor, audit.Origin{}, k, c, "  "); err != drift.ErrCommentRequired {
		t.Fatalf("accept without a comment: %v", err)
	}
	if _, err := r.drift.Open(ctx, k); err != nil {
		t.Fatalf("a refused accept closed the drift: %v", err)
	}
	if err := r.drift.Accept(ctx, arnoActor, audit.Origin{}, k, c, "Spectrum added by the data team, ticket DATA-12"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.drift.Open(ctx, k); err != drift.ErrNoDrift {
		t.Fatalf("drift still open after accept: %v", err)
	}
	r.sweep(t)
	r.sweep(t)
	if got := r.events(t, audit.DriftDetected); len(got) != 1 {
		t.Errorf("drift events after accepting: %d, want the 1 accepted", len(got))
	}
	acc := r.events(t, audit.DriftAccepted)
	if len(acc) != 1 || !strings.Contains(string(acc[0].Params), "DATA-12") {
		t.Fatalf("accepted events: %v", acc)
	}
	// The accepted state is what later changes are measured from.
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--remove-iam-roles", spectrumRole)
	r.sweep(t)
	d, err := r.drift.Open(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if d.BaselineSeq != acc[0].Seq || len(d.Diff.Removed) != 1 || d.Diff.Removed[0] != spectrumRole || len(d.Diff.Added) != 0 {
		t.Errorf("drift after the accepted baseline: %+v", d)
	}
	rv, err := r.drift.ProposeRevert(ctx, audit.Actor{UserID: 1, Username: "rita", Role: "requester"}, audit.Origin{}, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.Add) != 1 || rv.Add[0] != spectrumRole || len(rv.Remove) != 0 {
		t.Errorf("revert: %+v", rv)
	}
	if n := len(r.events(t, audit.DriftRevert)); n != 1 {
		t.Errorf("revert proposals audited: %d", n)
	}
}
