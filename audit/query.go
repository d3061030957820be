package audit

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Filter selects events. Zero fields select everything.
type Filter struct {
	From     time.Time // events at or after
	To       time.Time // events before
	Actor    string    // username
	Action   Action
	Account  string
	Region   string
	Cluster  string
	ChangeID int64
	// BulkID selects a bulk request's own events (bulk.*) and every event
	// of its member requests.
	BulkID  int64
	Outcome Outcome
	RoleARN string // an IAM role ARN anywhere in the parameters or snapshot
}

// Page is one page of events, newest first, with opaque cursors to the
// neighbouring pages ("" when there is none).
type Page struct {
	Events []Event
	// Older is the cursor of the next page (older events).
	Older string
	// Newer is the cursor of the previous page (newer events).
	Newer string
}

// DefaultPageSize is the page size when Query is given none.
const DefaultPageSize = 50

// MaxPageSize bounds a page.
const MaxPageSize = 500

// maxSeq bounds sequence numbers in queries.
const maxSeq = 1<<62 - 1

// ErrBadCursor is returned for a cursor Query did not make.
var ErrBadCursor = errors.New("invalid page cursor")

// ErrNotFound is returned by Get for a sequence number with no event.
var ErrNotFound = errors.New("audit event not found")

// bulkSeqs selects the sequence numbers of a bulk request's events (the
// bulk ID is its two arguments). The expression json_extract(params,
// '$.bulk_id') is the one audit_events_bulk indexes.
const bulkSeqs = `SELECT seq FROM audit_events WHERE json_extract(params, '$.bulk_id') = ? AND action LIKE 'bulk.%'
	UNION SELECT seq FROM audit_events WHERE change_id IN (
		SELECT change_id FROM audit_events WHERE json_extract(params, '$.bulk_id') = ? AND action = 'change.created' AND change_id IS NOT NULL)`

// selectFrom builds "SELECT … FROM … WHERE …" for f, with the keyset
// column to compare and order by. A role ARN filter is driven by the
// audit_event_arns index (arn, seq), so that its pages are as cheap as the
// others; every other filter by the audit_events indexes ending in seq.
//
// A time range becomes a range of sequence numbers first (Append keeps
// times in sequence order, so two lookups in the ts index find it), and
// the times are then checked on the rows of that range; sorting a whole
// time range by seq would cost seconds on a large log.
//
// Only events with lo <= seq <= hi are selected (the keyset bounds); one
// BETWEEN on the driving table's seq lets SQLite walk just that range.
func (l *Log) selectFrom(ctx context.Context, f Filter, lo, hi int64, cols string) (query, seqCol string, args []any, err error) {
	var conds []string
	add := func(c string, a any) { conds = append(conds, c); args = append(args, a) }
	from := "audit_events e"
	seqCol = "e.seq"
	switch {
	case f.BulkID != 0:
		// A bulk request's events are found by the bulk_id its events
		// carry in their parameters (audit_events_bulk): its own bulk.*
		// events, and the events of the change requests whose
		// change.created names it. The log alone says which they are.
		from = `(` + bulkSeqs + `) b CROSS JOIN audit_events e ON e.seq = b.seq`
		seqCol = "b.seq"
		args = append(args, f.BulkID, f.BulkID)
		if f.RoleARN != "" {
			add("EXISTS (SELECT 1 FROM audit_event_arns a WHERE a.seq = e.seq AND a.arn = ?)", f.RoleARN)
		}
	case f.RoleARN != "":
		// CROSS JOIN keeps audit_event_arns as the outer loop.
		from = "audit_event_arns a CROSS JOIN audit_events e ON e.seq = a.seq"
		seqCol = "a.seq"
		add("a.arn = ?", f.RoleARN)
	}
	if !f.From.IsZero() || !f.To.IsZero() {
		tlo, thi, err := l.seqRange(ctx, f.From, f.To)
		if err != nil {
			return "", "", nil, err
		}
		lo, hi = max(lo, tlo), min(hi, thi)
	}
	add(seqCol+" BETWEEN ? AND ?", lo)
	args = append(args, hi)
	if !f.From.IsZero() {
		add("+e.ts >= ?", f.From.UTC().Format(TimeFormat))
	}
	if !f.To.IsZero() {
		add("+e.ts < ?", f.To.UTC().Format(TimeFormat))
	}
	if f.Actor != "" {
		add("e.actor_username = ?", f.Actor)
	}
	if f.Action != "" {
		add("e.action = ?", string(f.Action))
	}
	if f.Account != "" {
		add("e.account = ?", f.Account)
	}
	if f.Region != "" {
		add("e.region = ?", f.Region)
	}
	if f.Cluster != "" {
		add("e.cluster = ?", f.Cluster)
	}
	if f.ChangeID != 0 {
		add("e.change_id = ?", f.ChangeID)
	}
	if f.Outcome != "" {
		add("e.outcome = ?", string(f.Outcome))
	}
	conds = append(conds, "1")
	return `SELECT ` + cols + ` FROM ` + from + ` WHERE ` + strings.Join(conds, " AND "), seqCol, args, nil
}

// seqRange is the range of sequence numbers whose times may fall in
// [from, to); an empty range is (1, 0).
func (l *Log) seqRange(ctx context.Context, from, to time.Time) (lo, hi int64, err error) {
	lo, hi = 1, maxSeq
	if !from.IsZero() {
		err := l.db.Reader().QueryRowContext(ctx, `SELECT seq FROM audit_events WHERE ts >= ? ORDER BY ts, seq LIMIT 1`,
			from.UTC().Format(TimeFormat)).Scan(&lo)
		if errors.Is(err, sql.ErrNoRows) {
			return 1, 0, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("audit time range: %w", err)
		}
	}
	if !to.IsZero() {
		err := l.db.Reader().QueryRowContext(ctx, `SELECT seq FROM audit_events WHERE ts < ? ORDER BY ts DESC, seq DESC LIMIT 1`,
			to.UTC().Format(TimeFormat)).Scan(&hi)
		if errors.Is(err, sql.ErrNoRows) {
			return 1, 0, nil
		}
		if err != nil {
			return 0, 0, fmt.Errorf("audit time range: %w", err)
		}
	}
	return lo, hi, nil
}

// Empty reports whether f selects every event.
func (f Filter) Empty() bool { return f == Filter{} }

// Query returns the page of events matching f that the cursor points to
// (the newest page for ""), newest first. Paging is by sequence number, so
// a deep page costs what the first one does.
func (l *Log) Query(ctx context.Context, f Filter, cursor string, size int) (Page, error) {
	if size <= 0 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	dir, at, err := decodeCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	lo, hi, order := int64(1), int64(maxSeq), "DESC"
	switch dir {
	case 'o':
		hi = at - 1
	case 'n':
		lo, order = at+1, "ASC"
	}
	q, seqCol, args, err := l.selectFrom(ctx, f, lo, hi, qualifiedColumns)
	if err != nil {
		return Page{}, err
	}
	args = append(args, size+1)
	rows, err := l.db.Reader().QueryContext(ctx, q+` ORDER BY `+seqCol+` `+order+` LIMIT ?`, args...)
	if err != nil {
		return Page{}, fmt.Errorf("query audit events: %w", err)
	}
	defer rows.Close()
	var evs []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return Page{}, fmt.Errorf("query audit events: %w", err)
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("query audit events: %w", err)
	}
	more := len(evs) > size
	if more {
		evs = evs[:size]
	}
	var p Page
	if dir == 'n' {
		for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
			evs[i], evs[j] = evs[j], evs[i]
		}
	}
	p.Events = evs
	if len(evs) == 0 {
		return p, nil
	}
	first, last := evs[0].Seq, evs[len(evs)-1].Seq
	switch dir {
	case 'n':
		p.Older = encodeCursor('o', last)
		if more {
			p.Newer = encodeCursor('n', first)
		}
	case 'o':
		p.Newer = encodeCursor('n', first)
		if more {
			p.Older = encodeCursor('o', last)
		}
	default:
		if more {
			p.Older = encodeCursor('o', last)
		}
	}
	return p, nil
}

// OlderThan is the cursor of the page of events older than seq, for links
// such as "history up to this event".
func OlderThan(seq int64) string { return encodeCursor('o', seq) }

func encodeCursor(dir byte, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(dir) + strconv.FormatInt(seq, 10)))
}

func decodeCursor(c string) (byte, int64, error) {
	if c == "" {
		return 0, 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) < 2 || (b[0] != 'o' && b[0] != 'n') {
		return 0, 0, ErrBadCursor
	}
	seq, err := strconv.ParseInt(string(b[1:]), 10, 64)
	if err != nil || seq < 0 {
		return 0, 0, ErrBadCursor
	}
	return b[0], seq, nil
}

// Get returns the event with sequence number seq, or ErrNotFound.
func (l *Log) Get(ctx context.Context, seq int64) (Event, error) {
	row := l.db.Reader().QueryRowContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE seq = ?`, seq)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("audit event %d: %w", seq, err)
	}
	return e, nil
}

// PreviousSnapshot returns the newest event before beforeSeq that recorded
// a snapshot of the cluster (of account; "" for events without one), and
// false when there is none.
func (l *Log) PreviousSnapshot(ctx context.Context, account, region, cluster string, beforeSeq int64) (Event, bool, error) {
	row := l.db.Reader().QueryRowContext(ctx, `SELECT `+eventColumns+` FROM audit_events
		WHERE cluster = ? AND region = ? AND account = ? AND seq < ? AND snapshot IS NOT NULL
		ORDER BY seq DESC LIMIT 1`, cluster, region, account, beforeSeq)
	e, err := scanEvent(row)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("previous snapshot of %s/%s: %w", region, cluster, err)
	}
	return e, true, nil
}

// Head returns the newest event's sequence number and hash (0 and
// GenesisHash for an empty log).
func (l *Log) Head(ctx context.Context) (int64, string, error) {
	var seq int64
	hash := GenesisHash
	err := l.db.Reader().QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// each calls fn for every event matching f, oldest first, streaming the
// rows so memory stays constant.
func (l *Log) each(ctx context.Context, f Filter, fn func(Event) error) error {
	q, seqCol, args, err := l.selectFrom(ctx, f, 1, maxSeq, qualifiedColumns)
	if err != nil {
		return err
	}
	rows, err := l.db.Reader().QueryContext(ctx, q+` ORDER BY `+seqCol, args...)
	if err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	return nil
}

// NewerThan is the cursor of the page of events just after seq (the
// oldest of them first in time), for readers that follow the log.
func NewerThan(seq int64) string { return encodeCursor('n', seq) }
