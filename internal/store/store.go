package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"rolegate/migrations"
)

// ErrBusy is returned when the database stayed locked past the busy timeout.
var ErrBusy = errors.New("database busy")

// BusyTimeoutMillis is how long a writer waits for a lock before ErrBusy.
const BusyTimeoutMillis = 5000

// DB is the opened database: a single-connection writer pool and a reader
// pool that cannot write.
type DB struct {
	w, r *sql.DB
	path string
}

// Open opens (creating if needed) the database at path, checks that it runs
// in WAL mode with synchronous FULL and can be written, and applies the
// embedded migrations. It refuses to start otherwise, with a message that
// says why.
func Open(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q: must be a plain file path", path)
	}
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("database directory: %w", err)
		}
	}
	w, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)

	db := &DB{w: w, path: path}
	if err := db.checkWriter(ctx); err != nil {
		w.Close()
		return nil, err
	}
	if err := migrate(ctx, path, log); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", readerDSN(path))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s for reading: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.r = r
	if err := r.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: reader: %w", path, err)
	}
	return db, nil
}

func writerDSN(path string) string {
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate", path, BusyTimeoutMillis)
}

func readerDSN(path string) string {
	return fmt.Sprintf("file:%s?_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=query_only(1)", path, BusyTimeoutMillis)
}

// checkWriter refuses a database that is not in WAL with synchronous FULL,
// or that cannot be written.
func (db *DB) checkWriter(ctx context.Context) error {
	var mode string
	if err := db.w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("database %s cannot be opened: %w", db.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("database %s: journal_mode is %q, not WAL; Rolegate needs a file on a local disk that supports WAL", db.path, mode)
	}
	var sync int
	if err := db.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("database %s: %w", db.path, err)
	}
	if sync != 2 {
		return fmt.Errorf("database %s: synchronous is %d, not FULL (2); the audit log must survive power loss", db.path, sync)
	}
	if _, err := db.w.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS _write_check (x INTEGER); DROP TABLE _write_check"); err != nil {
		return fmt.Errorf("database %s cannot be written: %w", db.path, err)
	}
	return nil
}

// migrate applies the embedded migrations on a connection of its own, so
// that goose never waits on the single writer connection.
func migrate(ctx context.Context, path string, log *slog.Logger) error {
	m, err := sql.Open("sqlite", writerDSN(path))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	defer m.Close()
	m.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectSQLite3, m, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// Path is the database file.
func (db *DB) Path() string { return db.path }

// Reader is the read-only pool, for queries outside a transaction.
func (db *DB) Reader() *sql.DB { return db.r }

// Writer is the single-connection writer pool. Prefer Tx.
func (db *DB) Writer() *sql.DB { return db.w }

// Tx runs fn in one immediate transaction on the writer and commits when fn
// returns nil; any error or panic rolls back, so a state change and its
// audit event commit together or not at all.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return wrapBusy(fmt.Errorf("begin: %w", err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return wrapBusy(fmt.Errorf("commit: %w", err))
	}
	return nil
}

func wrapBusy(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return err
}

// Ping checks that both pools answer a query: the reader, and the
// writer's single connection (so it waits while a transaction holds it,
// up to ctx's deadline).
func (db *DB) Ping(ctx context.Context) error {
	for _, p := range []struct {
		name string
		pool *sql.DB
	}{{"reader", db.r}, {"writer", db.w}} {
		var one int
		if err := p.pool.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return fmt.Errorf("database %s: %s: %w", db.path, p.name, err)
		}
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}
