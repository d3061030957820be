package drift

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"rolegate/audit"
	"rolegate/internal/inventory"
)

// schedule sets when to look again for a drift found at detectedAt that
// nobody is named for: LookAgain after this lookup, as long as that is
// within LookFor of the detection.
func (s *Service) schedule(w *Who, detectedAt time.Time) {
	w.NextLook = time.Time{}
	if w.Found() {
		return
	}
	if next := w.At.Add(s.o.LookAgain); !next.After(detectedAt.Add(s.o.LookFor)) {
		w.NextLook = next
		return
	}
	if w.LookedUp {
		w.Reason = fmt.Sprintf("no CloudTrail event found within %d minutes of the drift", int(s.o.LookFor.Minutes()))
	}
}

// withWho adds who to the params of a drift.detected event.
func withWho(params json.RawMessage, who Who) json.RawMessage {
	p := map[string]json.RawMessage{}
	if err := json.Unmarshal(params, &p); err != nil {
		return params
	}
	b, _ := json.Marshal(who)
	p["who"] = b
	return audit.Params(p)
}

// whoColumns are the drifts row's who and who_next_at.
func whoColumns(w *Who) (any, any) {
	if w == nil {
		return nil, nil
	}
	b, _ := json.Marshal(w)
	if w.NextLook.IsZero() {
		return string(b), nil
	}
	return string(b), w.NextLook.UTC().Format(audit.TimeFormat)
}

// pending is an open drift whose caller is still looked for.
type pending struct {
	id, baseSeq int64
	key         Key
	detectedAt  time.Time
}

// lookAgain looks up, once their time has come, the open drifts of the
// clusters just read that nobody is named for yet, and records a
// drift.attributed event for each whose caller CloudTrail now names. A
// sweep reads every cluster of its region and so looks after all of its
// drifts; a live read of one cluster looks after that cluster's alone, so
// that a page view never waits on CloudTrail for clusters it does not
// show, and regions swept at once do not ask twice.
func (s *Service) lookAgain(ctx context.Context, clusters []*inventory.Cluster) error {
	tc := s.trail.Load()
	if tc == nil {
		return nil
	}
	read := make(map[Key]bool, len(clusters))
	for _, c := range clusters {
		read[Key{c.Account, c.Region, c.ID}] = true
	}
	now := s.o.Now().UTC()
	rows, err := s.o.DB.Reader().QueryContext(ctx, `SELECT id, account, region, cluster, baseline_seq, detected_at FROM drifts
		WHERE resolved_at IS NULL AND who_next_at IS NOT NULL AND who_next_at <= ?`, now.Format(audit.TimeFormat))
	if err != nil {
		return fmt.Errorf("drifts to look up again: %w", err)
	}
	var due []pending
	for rows.Next() {
		var p pending
		var at string
		if err := rows.Scan(&p.id, &p.key.Account, &p.key.Region, &p.key.Cluster, &p.baseSeq, &at); err != nil {
			rows.Close()
			return err
		}
		if !read[p.key] {
			continue
		}
		p.detectedAt, _ = time.Parse(time.RFC3339Nano, at)
		due = append(due, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range due {
		who := s.lookup(ctx, tc, p.key, p.baseSeq)
		s.schedule(&who, p.detectedAt)
		if err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error { return s.attribute(ctx, tx, p, who) }); err != nil {
			return err
		}
	}
	return nil
}

// attribute keeps a later lookup's outcome, and audits it when it names
// someone.
func (s *Service) attribute(ctx context.Context, tx *sql.Tx, p pending, who Who) error {
	col, next := whoColumns(&who)
	res, err := tx.ExecContext(ctx, `UPDATE drifts SET who = ?, who_next_at = ? WHERE id = ? AND resolved_at IS NULL AND who_next_at IS NOT NULL`, col, next, p.id)
	if err != nil {
		return fmt.Errorf("keep drift lookup: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 || !who.Found() {
		return nil
	}
	_, err = s.o.Audit.Append(ctx, tx, audit.Event{
		Actor: audit.System, Action: audit.DriftAttributed, Outcome: audit.Success,
		Target: audit.Target{Account: p.key.Account, Region: p.key.Region, Cluster: p.key.Cluster},
		Params: audit.Params(map[string]any{"drift_id": p.id, "who": who}),
	})
	return err
}
