package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"rolegate/internal/store"
)

// Log is the audit log of one database.
type Log struct {
	db      *store.DB
	now     func() time.Time
	anchors *Anchors
	anch    anchorState

	mu   sync.Mutex
	last *Report // the newest verification, for the verify page
}

// Option configures a Log.
type Option func(*Log)

// WithClock sets the clock that stamps events (tests and generators).
func WithClock(now func() time.Time) Option { return func(l *Log) { l.now = now } }

// WithAnchors sets where the chain's signed heads are kept; Verify then
// checks the head against the newest anchor.
func WithAnchors(a *Anchors) Option { return func(l *Log) { l.anchors = a } }

// New returns the audit log kept in db.
func New(db *store.DB, opts ...Option) *Log {
	l := &Log{db: db, now: time.Now}
	l.anch.nudge = make(chan struct{}, 1)
	for _, o := range opts {
		o(l)
	}
	return l
}

// ErrInvalidEvent is returned by Append for an event it will not record.
var ErrInvalidEvent = errors.New("invalid audit event")

// Append records e inside tx, chained to the current head, and returns it
// with Seq, Time, PrevHash and Hash set. The caller commits tx together with
// the state change the event describes; a rollback drops both.
func (l *Log) Append(ctx context.Context, tx *sql.Tx, e Event) (Event, error) {
	if !e.Action.Known() {
		return e, fmt.Errorf("%w: undeclared action %q", ErrInvalidEvent, e.Action)
	}
	switch e.Outcome {
	case Success, Failure, Unknown:
	default:
		return e, fmt.Errorf("%w: outcome %q", ErrInvalidEvent, e.Outcome)
	}
	params, err := compactObject(e.Params, "{}")
	if err != nil {
		return e, fmt.Errorf("%w: params: %w", ErrInvalidEvent, err)
	}
	e.Params = params
	if len(e.Snapshot) > 0 {
		snap, err := compactObject(e.Snapshot, "")
		if err != nil {
			return e, fmt.Errorf("%w: snapshot: %w", ErrInvalidEvent, err)
		}
		e.Snapshot = snap
	} else {
		e.Snapshot = nil
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = e.Time.UTC()

	var prevSeq int64
	var prevTS string
	prevHash := GenesisHash
	err = tx.QueryRowContext(ctx, `SELECT seq, hash, ts FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash, &prevTS)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e, fmt.Errorf("audit head: %w", err)
	}
	// Times never go backwards along the chain (a clock stepped back stamps
	// the previous event's time), so a time range is a range of seq.
	if prev, perr := time.Parse(TimeFormat, prevTS); perr == nil && e.Time.Before(prev) {
		e.Time = prev
	}
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.Hash = e.computeHash()

	var snapshot any
	if e.Snapshot != nil {
		snapshot = string(e.Snapshot)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_events
		(seq, ts, actor_id, actor_username, actor_role, session_hash, client_ip, user_agent, request_id,
		 action, region, cluster, change_id, params, outcome, aws_request_id, error_code, error_message,
		 snapshot, prev_hash, hash, account, actor_token)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.Time.Format(TimeFormat), nullID(e.Actor.UserID), e.Actor.Username, e.Actor.Role,
		e.Origin.SessionHash, e.Origin.ClientIP, e.Origin.UserAgent, e.Origin.RequestID,
		string(e.Action), e.Target.Region, e.Target.Cluster, nullID(e.Target.ChangeID), string(e.Params),
		string(e.Outcome), e.AWSRequestID, e.ErrorCode, e.ErrorMessage, snapshot, e.PrevHash, e.Hash, e.Target.Account, nullID(e.Actor.TokenID))
	if err != nil {
		return e, fmt.Errorf("append audit event: %w", err)
	}
	for _, arn := range roleARNs(e.Params, e.Snapshot) {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO audit_event_arns (arn, seq) VALUES (?, ?)`, arn, e.Seq); err != nil {
			return e, fmt.Errorf("append audit event ARNs: %w", err)
		}
	}
	l.noteAppended(e.Action)
	return e, nil
}

// Record appends e in a transaction of its own, for events that go with no
// other state change (a failed sign-in, a refused request).
func (l *Log) Record(ctx context.Context, e Event) (Event, error) {
	var out Event
	err := l.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = l.Append(ctx, tx, e)
		return err
	})
	return out, err
}

// computeHash is SHA-256 over the canonical encoding of every field but
// the hash itself, the previous hash included.
func (e *Event) computeHash() string {
	sum := sha256.Sum256(e.canonical())
	return hex.EncodeToString(sum[:])
}

// canonical is a JSON array of the stored fields in a fixed order. Params
// and snapshot enter as the exact text stored. An event with an account
// is version 2, which adds the account at the end; one without keeps
// version 1, so that events recorded before accounts keep their hashes
// (and an account removed from a version 2 event no longer matches). An
// event made with an API token is version 3, which adds the account (maybe
// empty) and the token's ID.
func (e *Event) canonical() []byte {
	var snapshot any
	if e.Snapshot != nil {
		snapshot = string(e.Snapshot)
	}
	version := "rolegate.audit.v1"
	if e.Target.Account != "" {
		version = "rolegate.audit.v2"
	}
	if e.Actor.TokenID != 0 {
		version = "rolegate.audit.v3"
	}
	fields := []any{
		version, e.Seq, e.Time.UTC().Format(TimeFormat),
		e.Actor.UserID, e.Actor.Username, e.Actor.Role,
		e.Origin.SessionHash, e.Origin.ClientIP, e.Origin.UserAgent, e.Origin.RequestID,
		string(e.Action), e.Target.Region, e.Target.Cluster, e.Target.ChangeID,
		string(e.Params), string(e.Outcome), e.AWSRequestID, e.ErrorCode, e.ErrorMessage,
		snapshot, e.PrevHash,
	}
	switch {
	case e.Actor.TokenID != 0:
		fields = append(fields, e.Target.Account, e.Actor.TokenID)
	case e.Target.Account != "":
		fields = append(fields, e.Target.Account)
	}
	b, _ := json.Marshal(fields)
	return b
}

func compactObject(raw json.RawMessage, empty string) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		if empty == "" {
			return nil, nil
		}
		return json.RawMessage(empty), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	if buf.Len() == 0 || buf.Bytes()[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	return buf.Bytes(), nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

var arnPattern = regexp.MustCompile(`arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]+`)

// roleARNs lists the distinct IAM role ARNs mentioned in the texts.
func roleARNs(texts ...[]byte) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		for _, m := range arnPattern.FindAll(t, -1) {
			if s := string(m); !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// Params encodes v (a map or struct of plain values) as event parameters.
func Params(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"encoding_error": err.Error()})
	}
	return b
}
