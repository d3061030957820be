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

func toJSON(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fromJSON reads a stored list of strings.
func fromJSON(s string) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return v, nil
}

const requestColumns = `id, account, region, cluster, add_roles, remove_roles, default_role, reason, ticket,
	requester_id, requester_username, requester_name, base_roles, base_default, change_hash, risk, risk_reasons,
	approvals_required, state, state_reason, phase, attempts, next_at, reissued, aws_request_id,
	created_at, updated_at, expires_at, decided_at, decider_username, decision_comment,
	resubmitted_from, superseded_by, version, bulk_id`

type rowScanner interface{ Scan(dest ...any) error }

func scanRequest(s rowScanner) (*Request, error) {
	var r Request
	var add, remove, base, reasons, risk, state, phase, nextAt, created, updated, expires, decided string
	var reissued int
	var from, by, bulk sql.NullInt64
	err := s.Scan(&r.ID, &r.Account, &r.Region, &r.Cluster, &add, &remove, &r.Default, &r.Reason, &r.Ticket,
		&r.RequesterID, &r.RequesterUsername, &r.RequesterName, &base, &r.BaseDefault, &r.Hash, &risk, &reasons,
		&r.ApprovalsRequired, &state, &r.StateReason, &phase, &r.Attempts, &nextAt, &reissued, &r.AWSRequestID,
		&created, &updated, &expires, &decided, &r.DeciderUsername, &r.DecisionComment,
		&from, &by, &r.Version, &bulk)
	if err != nil {
		return nil, err
	}
	// A column that cannot be read is an error: a request read with empty
	// roles or a zero time would be shown, approved or applied as something
	// it is not.
	for _, l := range []struct {
		column string
		text   string
		to     *[]string
	}{{"add_roles", add, &r.Add}, {"remove_roles", remove, &r.Remove}, {"base_roles", base, &r.BaseRoles}, {"risk_reasons", reasons, &r.RiskReasons}} {
		v, err := fromJSON(l.text)
		if err != nil {
			return nil, fmt.Errorf("change request %d: column %s: %w", r.ID, l.column, err)
		}
		*l.to = v
	}
	for _, c := range []struct {
		column string
		text   string
		to     *time.Time
	}{{"next_at", nextAt, &r.NextAt}, {"created_at", created, &r.CreatedAt}, {"updated_at", updated, &r.UpdatedAt}, {"expires_at", expires, &r.ExpiresAt}, {"decided_at", decided, &r.DecidedAt}} {
		t, err := store.ParseTime(c.text)
		if err != nil {
			return nil, fmt.Errorf("change request %d: column %s: %w", r.ID, c.column, err)
		}
		*c.to = t
	}
	r.Risk, r.State, r.Phase = Risk(risk), State(state), Phase(phase)
	r.Reissued = reissued != 0
	r.ResubmittedFrom, r.SupersededBy, r.BulkID = from.Int64, by.Int64, bulk.Int64
	return &r, nil
}

// querier is what the store functions read through.
type querier = store.Querier

func loadRequest(ctx context.Context, q querier, id int64) (*Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM change_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("change request %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load change request %d: %w", id, err)
	}
	if err := loadApprovals(ctx, q, r); err != nil {
		return nil, err
	}
	return r, nil
}

// loadApprovals reads the approvals of the requests in one query, each
// request's in the order they were given.
func loadApprovals(ctx context.Context, q querier, reqs ...*Request) error {
	if len(reqs) == 0 {
		return nil
	}
	byID := make(map[int64]*Request, len(reqs))
	ph := make([]string, 0, len(reqs))
	args := make([]any, 0, len(reqs))
	for _, r := range reqs {
		r.Approvals = nil
		byID[r.ID] = r
		ph = append(ph, "?")
		args = append(args, r.ID)
	}
	rows, err := q.QueryContext(ctx, `SELECT change_id, approver_id, approver_username, approver_name, change_hash, comment, created_at
		FROM change_approvals WHERE change_id IN (`+strings.Join(ph, ",")+`) ORDER BY change_id, created_at, approver_id`, args...)
	if err != nil {
		return fmt.Errorf("load approvals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a Approval
		var id int64
		var at string
		if err := rows.Scan(&id, &a.ApproverID, &a.ApproverUsername, &a.ApproverName, &a.Hash, &a.Comment, &at); err != nil {
			return fmt.Errorf("load approvals: %w", err)
		}
		if a.At, err = store.ParseTime(at); err != nil {
			return fmt.Errorf("change request %d: approval by %s: column created_at: %w", id, a.ApproverUsername, err)
		}
		r := byID[id]
		r.Approvals = append(r.Approvals, a)
	}
	return rows.Err()
}

// putApproval stores an approval of the request; a newer approval by the
// same approver (of a new hash) replaces theirs.
func putApproval(ctx context.Context, tx *sql.Tx, changeID int64, a Approval) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO change_approvals (change_id, approver_id, approver_username, approver_name, change_hash, comment, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (change_id, approver_id) DO UPDATE SET change_hash = excluded.change_hash, comment = excluded.comment, created_at = excluded.created_at`,
		changeID, a.ApproverID, a.ApproverUsername, a.ApproverName, a.Hash, a.Comment, store.FormatTime(a.At))
	if err != nil {
		return fmt.Errorf("store approval of change request %d: %w", changeID, err)
	}
	return nil
}

func insertRequest(ctx context.Context, tx *sql.Tx, r *Request) error {
	var from, bulk any
	if r.ResubmittedFrom != 0 {
		from = r.ResubmittedFrom
	}
	if r.BulkID != 0 {
		bulk = r.BulkID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO change_requests
		(account, region, cluster, add_roles, remove_roles, default_role, reason, ticket,
		 requester_id, requester_username, requester_name, base_roles, base_default, change_hash, risk, risk_reasons,
		 approvals_required, state, created_at, updated_at, expires_at, resubmitted_from, bulk_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Account, r.Region, r.Cluster, toJSON(r.Add), toJSON(r.Remove), r.Default, r.Reason, r.Ticket,
		r.RequesterID, r.RequesterUsername, r.RequesterName, toJSON(r.BaseRoles), r.BaseDefault, r.Hash, string(r.Risk), toJSON(r.RiskReasons),
		r.ApprovalsRequired, string(r.State), store.FormatTime(r.CreatedAt), store.FormatTime(r.UpdatedAt), store.FormatTime(r.ExpiresAt), from, bulk)
	if err != nil {
		return fmt.Errorf("insert change request: %w", err)
	}
	r.ID, err = res.LastInsertId()
	r.Version = 1
	return err
}

// update is the one way a request's mutable columns change: conditional on
// the version the caller read, so that two writers cannot both win.
func update(ctx context.Context, tx *sql.Tx, r *Request) error {
	var by any
	if r.SupersededBy != 0 {
		by = r.SupersededBy
	}
	reissued := 0
	if r.Reissued {
		reissued = 1
	}
	res, err := tx.ExecContext(ctx, `UPDATE change_requests SET
		state = ?, state_reason = ?, phase = ?, attempts = ?, next_at = ?, reissued = ?, aws_request_id = ?,
		updated_at = ?, decided_at = ?, decider_username = ?, decision_comment = ?, superseded_by = ?,
		version = version + 1
		WHERE id = ? AND version = ?`,
		string(r.State), r.StateReason, string(r.Phase), r.Attempts, store.FormatTime(r.NextAt), reissued, r.AWSRequestID,
		store.FormatTime(r.UpdatedAt), store.FormatTime(r.DecidedAt), r.DeciderUsername, r.DecisionComment, by,
		r.ID, r.Version)
	if err != nil {
		return fmt.Errorf("update change request %d: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("change request %d changed meanwhile: %w", r.ID, ErrConflict)
	}
	r.Version++
	return nil
}

// ListFilter selects requests for the queue.
type ListFilter struct {
	States []State
	// Account is the cluster's account; with Service.List, requests
	// stored without one count as the home account's.
	Account     string
	Region      string
	Cluster     string
	RequesterID int64
	// RequesterUsername selects one requester by name.
	RequesterUsername string
	// ToApproveBy lists pending requests this user may approve and has not.
	ToApproveBy int64
	// Before is the keyset cursor: only requests with a smaller ID.
	Before int64
	Limit  int

	// orUnknown also selects requests stored without an account.
	orUnknown bool
}

func listRequests(ctx context.Context, q querier, f ListFilter) ([]*Request, error) {
	var where []string
	var args []any
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, s := range f.States {
			ph[i] = "?"
			args = append(args, string(s))
		}
		where = append(where, "state IN ("+strings.Join(ph, ",")+")")
	}
	switch {
	case f.Account != "" && f.orUnknown:
		where = append(where, "account IN (?, '')")
		args = append(args, f.Account)
	case f.Account != "":
		where = append(where, "account = ?")
		args = append(args, f.Account)
	}
	if f.Region != "" {
		where = append(where, "region = ?")
		args = append(args, f.Region)
	}
	if f.Cluster != "" {
		where = append(where, "cluster = ?")
		args = append(args, f.Cluster)
	}
	if f.RequesterID != 0 {
		where = append(where, "requester_id = ?")
		args = append(args, f.RequesterID)
	}
	if f.RequesterUsername != "" {
		where = append(where, "requester_username = ?")
		args = append(args, f.RequesterUsername)
	}
	if f.ToApproveBy != 0 {
		where = append(where, "state = 'pending' AND requester_id <> ? AND NOT EXISTS (SELECT 1 FROM change_approvals a WHERE a.change_id = change_requests.id AND a.approver_id = ? AND a.change_hash = change_requests.change_hash)")
		args = append(args, f.ToApproveBy, f.ToApproveBy)
	}
	if f.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	query := `SELECT ` + requestColumns + ` FROM change_requests`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	out, err := queryRequests(ctx, q, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list change requests: %w", err)
	}
	return out, nil
}

// queryRequests runs query, which selects requestColumns, and reads each
// request with its approvals.
func queryRequests(ctx context.Context, q querier, query string, args ...any) ([]*Request, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var out []*Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := loadApprovals(ctx, q, out...); err != nil {
		return nil, err
	}
	return out, nil
}

// ClusterKey names one cluster: its account, region and identifier. The
// account is "" for the account Rolegate runs in (Service.Key).
type ClusterKey struct{ Account, Region, Cluster string }

// inFlightByCluster lists the IDs of every open request (InFlightStates),
// per cluster, oldest first; key makes each request's cluster key.
func inFlightByCluster(ctx context.Context, q querier, key func(account, region, cluster string) ClusterKey) (map[ClusterKey][]int64, error) {
	return byCluster(ctx, q, InFlightStates, key)
}

// ChangingStates are the states in which a request is changing its
// cluster: approved, applying, or applied and followed until in-sync.
var ChangingStates = []State{Approved, Applying, Applied}

// Changing lists the clusters that a request is changing now (a request
// in ChangingStates), as stored: drift detection leaves them alone. It
// reads through q, so that callers outside the change service (which
// starts later) can ask.
func Changing(ctx context.Context, q store.Querier) (map[ClusterKey]bool, error) {
	by, err := byCluster(ctx, q, ChangingStates, func(account, region, cluster string) ClusterKey {
		return ClusterKey{Account: account, Region: region, Cluster: cluster}
	})
	if err != nil {
		return nil, err
	}
	out := make(map[ClusterKey]bool, len(by))
	for k := range by {
		out[k] = true
	}
	return out, nil
}

// byCluster lists the IDs of every request in states, per cluster, oldest
// first; key makes each request's cluster key.
func byCluster(ctx context.Context, q querier, states []State, key func(account, region, cluster string) ClusterKey) (map[ClusterKey][]int64, error) {
	ph := make([]string, len(states))
	args := make([]any, len(states))
	for i, st := range states {
		ph[i], args[i] = "?", string(st)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, account, region, cluster FROM change_requests
		WHERE state IN (`+strings.Join(ph, ",")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list open change requests: %w", err)
	}
	defer rows.Close()
	out := map[ClusterKey][]int64{}
	for rows.Next() {
		var id int64
		var account, region, cluster string
		if err := rows.Scan(&id, &account, &region, &cluster); err != nil {
			return nil, fmt.Errorf("list open change requests: %w", err)
		}
		k := key(account, region, cluster)
		out[k] = append(out[k], id)
	}
	return out, rows.Err()
}

// expiredIDs lists the pending requests whose time to live has passed.
func expiredIDs(ctx context.Context, q querier, now time.Time) ([]int64, error) {
	return ids(ctx, q, `SELECT id FROM change_requests WHERE state = 'pending' AND expires_at <= ? ORDER BY id`, store.FormatTime(now))
}

// dueIDs lists the requests the worker has to look at now: approved ones,
// and those applying or applied whose next look is due.
func dueIDs(ctx context.Context, q querier, now time.Time) ([]int64, error) {
	return ids(ctx, q, `SELECT id FROM change_requests
		WHERE state = 'approved' OR (state IN ('applying', 'applied') AND next_at <= ?) ORDER BY id`, store.FormatTime(now))
}

func ids(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list change requests due: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
