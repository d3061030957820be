package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

// These tests run the real rolegate binary as a subprocess against the
// simulator and kill it with SIGKILL around the ModifyClusterIamRoles call.
// After a restart the reconciler must settle the request with every step
// in the audit log and without a second change reaching AWS.

const (
	crashRegion = "eu-west-1"
	crashRole   = "arn:aws:iam::123456789012:role/RedshiftCopy"
)

var (
	buildOnce sync.Once
	binDir    string // the temp folder holding the built binary
	binPath   string
	buildErr  error
)

// removeBinary deletes the binary rolegateBinary built, with its folder;
// TestMain calls it once every test is done.
func removeBinary() {
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
}

func rolegateBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rolegate-bin")
		if err != nil {
			buildErr = err
			return
		}
		binDir, binPath = dir, filepath.Join(dir, "rolegate")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building rolegate: %v\n%s", buildErr, binPath)
	}
	return binPath
}

type crashRig struct {
	sim    *redshiftsim.Sim
	simURL string
	dbPath string
	ids    []int64 // one request per cluster
	// modifies counts ModifyClusterIamRoles requests as they arrive, before
	// the simulator (and its faults) see them.
	modifies atomic.Int32
}

func (rig *crashRig) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte("Action=ModifyClusterIamRoles")) {
		rig.modifies.Add(1)
	}
	rig.sim.ServeHTTP(w, r)
}

// newCrashRig seeds a cluster and stores an approved request for it, the
// way the dashboard would, so that the process started next applies it.
func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	return newCrashRigFor(t, "crashy")
}

// newCrashRigFor does the same for several clusters, one request each.
func newCrashRigFor(t *testing.T, clusters ...string) *crashRig {
	t.Helper()
	if testing.Short() {
		t.Skip("starts and kills the rolegate binary")
	}
	sim := redshiftsim.New(redshiftsim.Options{})
	for _, id := range clusters {
		if err := sim.AddCluster(crashRegion, redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available"}); err != nil {
			t.Fatal(err)
		}
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
	for _, id := range clusters {
		r, err := svc.Create(ctx, change.Actor{ID: 1, Username: "rita", Role: "requester"}, audit.Origin{}, change.ParseDraft(change.Input{
			Region: crashRegion, Cluster: id, Add: crashRole, Reason: "Load the nightly batch",
		}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Approve(ctx, change.Actor{ID: 2, Username: "arno", Role: "approver"}, audit.Origin{}, r.ID, r.Hash, ""); err != nil {
			t.Fatal(err)
		}
		rig.ids = append(rig.ids, r.ID)
	}
	return rig
}

// start runs the dashboard on the rig's database and simulator.
func (rig *crashRig) start(t *testing.T) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(rolegateBinary(t),
		"-db", rig.dbPath, "-listen", "127.0.0.1:0", "-regions", crashRegion,
		"-aws-endpoint", rig.simURL, "-worker-every", "20ms", "-apply-backoff", "20ms", "-aws-timeout", "30s")
	cmd.Env = append(os.Environ(), "ROLEGATE_AUDIT_SIGNING_KEY="+testSigningKey())
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, logs
}

// stopGracefully ends the process once it is serving (a SIGTERM before
// it installs its handler would simply kill it).
func stopGracefully(t *testing.T, cmd *exec.Cmd, logs *syncBuffer) {
	t.Helper()
	waitFor(t, "the server to listen", logs, func() bool { return addrRE.MatchString(logs.String()) })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("rolegate after SIGTERM: %v\n%s", err, logs)
	}
}

// state is the first request's state and phase.
func (rig *crashRig) state(t *testing.T) (state, phase string) {
	t.Helper()
	db := rig.open(t)
	defer db.Close()
	if err := db.QueryRow(`SELECT state, phase FROM change_requests WHERE id = ?`, rig.ids[0]).Scan(&state, &phase); err != nil {
		t.Fatal(err)
	}
	return state, phase
}

// actions lists the audit actions of request id, in order.
func (rig *crashRig) actions(t *testing.T, id int64) []string {
	t.Helper()
	db := rig.open(t)
	defer db.Close()
	rows, err := db.Query(`SELECT action FROM audit_events WHERE change_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

func (rig *crashRig) open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+rig.dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func waitFor(t *testing.T, what string, logs *syncBuffer, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; process output:\n%s", what, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// finish checks the settled request, the chain and the database.
func (rig *crashRig) finish(t *testing.T, cmd *exec.Cmd, logs *syncBuffer, wantActions []string) {
	t.Helper()
	waitFor(t, "the request to reach in_sync", logs, func() bool { s, _ := rig.state(t); return s == "in_sync" })
	stopGracefully(t, cmd, logs)
	if got := rig.actions(t, rig.ids[0]); strings.Join(got, ",") != strings.Join(wantActions, ",") {
		t.Fatalf("audit actions\n got %v\nwant %v", got, wantActions)
	}
	rig.checkIntact(t)
}

// checkIntact checks, after the process has stopped, that the database
// and the audit chain are whole and that no request is left applying.
func (rig *crashRig) checkIntact(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, rig.dbPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.Reader().QueryRow(`PRAGMA integrity_check`).Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	rep, err := audit.New(db).Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("audit chain after the crash: %+v %v", rep, err)
	}
	var left int
	db.Reader().QueryRow(`SELECT count(*) FROM change_requests WHERE state = 'applying'`).Scan(&left)
	if left != 0 {
		t.Fatalf("%d requests left applying", left)
	}
}

// Killed after AWS processed the call but before its answer arrived: the
// reconciler finds the change on the cluster and records it as applied,
// with no second call.
func TestSIGKILLAfterCallIsReconciledWithoutSecondCall(t *testing.T) {
	rig := newCrashRig(t)
	rig.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency-after", Latency: time.Minute, Next: 1})
	cmd, logs := rig.start(t)
	waitFor(t, "the call to be processed by the simulator", logs, func() bool { return rig.hasRole("crashy") })
	if s, p := rig.state(t); s != "applying" || p != "calling" {
		t.Fatalf("before the kill the request is %s/%s, want applying/calling", s, p)
	}
	cmd.Process.Kill()
	cmd.Wait()
	rig.sim.ClearFaults()

	cmd, logs = rig.start(t)
	rig.finish(t, cmd, logs, []string{"change.created", "change.approved", "apply.started", "apply.reconciled", "apply.in_sync"})
	if n := rig.modifies.Load(); n != 1 {
		t.Fatalf("ModifyClusterIamRoles requests %d, want 1", n)
	}
}

// Killed while the call was still waiting to be processed: AWS never
// applied it, so the reconciler re-issues it exactly once.
func TestSIGKILLBeforeCallIsProcessedIsReissuedOnce(t *testing.T) {
	rig := newCrashRig(t)
	rig.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency", Latency: time.Minute, Next: 1})
	cmd, logs := rig.start(t)
	waitFor(t, "the call to reach the simulator", logs, func() bool { return rig.modifies.Load() >= 1 })
	cmd.Process.Kill()
	cmd.Wait()
	if rig.hasRole("crashy") {
		t.Fatal("the delayed call was applied although its client died")
	}
	rig.sim.ClearFaults()

	cmd, logs = rig.start(t)
	rig.finish(t, cmd, logs, []string{"change.created", "change.approved", "apply.started", "apply.reconciled", "apply.started", "apply.succeeded", "apply.in_sync"})
	if n := rig.modifies.Load(); n != 2 {
		t.Fatalf("ModifyClusterIamRoles requests %d, want 2 (the lost one and the re-issue)", n)
	}
}

// Killed at 20 random moments while ten approved requests are applied,
// with the simulator slow to read and to answer: no request is lost or
// applied twice, every started call is settled in the audit log, and the
// chain and the database stay intact.
func TestSIGKILLAtRandomPointsLosesNothing(t *testing.T) {
	var clusters []string
	for i := range 10 {
		clusters = append(clusters, fmt.Sprintf("rk-%02d", i))
	}
	rig := newCrashRigFor(t, clusters...)
	rig.killAtRandom(t, 20, 1, 2, "every request")
	for _, id := range clusters {
		if !rig.hasRole(id) {
			t.Fatalf("cluster %s lacks the role", id)
		}
	}
	for _, id := range rig.ids {
		acts := rig.actions(t, id)
		t.Logf("request %d: %v", id, acts)
		started, settled := 0, 0
		for _, a := range acts {
			switch a {
			case "apply.started":
				started++
			case "apply.succeeded", "apply.reconciled", "apply.waiting", "apply.failed", "apply.unknown":
				settled++
			}
		}
		if started == 0 || settled < started || acts[len(acts)-1] != "apply.in_sync" {
			t.Fatalf("request %d: %d calls started, %d settled: %v", id, started, settled, acts)
		}
	}
	rig.checkIntact(t)
	if n := int(rig.modifies.Load()); n < len(clusters) {
		t.Fatalf("only %d ModifyClusterIamRoles requests for %d clusters", n, len(clusters))
	}
}

func (rig *crashRig) hasRole(cluster string) bool {
	c, ok := rig.sim.Cluster(crashRegion, cluster)
	if !ok {
		return false
	}
	n := 0
	for _, r := range c.IamRoles {
		if aws.ToString(r.IamRoleArn) == crashRole {
			n++
		}
	}
	return n == 1
}

// killAtRandom starts the dashboard n times, with the simulator slow to
// read and to answer, and kills it with SIGKILL at a random moment of each
// run (seeded by seed1, seed2); then starts it once more and stops it
// gracefully once every request (what) is in-sync.
func (rig *crashRig) killAtRandom(t *testing.T, n int, seed1, seed2 uint64, what string) {
	t.Helper()
	rig.sim.SetFaults(
		redshiftsim.Fault{Op: "DescribeClusters", Kind: "latency", Latency: 30 * time.Millisecond},
		redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency", Latency: 40 * time.Millisecond, Rate: 0.5},
		redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency-after", Latency: 500 * time.Millisecond},
	)
	rnd := rand.New(rand.NewPCG(seed1, seed2))
	for range n {
		cmd, logs := rig.start(t)
		waitFor(t, "the server to listen", logs, func() bool { return addrRE.MatchString(logs.String()) })
		time.Sleep(time.Duration(rnd.IntN(600)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
	}
	rig.sim.ClearFaults()
	cmd, logs := rig.start(t)
	done := func() bool {
		db := rig.open(t)
		defer db.Close()
		var open int
		db.QueryRow(`SELECT count(*) FROM change_requests WHERE state <> 'in_sync'`).Scan(&open)
		return open == 0
	}
	waitFor(t, what+" to reach in_sync", logs, done)
	stopGracefully(t, cmd, logs)
}
