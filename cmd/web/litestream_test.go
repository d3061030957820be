package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolegate/internal/toolcheck"
	"rolegate/redshiftsim"
)

// litestreamMissing skips the Litestream round trip where litestream is
// not installed (.ci/run installs it, and requires it).
var litestreamMissing = &toolcheck.Missing{
	Suite:   "rolegate/cmd/web: the Litestream round trip",
	Problem: "litestream is not on PATH",
	Install: "go install github.com/benbjohnson/litestream/cmd/litestream@v0.5.18",
}

// litestreamConfig is the README's recipe: the database replicated to a
// file replica, synced every 200ms.
const litestreamConfig = `dbs:
  - path: %s
    monitor-interval: 100ms
    replica:
      type: file
      path: %s
      sync-interval: 200ms
`

// The real binary runs with Litestream replicating its database while it
// applies ten change requests; once the replica holds every event
// committed so far, the dashboard and Litestream are killed with SIGKILL
// (the machine is lost). The replica, restored on a fresh path with the
// anchor file that was shipped alongside, verifies with the public key and
// holds every one of those events.
func TestLitestreamReplicaRestoresAfterSIGKILL(t *testing.T) {
	ls, err := exec.LookPath("litestream")
	if err != nil {
		litestreamMissing.Skip(t)
	}
	var clusters []string
	for i := range 10 {
		clusters = append(clusters, fmt.Sprintf("ls-%02d", i))
	}
	rig := newCrashRigFor(t, clusters...)
	rig.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency", Latency: 50 * time.Millisecond})
	dir := t.TempDir()
	replica := filepath.Join(dir, "replica")
	config := filepath.Join(dir, "litestream.yml")
	if err := os.WriteFile(config, fmt.Appendf(nil, litestreamConfig, rig.dbPath, replica), 0o600); err != nil {
		t.Fatal(err)
	}
	lsLogs := &syncBuffer{}
	repl := exec.Command(ls, "replicate", "-config", config)
	repl.Stdout, repl.Stderr = lsLogs, lsLogs
	if err := repl.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if repl.ProcessState == nil {
			repl.Process.Kill()
			repl.Wait()
		}
	})
	cmd, logs := rig.start(t)
	waitFor(t, "every request to reach in_sync", logs, func() bool {
		for _, id := range rig.ids {
			if acts := rig.actions(t, id); acts[len(acts)-1] != "apply.in_sync" {
				return false
			}
		}
		return true
	})
	committed := headSeq(t, rig.dbPath)

	// Litestream is asynchronous: wait until a restore of the replica
	// holds every event committed so far.
	probe := 0
	waitFor(t, "the replica to hold every committed event", lsLogs, func() bool {
		probe++
		out := filepath.Join(dir, fmt.Sprintf("probe-%d.db", probe))
		if b, err := exec.Command(ls, "restore", "-o", out, "file://"+replica).CombinedOutput(); err != nil {
			t.Logf("litestream restore (probe %d): %v %s", probe, err, b)
			return false
		}
		return headSeq(t, out) >= committed
	})
	cmd.Process.Kill()
	cmd.Wait()
	repl.Process.Kill()
	repl.Wait()
	if strings.Contains(logs.String(), "database is locked") || strings.Contains(logs.String(), "database busy") {
		t.Fatalf("the dashboard's writer was blocked next to Litestream:\n%s", logs)
	}

	// Elsewhere: the replica and the shipped anchor file.
	shipped, _ := filepath.Glob(filepath.Join(filepath.Dir(rig.dbPath), "..", "anchors", "*.anchors"))
	if len(shipped) != 1 {
		t.Fatalf("anchor files %v, want one", shipped)
	}
	elsewhere := t.TempDir()
	restoredCopy := filepath.Join(elsewhere, "from-replica.db")
	start := time.Now()
	if b, err := exec.Command(ls, "restore", "-o", restoredCopy, "file://"+replica).CombinedOutput(); err != nil {
		t.Fatalf("litestream restore: %v\n%s", err, b)
	}
	anchors, err := os.ReadFile(shipped[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(restoredCopy+".anchors", anchors, 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(elsewhere, "rolegate", "data", "rolegate.db")
	env := map[string]string{"USER": "ops"}
	if out, err := shellRun(t, env, "restore", "-from", restoredCopy, "-db", fresh); err != nil {
		t.Fatalf("rolegate restore: %v\n%s", err, out)
	}
	out, err := shellRun(t, env, "audit", "verify", "-db", fresh, "-audit-public-key-file", testPublicKeyFile(t))
	if err != nil || !strings.Contains(out, "OK: the audit chain is intact") || strings.Contains(out, "no anchor written yet") {
		t.Fatalf("verify of the database restored from the replica: %v\n%s", err, out)
	}
	t.Logf("restored from the replica and verified in %s:\n%s", time.Since(start).Round(time.Millisecond), out)
	want, got := chainUpTo(t, rig.dbPath, committed), chainUpTo(t, fresh, committed)
	if int64(len(want)) != committed || len(got) != len(want) {
		t.Fatalf("the restored log holds %d of the %d committed events", len(got), len(want))
	}
	for seq, h := range want {
		if got[seq] != h {
			t.Fatalf("event %d differs in the restored log", seq)
		}
	}
}
