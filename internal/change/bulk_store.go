package change

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"rolegate/internal/store"
)

const bulkColumns = `id, requester_id, requester_username, requester_name, reason, ticket,
	add_roles, remove_roles, default_role, members, bulk_hash, risk, approvals_required,
	state, state_reason, decided_at, decider_username, decision_comment,
	resubmitted_from, superseded_by, created_at, updated_at, version`

func scanBulk(s rowScanner) (*Bulk, error) {
	var b Bulk
	var add, remove, members, risk, state, decided, created, updated string
	var from, by sql.NullInt64
	err := s.Scan(&b.ID, &b.RequesterID, &b.RequesterUsername, &b.RequesterName, &b.Reason, &b.Ticket,
		&add, &remove, &b.Default, &members, &b.Hash, &risk, &b.ApprovalsRequired,
		&state, &b.StateReason, &decided, &b.DeciderUsername, &b.DecisionComment,
		&from, &by, &created, &updated, &b.Version)
	if err != nil {
		return nil, err
	}
	if b.Add, err = fromJSON(add); err != nil {
		return nil, fmt.Errorf("bulk request %d: column add_roles: %w", b.ID, err)
	}
	if b.Remove, err = fromJSON(remove); err != nil {
		return nil, fmt.Errorf("bulk request %d: column remove_roles: %w", b.ID, err)
	}
	if err := json.Unmarshal([]byte(members), &b.Members); err != nil {
		return nil, fmt.Errorf("bulk request %d: column members: %w", b.ID, err)
	}
	for _, c := range []struct {
		column, text string
		to           *time.Time
	}{{"decided_at", decided, &b.DecidedAt}, {"created_at", created, &b.CreatedAt}, {"updated_at", updated, &b.UpdatedAt}} {
		t, err := store.ParseTime(c.text)
		if err != nil {
			return nil, fmt.Errorf("bulk request %d: column %s: %w", b.ID, c.column, err)
		}
		*c.to = t
	}
	b.Risk, b.State = Risk(risk), BulkState(state)
	b.ResubmittedFrom, b.SupersededBy = from.Int64, by.Int64
	return &b, nil
}

func loadBulk(ctx context.Context, q querier, id int64) (*Bulk, error) {
	b, err := scanBulk(q.QueryRowContext(ctx, `SELECT `+bulkColumns+` FROM bulk_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("bulk request %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load bulk request %d: %w", id, err)
	}
	return b, nil
}

func membersJSON(ms []Member) string {
	if ms == nil {
		ms = []Member{}
	}
	buf, _ := json.Marshal(ms)
	return string(buf)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func insertBulk(ctx context.Context, tx *sql.Tx, b *Bulk) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO bulk_requests
		(requester_id, requester_username, requester_name, reason, ticket, add_roles, remove_roles, default_role,
		 members, bulk_hash, risk, approvals_required, state, resubmitted_from, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.RequesterID, b.RequesterUsername, b.RequesterName, b.Reason, b.Ticket, toJSON(b.Add), toJSON(b.Remove), b.Default,
		membersJSON(b.Members), b.Hash, string(b.Risk), b.ApprovalsRequired, string(b.State), nullID(b.ResubmittedFrom),
		store.FormatTime(b.CreatedAt), store.FormatTime(b.UpdatedAt))
	if err != nil {
		return fmt.Errorf("insert bulk request: %w", err)
	}
	b.ID, err = res.LastInsertId()
	b.Version = 1
	return err
}

// updateBulk writes the bulk request's mutable columns, conditional on the
// version the caller read. The members are written too: their request IDs
// are known only after the bulk row exists.
func updateBulk(ctx context.Context, tx *sql.Tx, b *Bulk) error {
	res, err := tx.ExecContext(ctx, `UPDATE bulk_requests SET
		members = ?, state = ?, state_reason = ?, decided_at = ?, decider_username = ?, decision_comment = ?,
		superseded_by = ?, updated_at = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		membersJSON(b.Members), string(b.State), b.StateReason, store.FormatTime(b.DecidedAt), b.DeciderUsername, b.DecisionComment,
		nullID(b.SupersededBy), store.FormatTime(b.UpdatedAt), b.ID, b.Version)
	if err != nil {
		return fmt.Errorf("update bulk request %d: %w", b.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("bulk request %d changed meanwhile: %w", b.ID, ErrConflict)
	}
	b.Version++
	return nil
}

// bulkMembers loads the member requests of a bulk request, by ID.
func bulkMembers(ctx context.Context, q querier, bulkID int64) ([]*Request, error) {
	out, err := queryRequests(ctx, q, `SELECT `+requestColumns+` FROM change_requests WHERE bulk_id = ? ORDER BY id`, bulkID)
	if err != nil {
		return nil, fmt.Errorf("list members of bulk request %d: %w", bulkID, err)
	}
	return out, nil
}

// bulkMembersOf loads the member requests of each of the bulk requests
// ids in one query, by bulk request and then by ID.
func bulkMembersOf(ctx context.Context, q querier, ids []int64) (map[int64][]*Request, error) {
	out := map[int64][]*Request{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rs, err := queryRequests(ctx, q, `SELECT `+requestColumns+` FROM change_requests WHERE bulk_id IN (?`+strings.Repeat(",?", len(ids)-1)+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list members of bulk requests: %w", err)
	}
	for _, r := range rs {
		out[r.BulkID] = append(out[r.BulkID], r)
	}
	return out, nil
}

// listBulks lists up to limit bulk requests (50 when out of 1–200),
// newest first.
func listBulks(ctx context.Context, q querier, limit int) ([]*Bulk, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return queryBulks(ctx, q, `SELECT `+bulkColumns+` FROM bulk_requests ORDER BY id DESC LIMIT ?`, limit)
}

func queryBulks(ctx context.Context, q querier, query string, args ...any) ([]*Bulk, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list bulk requests: %w", err)
	}
	defer rows.Close()
	var out []*Bulk
	for rows.Next() {
		b, err := scanBulk(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// pageBulks is the page-th page (from 1) of size bulk requests, newest
// first, and how many bulk requests there are.
func pageBulks(ctx context.Context, q querier, page, size int) ([]*Bulk, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM bulk_requests`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count bulk requests: %w", err)
	}
	list, err := queryBulks(ctx, q, `SELECT `+bulkColumns+` FROM bulk_requests ORDER BY id DESC LIMIT ? OFFSET ?`, size, (page-1)*size)
	return list, total, err
}
