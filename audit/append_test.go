package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "audit.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestAppendChainsEvents(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	log := audit.New(db, audit.WithClock(func() time.Time { return now }))
	first, err := log.Record(ctx, audit.Event{Actor: audit.Actor{UserID: 7, Username: "ana", Role: "admin"}, Action: audit.UserCreated, Outcome: audit.Success,
		Params: audit.Params(map[string]string{"username": "bo"})})
	if err != nil {
		t.Fatal(err)
	}
	second, err := log.Record(ctx, audit.Event{Actor: audit.System, Action: audit.AuditVerified, Outcome: audit.Success,
		Snapshot: []byte(`{ "IamRoles": [ {"IamRoleArn": "arn:aws:iam::123456789012:role/Copy"} ] }`)})
	if err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || second.Seq != 2 {
		t.Fatalf("seqs %d, %d", first.Seq, second.Seq)
	}
	if first.PrevHash != audit.GenesisHash || second.PrevHash != first.Hash || len(first.Hash) != 64 || first.Hash == second.Hash {
		t.Fatalf("chain: %s → %s → %s", first.PrevHash, first.Hash, second.PrevHash)
	}
	if string(second.Snapshot) != `{"IamRoles":[{"IamRoleArn":"arn:aws:iam::123456789012:role/Copy"}]}` {
		t.Fatalf("snapshot not stored compact: %s", second.Snapshot)
	}
	var n int
	if err := db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM audit_event_arns WHERE arn = 'arn:aws:iam::123456789012:role/Copy' AND seq = 2`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("ARN index row: %d %v", n, err)
	}
}

func TestAppendRefusesUndeclaredActionAndBadOutcome(t *testing.T) {
	log := audit.New(openDB(t))
	if _, err := log.Record(context.Background(), audit.Event{Action: "made.up", Outcome: audit.Success}); !errors.Is(err, audit.ErrInvalidEvent) {
		t.Fatalf("undeclared action: %v", err)
	}
	if _, err := log.Record(context.Background(), audit.Event{Action: audit.SignIn, Outcome: "maybe"}); !errors.Is(err, audit.ErrInvalidEvent) {
		t.Fatalf("bad outcome: %v", err)
	}
	if _, err := log.Record(context.Background(), audit.Event{Action: audit.SignIn, Outcome: audit.Success, Params: []byte(`[1]`)}); !errors.Is(err, audit.ErrInvalidEvent) {
		t.Fatalf("params not an object: %v", err)
	}
}

func TestUpdateAndDeleteAreRefused(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	log := audit.New(db)
	if _, err := log.Record(ctx, audit.Event{Action: audit.SignIn, Outcome: audit.Success, Params: audit.Params(map[string]string{"role_arn": "arn:aws:iam::123456789012:role/X"})}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET outcome = 'failure'`,
		`DELETE FROM audit_events`,
		`UPDATE audit_event_arns SET arn = 'x'`,
		`DELETE FROM audit_event_arns`,
	} {
		_, err := db.Writer().ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", stmt, err)
		}
	}
}

// An event and its state change commit together or not at all.
func TestEventCommitsWithItsStateChange(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	log := audit.New(db)
	if _, err := db.Writer().ExecContext(ctx, `CREATE TABLE thing (name TEXT NOT NULL UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.Reader().QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The state change fails after the event was appended: neither stays.
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := log.Append(ctx, tx, audit.Event{Action: audit.UserCreated, Outcome: audit.Success}); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO thing (name) VALUES (NULL)`)
		return err
	})
	if err == nil {
		t.Fatal("NULL insert succeeded")
	}
	// The event fails after the state change: neither stays.
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO thing (name) VALUES ('a')`); err != nil {
			return err
		}
		_, err := log.Append(ctx, tx, audit.Event{Action: "undeclared", Outcome: audit.Success})
		return err
	})
	if err == nil {
		t.Fatal("undeclared action appended")
	}
	if n, m := count(`SELECT count(*) FROM audit_events`), count(`SELECT count(*) FROM thing`); n != 0 || m != 0 {
		t.Fatalf("half-written: %d events, %d things", n, m)
	}
	// Both succeed: both stay.
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO thing (name) VALUES ('b')`); err != nil {
			return err
		}
		_, err := log.Append(ctx, tx, audit.Event{Action: audit.UserCreated, Outcome: audit.Success})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, m := count(`SELECT count(*) FROM audit_events`), count(`SELECT count(*) FROM thing`); n != 1 || m != 1 {
		t.Fatalf("%d events, %d things", n, m)
	}
}
