package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

// testPublicKeyFile writes the public key of the test signing key, which
// is all that verifying a restored log needs.
func testPublicKeyFile(t *testing.T) string {
	t.Helper()
	k, err := audit.ParsePrivateKey([]byte(testSigningKey()))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "audit.pub")
	if err := os.WriteFile(file, audit.EncodePublicKey(k.Public().(ed25519.PublicKey)), 0o444); err != nil {
		t.Fatal(err)
	}
	return file
}

// shellRun runs one command line of the program in this process with
// env and no signing key.
func shellRun(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out, &out)
	return out.String(), err
}

// chainUpTo reads seq → hash of the events up to seq from a database file.
func chainUpTo(t *testing.T, path string, seq int64) map[int64]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT seq, hash FROM audit_events WHERE seq <= ? ORDER BY seq`, seq)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var s int64
		var h string
		if err := rows.Scan(&s, &h); err != nil {
			t.Fatal(err)
		}
		out[s] = h
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func headSeq(t *testing.T, path string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var seq int64
	if err := db.QueryRow(`SELECT coalesce(max(seq), 0) FROM audit_events`).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// A backup taken by the real binary's database while the dashboard
// applies 20 change requests (and anchors after each state change)
// restores, on a fresh path, to a database that rolegate audit verify
// accepts with the public key alone and that holds every event committed
// before the backup began. Restoring over the live database is refused.
func TestBackupWhileApplyingRestoresAndVerifies(t *testing.T) {
	var clusters []string
	for i := range 20 {
		clusters = append(clusters, fmt.Sprintf("bk-%02d", i))
	}
	rig := newCrashRigFor(t, clusters...)
	rig.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency", Latency: 250 * time.Millisecond})
	cmd, logs := rig.start(t)
	settled := func() int {
		db := rig.open(t)
		defer db.Close()
		var n int
		db.QueryRow(`SELECT count(*) FROM change_requests WHERE state = 'in_sync'`).Scan(&n)
		return n
	}
	waitFor(t, "three requests to be applied", logs, func() bool { return settled() >= 3 })
	// Slow the rest down while the backup is taken, so that it is taken
	// with requests in flight however fast this machine is.
	rig.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency", Latency: 2 * time.Second})

	committed := headSeq(t, rig.dbPath)
	open := len(rig.ids) - settled()
	if open == 0 {
		t.Fatal("every request was settled before the backup began; the test needs them in flight")
	}
	env := map[string]string{"USER": "ops"}
	backup := filepath.Join(t.TempDir(), "copy", "rolegate-backup.db")
	out, err := shellRun(t, env, "backup", "-db", rig.dbPath, "-o", backup)
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	backupOut := out
	t.Logf("backup with %d of 20 requests still applying: %s", open, out)
	if !strings.Contains(out, "the audit signing key is not in the backup") {
		t.Fatalf("backup did not say the signing key stays out:\n%s", out)
	}
	if _, err := os.Stat(audit.BackupAnchorFile(backup)); err != nil {
		t.Fatalf("no anchor file beside the backup: %v", err)
	}

	rig.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency", Latency: 50 * time.Millisecond})

	// The dashboard still has the database open: restore refuses it.
	out, err = shellRun(t, env, "restore", "-from", backup, "-db", rig.dbPath, "-force")
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("restore over the live database: %v\n%s", err, out)
	}

	waitFor(t, "every request to reach in_sync", logs, func() bool { return settled() == len(rig.ids) })
	stopGracefully(t, cmd, logs)
	final := headSeq(t, rig.dbPath)

	restored := filepath.Join(t.TempDir(), "restored", "data", "rolegate.db")
	if out, err := shellRun(t, env, "restore", "-db", restored, "-from", backup); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	pub := testPublicKeyFile(t)
	out, err = shellRun(t, env, "audit", "verify", "-db", restored, "-audit-public-key-file", pub)
	if err != nil || !strings.Contains(out, "OK: the audit chain is intact") || strings.Contains(out, "no anchor written yet") {
		t.Fatalf("verify of the restored database: %v\n%s", err, out)
	}
	want, got := chainUpTo(t, rig.dbPath, committed), chainUpTo(t, restored, committed)
	if int64(len(want)) != committed || len(got) != len(want) {
		t.Fatalf("the restored log holds %d of the %d events committed before the backup", len(got), len(want))
	}
	for seq, h := range want {
		if got[seq] != h {
			t.Fatalf("event %d differs in the restored log", seq)
		}
	}
	var backupHead int64
	if m := regexp.MustCompile(`head seq (\d+)`).FindStringSubmatch(backupOut); m != nil {
		backupHead, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if backupHead < committed || backupHead >= final {
		t.Fatalf("the backup's head %d is not between the events committed before it (%d) and the final head %d: it was not taken while writing", backupHead, committed, final)
	}
	if !strings.Contains(out, "checked "+strconv.FormatInt(backupHead+1, 10)+" events") {
		t.Fatalf("verify did not check the backup's %d events and the restore's own:\n%s", backupHead, out)
	}

	// A second restore onto the now existing database needs -force, and
	// moves the old files aside instead of deleting them.
	if out, err := shellRun(t, env, "restore", "-from", backup, "-db", restored); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("restore over an existing database without -force: %v\n%s", err, out)
	}
	if out, err := shellRun(t, env, "restore", "-from", backup, "-db", restored, "-force"); err != nil || !strings.Contains(out, ".before-restore-") {
		t.Fatalf("restore -force: %v\n%s", err, out)
	}
	if m, _ := filepath.Glob(restored + ".before-restore-*"); len(m) != 1 {
		t.Fatalf("the replaced database was not kept aside: %v", m)
	}
}

func TestBackupAndRestoreHelpListOnlyTheirSettings(t *testing.T) {
	for _, verb := range []string{"backup", "restore"} {
		out, err := shellRun(t, nil, verb, "-h")
		if exitCode(err) != 0 || !strings.Contains(out, "-db") || !strings.Contains(out, "-audit-anchor-file") || strings.Contains(out, "-listen") {
			t.Fatalf("%s -h: exit %d\n%s", verb, exitCode(err), out)
		}
	}
	// Settings may stand before the verb too.
	out, err := shellRun(t, nil, "-db", filepath.Join(t.TempDir(), "x.db"), "backup")
	if exitCode(err) != 2 || !strings.Contains(out, "usage: rolegate backup") {
		t.Fatalf("backup without -o: exit %d\n%s", exitCode(err), out)
	}
}

// A replica lags the anchor file shipped beside it by up to one sync
// interval: restore leaves out the anchors past the copy's end, says
// which events were lost, records that in the restored log, and the
// restored log verifies.
func TestRestoreLeavesOutAnchorsPastTheCopysEnd(t *testing.T) {
	dir := t.TempDir()
	live := filepath.Join(dir, "live", "data", "r.db")
	env := withSigningKey(map[string]string{"USER": "ops"})
	for _, args := range [][]string{
		{"audit", "generate", "-n", "50", "-db", live},
		{"audit", "anchor", "-db", live},
	} {
		if out, err := shellRun(t, env, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	backup := filepath.Join(dir, "replica", "r.db")
	if out, err := shellRun(t, env, "backup", "-db", live, "-o", backup); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	for _, args := range [][]string{
		{"audit", "generate", "-n", "10", "-db", live},
		{"audit", "anchor", "-db", live},
	} {
		if out, err := shellRun(t, env, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	// The anchor file shipped later than the copy was taken.
	shipped, _ := filepath.Glob(filepath.Join(dir, "live", "anchors", "*.anchors"))
	if len(shipped) != 1 {
		t.Fatalf("anchor files %v", shipped)
	}
	b, err := os.ReadFile(shipped[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(audit.BackupAnchorFile(backup), b, 0o600); err != nil {
		t.Fatal(err)
	}
	restored := filepath.Join(dir, "elsewhere", "data", "r.db")
	out, err := shellRun(t, env, "restore", "-from", backup, "-db", restored)
	if err != nil || !strings.Contains(out, "LOST: 1 anchor(s)") || !strings.Contains(out, "events 52 to 62") {
		t.Fatalf("restore with a newer anchor file: %v\n%s", err, out)
	}
	out, err = shellRun(t, env, "audit", "verify", "-db", restored, "-audit-public-key-file", testPublicKeyFile(t))
	if err != nil || !strings.Contains(out, "OK: the audit chain is intact") {
		t.Fatalf("verify after the restore: %v\n%s", err, out)
	}
	out, err = shellRun(t, env, "audit", "export", "-format", "jsonl", "-action", "audit.restored", "-db", restored)
	if err != nil || !strings.Contains(out, `"anchors_left_out":1`) {
		t.Fatalf("the restore is not recorded with what it left out: %v\n%s", err, out)
	}
}
