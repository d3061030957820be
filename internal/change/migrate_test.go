package change_test

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"rolegate/internal/change"
	"rolegate/internal/store"
	"rolegate/migrations"
)

// The migration that adds the cluster_gone state rebuilds change_requests:
// the requests, their links to each other and their approvals survive it,
// foreign keys are still enforced, and the new state can be stored.
func TestClusterGoneMigrationKeepsRequestsAndApprovals(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO change_requests (id, region, cluster, reason, requester_id, requester_username, change_hash, risk, approvals_required, state, created_at, updated_at, expires_at)
			VALUES (1, 'eu-west-1', 'sales', 'first try at it', 7, 'rita', 'h1', 'normal', 1, 'superseded', 't', 't', 't')`,
		`INSERT INTO change_requests (id, region, cluster, reason, requester_id, requester_username, change_hash, risk, approvals_required, state, created_at, updated_at, expires_at, resubmitted_from)
			VALUES (2, 'eu-west-1', 'sales', 'second try at it', 7, 'rita', 'h2', 'normal', 1, 'pending', 't', 't', 't', 1)`,
		`UPDATE change_requests SET superseded_by = 2 WHERE id = 1`,
		`INSERT INTO change_approvals (change_id, approver_id, approver_username, change_hash, created_at) VALUES (2, 8, 'arno', 'h2', 't')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := store.Open(ctx, path, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, from, by int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM change_requests`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("requests after the migration: %d, %v", n, err)
	}
	if err := db.Reader().QueryRow(`SELECT (SELECT resubmitted_from FROM change_requests WHERE id = 2), (SELECT superseded_by FROM change_requests WHERE id = 1)`).Scan(&from, &by); err != nil || from != 1 || by != 2 {
		t.Fatalf("links between requests: resubmitted_from %d, superseded_by %d, %v", from, by, err)
	}
	if err := db.Reader().QueryRow(`SELECT count(*) FROM change_approvals WHERE change_id = 2`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("approvals after the migration: %d, %v", n, err)
	}
	rows, err := db.Writer().QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Fatal("foreign key violations after the migration")
	}
	rows.Close()
	if _, err := db.Writer().ExecContext(ctx, `INSERT INTO change_approvals (change_id, approver_id, approver_username, change_hash, created_at) VALUES (99, 8, 'arno', 'h', 't')`); err == nil {
		t.Fatal("an approval of a request that does not exist was stored: foreign keys are off")
	}
	if _, err := db.Writer().ExecContext(ctx, `UPDATE change_requests SET state = ? WHERE id = 2`, string(change.ClusterGone)); err != nil {
		t.Fatalf("storing the cluster_gone state: %v", err)
	}
}
