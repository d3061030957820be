package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/store"
)

func countActions(t *testing.T, dbPath string, action audit.Action) int {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM audit_events WHERE action = ?`, string(action)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// -demo-reset deletes the demo database (and its anchors): what the last
// demo recorded is gone, and the demo users are there again.
func TestDemoResetStartsAfresh(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo twice")
	}
	dbPath := filepath.Join(t.TempDir(), "data", "demo.db")
	_, stop := startServer(t, []string{"-demo", "-db", dbPath}, nil)
	if logs, err := stop(); err != nil {
		t.Fatalf("demo run: %v\n%s", err, logs)
	}
	if n := countActions(t, dbPath, audit.UserCreated); n == 0 {
		t.Fatal("the demo created no users")
	}
	db, err := store.Open(context.Background(), dbPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := audit.New(db).Record(context.Background(), audit.Event{Actor: audit.System, Action: audit.AuditVerified, Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, stop = startServer(t, []string{"-demo", "-demo-reset", "-db", dbPath}, nil)
	if logs, err := stop(); err != nil {
		t.Fatalf("demo reset run: %v\n%s", err, logs)
	}
	if n := countActions(t, dbPath, audit.AuditVerified); n != 0 {
		t.Fatalf("the old demo's events survived the reset (%d)", n)
	}
	if n := countActions(t, dbPath, audit.UserCreated); n == 0 {
		t.Fatal("the reset demo has no users")
	}
}

// Demo users have a published password, so demo mode stays on loopback.
func TestDemoRefusesANonLoopbackAddress(t *testing.T) {
	err := run(context.Background(), []string{"-demo", "-listen", "0.0.0.0:8080", "-db", filepath.Join(t.TempDir(), "d.db")},
		func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-demo") || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("demo on 0.0.0.0: %v", err)
	}
}
