package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrInUse is returned when a database file is open in another process
// (or connection), such as a running dashboard.
var ErrInUse = errors.New("database in use")

// BackupInto writes a consistent copy of the database to path with VACUUM
// INTO: the copy is one read transaction's snapshot, taken while other
// connections and processes keep writing (WAL lets them). It runs on the
// writer connection because VACUUM INTO is refused on a query_only one,
// but takes no write lock. path must not exist yet; a failed copy is
// removed.
func (db *DB) BackupInto(ctx context.Context, path string) error {
	if path == "" || strings.ContainsAny(path, "?#") {
		return fmt.Errorf("backup path %q: must be a plain file path", path)
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("backup %s: %w", path, os.ErrExist)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("backup directory: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("backup into %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup %s: %w", path, err)
	}
	return nil
}

// OpenCopy opens a database file that nothing else writes, such as a
// backup, read-only and as it is: no migrations, no journal mode change.
func OpenCopy(ctx context.Context, path string) (*sql.DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("database path %q: must be a plain file path", path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	var integrity string
	if err := c.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&integrity); err != nil || integrity != "ok" {
		c.Close()
		if err == nil {
			err = errors.New(integrity)
		}
		return nil, fmt.Errorf("%s is not a whole SQLite database: %w", path, err)
	}
	return c, nil
}

// InUse reports whether the database file at path is open elsewhere: it
// tries to take an exclusive lock at once, which fails while any other
// connection, even an idle one in another process, has a WAL database
// open. A missing file is not in use.
func InUse(ctx context.Context, path string) (bool, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	c, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return false, fmt.Errorf("open %s: %w", path, err)
	}
	defer c.Close()
	c.SetMaxOpenConns(1)
	conn, err := c.Conn(ctx)
	if err != nil {
		return busy(path, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		return busy(path, err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	return false, nil
}

func busy(path string, err error) (bool, error) {
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED) {
		return true, nil
	}
	return false, fmt.Errorf("%s: %w", path, err)
}
