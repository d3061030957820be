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
	Region   string
	Cluster  string
	ChangeID int64
	Outcome  Outcome
	RoleARN  string // an IAM role ARN anywhere in the parameters or snapshot
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

// ErrBadCursor is returned for a cursor Query did not make.
var ErrBadCursor = errors.New("invalid page cursor")

// ErrNotFound is returned by Get for a sequence number with no event.
var ErrNotFound = errors.New("audit event not found")

// where builds the WHERE clause of f (without the keyword; "1" for none).
func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(c string, a any) { conds = append(conds, c); args = append(args, a) }
	if !f.From.IsZero() {
		add("ts >= ?", f.From.UTC().Format(TimeFormat))
	}
	if !f.To.IsZero() {
		add("ts < ?", f.To.UTC().Format(TimeFormat))
	}
	if f.Actor != "" {
		add("actor_username = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", string(f.Action))
	}
	if f.Region != "" {
		add("region = ?", f.Region)
	}
	if f.Cluster != "" {
		add("cluster = ?", f.Cluster)
	}
	if f.ChangeID != 0 {
		add("change_id = ?", f.ChangeID)
	}
	if f.Outcome != "" {
		add("outcome = ?", string(f.Outcome))
	}
	if f.RoleARN != "" {
		add("seq IN (SELECT seq FROM audit_event_arns WHERE arn = ?)", f.RoleARN)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
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
	where, args := f.where()
	order := "DESC"
	switch dir {
	case 'o':
		where += " AND seq < ?"
		args = append(args, at)
	case 'n':
		where += " AND seq > ?"
		args = append(args, at)
		order = "ASC"
	}
	args = append(args, size+1)
	rows, err := l.db.Reader().QueryContext(ctx,
		`SELECT `+eventColumns+` FROM audit_events WHERE `+where+` ORDER BY seq `+order+` LIMIT ?`, args...)
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
// a snapshot of the cluster, and false when there is none.
func (l *Log) PreviousSnapshot(ctx context.Context, region, cluster string, beforeSeq int64) (Event, bool, error) {
	row := l.db.Reader().QueryRowContext(ctx, `SELECT `+eventColumns+` FROM audit_events
		WHERE cluster = ? AND region = ? AND seq < ? AND snapshot IS NOT NULL
		ORDER BY seq DESC LIMIT 1`, cluster, region, beforeSeq)
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
	where, args := f.where()
	rows, err := l.db.Reader().QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE `+where+` ORDER BY seq`, args...)
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
