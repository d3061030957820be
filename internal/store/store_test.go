package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"rolegate/internal/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestOpenAppliesMigrationsOnceAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "rolegate.db")
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))

	db, err := store.Open(ctx, path, log)
	if err != nil {
		t.Fatalf("first open: %v", err)
	}
	var applied int
	if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied == 0 {
		t.Fatal("no migration recorded")
	}
	var uuid1 string
	if err := db.Reader().QueryRowContext(ctx, "SELECT uuid FROM instance").Scan(&uuid1); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "migration applied") {
		t.Fatalf("first start logged no migration: %s", logs.String())
	}

	logs.Reset()
	db, err = store.Open(ctx, path, log)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	defer db.Close()
	if strings.Contains(logs.String(), "migration applied") {
		t.Fatalf("second start re-applied migrations: %s", logs.String())
	}
	var again int
	if err := db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&again); err != nil {
		t.Fatal(err)
	}
	var uuid2 string
	if err := db.Reader().QueryRowContext(ctx, "SELECT uuid FROM instance").Scan(&uuid2); err != nil {
		t.Fatal(err)
	}
	if again != applied || uuid1 != uuid2 {
		t.Fatalf("reopen changed the database: %d→%d migrations, instance %s→%s", applied, again, uuid1, uuid2)
	}
}

func TestOpenChecksPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "p.db"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	var sync, fk int
	w := db.Writer()
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		t.Fatal(err)
	}
	if err := w.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 || fk != 1 {
		t.Fatalf("writer pragmas: journal_mode=%s synchronous=%d foreign_keys=%d", mode, sync, fk)
	}
	if _, err := db.Reader().ExecContext(ctx, "INSERT INTO instance (id, uuid, created_at) VALUES (2, 'x', 'y')"); err == nil {
		t.Fatal("reader pool accepted a write")
	}
}

func TestOpenRefusesDatabaseWithoutWAL(t *testing.T) {
	// An in-memory database cannot run in WAL mode.
	_, err := store.Open(context.Background(), ":memory:", quiet())
	if err == nil || !strings.Contains(err.Error(), "WAL") {
		t.Fatalf("want a refusal naming WAL, got %v", err)
	}
}

func TestOpenRefusesUnwritableDatabase(t *testing.T) {
	dir := t.TempDir()
	// A directory where the file should be cannot be opened as a database.
	path := filepath.Join(dir, "db")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(context.Background(), path, quiet()); err == nil {
		t.Fatal("opened a directory as a database")
	}
	// A file that is not SQLite at all.
	junk := filepath.Join(dir, "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(context.Background(), junk, quiet()); err == nil {
		t.Fatal("opened a non-SQLite file")
	}
}

func TestTxCommitsOrRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "tx.db"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Writer().ExecContext(ctx, "CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want boom", err)
	}
	func() {
		defer func() { _ = recover() }()
		_ = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (2)"); err != nil {
				return err
			}
			panic("mid-transaction")
		})
	}()
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO t VALUES (3)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := db.Reader().QueryRowContext(ctx, "SELECT coalesce(sum(v),0) FROM t").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 3 {
		t.Fatalf("sum = %d, want only the committed row (3)", sum)
	}
}

// Eight writers doing read-then-write transactions never see SQLITE_BUSY:
// immediate transactions take the write lock up front.
func TestConcurrentWritersNeverBusy(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "busy.db"), quiet())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Writer().ExecContext(ctx, "CREATE TABLE c (n INTEGER); INSERT INTO c VALUES (0)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				errs <- db.Tx(ctx, func(tx *sql.Tx) error {
					var n int
					if err := tx.QueryRowContext(ctx, "SELECT n FROM c").Scan(&n); err != nil {
						return err
					}
					_, err := tx.ExecContext(ctx, "UPDATE c SET n = ?", n+1)
					return err
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.Reader().QueryRowContext(ctx, "SELECT n FROM c").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 400 {
		t.Fatalf("n = %d, want 400", n)
	}
}

// TestPingChecksBothPools closes one pool at a time under an open
// database: Ping must fail, naming that pool, while the other still works.
func TestPingChecksBothPools(t *testing.T) {
	ctx := context.Background()
	for _, pool := range []string{"writer", "reader"} {
		t.Run(pool+" closed", func(t *testing.T) {
			db, err := store.Open(ctx, filepath.Join(t.TempDir(), "ping.db"), quiet())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Ping(ctx); err != nil {
				t.Fatalf("ping of an open database: %v", err)
			}
			closed, other := db.Writer(), db.Reader()
			if pool == "reader" {
				closed, other = other, closed
			}
			if err := closed.Close(); err != nil {
				t.Fatal(err)
			}
			if err := other.PingContext(ctx); err != nil {
				t.Fatalf("the other pool stopped answering: %v", err)
			}
			if err := db.Ping(ctx); err == nil || !strings.Contains(err.Error(), pool) {
				t.Fatalf("ping with the %s closed: %v, want an error naming the %s", pool, err, pool)
			}
		})
	}
}
