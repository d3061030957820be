package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"rolegate/internal/store"
)

// An idle open database counts as in use (a dashboard between requests
// holds no lock but keeps the file open); once closed it does not.
func TestInUseWhileOpenAndNotAfterClose(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	if inUse, err := store.InUse(ctx, path); err != nil || inUse {
		t.Fatalf("a missing file: in use %v, %v", inUse, err)
	}
	db, err := store.Open(ctx, path, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if inUse, err := store.InUse(ctx, path); err != nil || !inUse {
		t.Fatalf("an open database: in use %v, %v", inUse, err)
	}
	backup := filepath.Join(t.TempDir(), "b", "r.db")
	if err := db.BackupInto(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := db.BackupInto(ctx, backup); !errors.Is(err, os.ErrExist) {
		t.Fatalf("a second backup onto the same file: %v", err)
	}
	db.Close()
	if inUse, err := store.InUse(ctx, path); err != nil || inUse {
		t.Fatalf("a closed database: in use %v, %v", inUse, err)
	}
	c, err := store.OpenCopy(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var n int
	if err := c.QueryRow(`SELECT count(*) FROM instance`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the backup's instance rows: %d %v", n, err)
	}
}
