package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// anchorState is what a Log keeps in memory about its anchoring: its
// instance ID, the newest point of the chain known good (so that each
// check before an anchor reads only the events after it), and the damage
// found, which stops all signing.
type anchorState struct {
	mu       sync.Mutex
	instance string
	goodSeq  int64
	goodHash string
	goodSet  bool
	damage   *Fault
	// nudge asks the anchor loop to anchor now: Append sends on it when
	// a change request's state changed.
	nudge chan struct{}
}

// DamagedError is returned by Anchor on a damaged chain: nothing is
// signed until the log is repaired.
type DamagedError struct{ Fault Fault }

func (e *DamagedError) Error() string {
	return "the audit chain is damaged (" + e.Fault.String() + "): no anchor is signed"
}

// SetAnchors configures the anchors of a Log built without WithAnchors;
// call it before the Log is shared.
func (l *Log) SetAnchors(a *Anchors) { l.anchors = a }

// Anchors returns the configured anchors, or nil.
func (l *Log) Anchors() *Anchors { return l.anchors }

// Instance returns the ID of the installation whose log this is (table
// instance), which every anchor names.
func (l *Log) Instance(ctx context.Context) (string, error) {
	l.anch.mu.Lock()
	defer l.anch.mu.Unlock()
	if l.anch.instance != "" {
		return l.anch.instance, nil
	}
	var id string
	if err := l.db.Reader().QueryRowContext(ctx, `SELECT uuid FROM instance WHERE id = 1`).Scan(&id); err != nil {
		return "", fmt.Errorf("instance id: %w", err)
	}
	l.anch.instance = id
	return id, nil
}

// Damage returns the damage found by a check or a verification in this
// process, and false while the chain is not known to be damaged.
func (l *Log) Damage() (Fault, bool) {
	l.anch.mu.Lock()
	defer l.anch.mu.Unlock()
	if l.anch.damage == nil {
		return Fault{}, false
	}
	return *l.anch.damage, true
}

// noteAppended is called by Append for every event: a change request's
// state change (change.*, apply.*) nudges the anchor loop, which then
// anchors at once, so that at most the events since the last state change
// are unprotected. The loop reads the head in a write transaction, which
// waits for the appending transaction to end.
func (l *Log) noteAppended(a Action) {
	if !strings.HasPrefix(string(a), "change.") && !strings.HasPrefix(string(a), "apply.") {
		return
	}
	select {
	case l.anch.nudge <- struct{}{}:
	default:
	}
}

// markDamaged keeps the first damage found, and records it in the log
// (once per process): an audit.verified event with outcome failure.
func (l *Log) markDamaged(ctx context.Context, f Fault, headSeq int64, headHash string) {
	l.anch.mu.Lock()
	first := l.anch.damage == nil
	if first {
		l.anch.damage = &f
	}
	l.anch.mu.Unlock()
	if !first {
		return
	}
	r := Report{At: l.now().UTC(), HeadSeq: headSeq, HeadHash: headHash, AnchorsChecked: true, Faults: []Fault{f}}
	e := VerifiedEvent(r, System, Origin{})
	e.ErrorMessage += ": signing anchors stopped, the dashboard is read-only"
	_, _ = l.Record(context.WithoutCancel(ctx), e)
}

// Check checks the chain from the newest good anchor to the head: the
// anchor's signature, that the database's record of anchors written is
// not ahead of the file, that the chain still holds the anchored hash,
// and every event after it. On damage it marks the log damaged (see
// Damage) and records the finding. It reads the whole chain only when no
// anchor was written yet, and then only once per process. The error is
// for failures to read, or an anchor file of another log (ErrOtherLog).
func (l *Log) Check(ctx context.Context) error {
	if l.anchors == nil {
		return errors.New("audit anchors are not configured")
	}
	inst, err := l.Instance(ctx)
	if err != nil {
		return err
	}
	if other, err := l.anchors.otherOwner(inst); err != nil {
		return err
	} else if other != "" {
		return fmt.Errorf("%w: %s holds anchors of instance %s, this database is instance %s", ErrOtherLog, l.anchors.File(), other, inst)
	}
	var fault *Fault
	var seq int64
	var hash string
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		if seq, hash, err = headTx(ctx, tx); err != nil {
			return err
		}
		fault, err = l.checkTx(ctx, tx, inst, seq, hash)
		return err
	})
	if err != nil {
		return err
	}
	if fault != nil {
		l.markDamaged(ctx, *fault, seq, hash)
	}
	return nil
}

func headTx(ctx context.Context, tx *sql.Tx) (int64, string, error) {
	var seq int64
	hash := GenesisHash
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}

// checkTx is Check's work inside tx; it returns the first fault found and
// moves the good point to the head when there is none.
func (l *Log) checkTx(ctx context.Context, tx *sql.Tx, inst string, headSeq int64, headHash string) (*Fault, error) {
	if f, bad := l.Damage(); bad {
		return &f, nil
	}
	l.anch.mu.Lock()
	fromSeq, fromHash, set := l.anch.goodSeq, l.anch.goodHash, l.anch.goodSet
	l.anch.mu.Unlock()
	if !set {
		var f *Fault
		var err error
		fromSeq, fromHash, f, err = l.newestGoodAnchor(ctx, tx, inst, headSeq)
		if err != nil || f != nil {
			return f, err
		}
	}
	if fromSeq > headSeq {
		return &Fault{Kind: Truncated, Seq: headSeq + 1, To: fromSeq,
			Detail: fmt.Sprintf("seq %d was anchored but the log ends at seq %d: the tail was removed", fromSeq, headSeq)}, nil
	}
	if fromSeq > 0 {
		e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE seq = ?`, fromSeq))
		if errors.Is(err, sql.ErrNoRows) {
			return &Fault{Kind: Missing, Seq: fromSeq, To: fromSeq, Detail: fmt.Sprintf("the anchored event %d was deleted", fromSeq)}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("audit check: %w", err)
		}
		if e.Hash != fromHash {
			return &Fault{Kind: AnchorMismatch, Seq: fromSeq, Detail: "the event's hash differs from the anchored hash: the chain was rewritten"}, nil
		}
		if e.computeHash() != e.Hash {
			return &Fault{Kind: Altered, Seq: fromSeq, Detail: "the stored hash is not the hash of the event's contents: the event was changed"}, nil
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events WHERE seq > ? ORDER BY seq`, fromSeq)
	if err != nil {
		return nil, fmt.Errorf("audit check: %w", err)
	}
	defer rows.Close()
	prevSeq, prevHash := fromSeq, fromHash
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("audit check: %w", err)
		}
		switch {
		case e.Seq != prevSeq+1:
			return &Fault{Kind: Missing, Seq: prevSeq + 1, To: e.Seq - 1, Detail: fmt.Sprintf("%d event(s) deleted before seq %d", e.Seq-prevSeq-1, e.Seq)}, nil
		case e.computeHash() != e.Hash:
			return &Fault{Kind: Altered, Seq: e.Seq, Detail: "the stored hash is not the hash of the event's contents: the event was changed"}, nil
		case e.PrevHash != prevHash:
			return &Fault{Kind: BrokenLink, Seq: e.Seq, Detail: "prev_hash is not the hash of the event before it"}, nil
		}
		prevSeq, prevHash = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit check: %w", err)
	}
	if prevSeq != headSeq {
		return nil, fmt.Errorf("audit check: the walk ended at seq %d, the head is %d", prevSeq, headSeq)
	}
	l.setGood(headSeq, headHash)
	return nil, nil
}

func (l *Log) setGood(seq int64, hash string) {
	l.anch.mu.Lock()
	l.anch.goodSeq, l.anch.goodHash, l.anch.goodSet = seq, hash, true
	l.anch.mu.Unlock()
}

// newestGoodAnchor is the point the first check starts from: the newest
// anchor, if its signature holds and the database does not record more
// anchors than the file holds; (0, GenesisHash) when none was written.
func (l *Log) newestGoodAnchor(ctx context.Context, tx *sql.Tx, inst string, headSeq int64) (int64, string, *Fault, error) {
	last, found, err := l.anchors.newest()
	if err != nil {
		return 0, "", nil, err
	}
	rec, recorded, err := lastRecordTx(ctx, tx)
	if err != nil {
		return 0, "", nil, err
	}
	switch {
	case recorded && (!found || last.Bad || last.Version != AnchorVersion || last.N < rec.N):
		held := "no anchor"
		if found && last.Version == AnchorVersion {
			held = fmt.Sprintf("anchors up to %d", last.N)
		}
		return 0, "", &Fault{Kind: AnchorsLost, Seq: rec.Seq, Detail: fmt.Sprintf(
			"the database records %d anchor(s) written, the newest at seq %d, but the anchor file %s holds %s: anchors were removed",
			rec.N, rec.Seq, l.anchors.File(), held)}, nil
	case !found:
		return 0, GenesisHash, nil, nil
	case last.Bad:
		return 0, "", &Fault{Kind: AnchorForged, Seq: headSeq, Detail: "the newest line of the anchor file is not an anchor"}, nil
	case last.Version == AnchorVersion && last.Log != inst:
		return 0, "", nil, fmt.Errorf("%w: its newest anchor is of instance %s", ErrOtherLog, last.Log)
	}
	legacy, err := l.anchors.legacyKey()
	if err != nil {
		return 0, "", nil, err
	}
	if ok, why := l.anchors.check(last.Anchor, legacy); !ok {
		if last.Version == 0 && legacy == nil {
			// An old anchor with no key left to check it: start from the
			// genesis instead of trusting it.
			return 0, GenesisHash, nil, nil
		}
		return 0, "", &Fault{Kind: AnchorForged, Seq: last.Seq, Detail: "the newest anchor does not check: " + why}, nil
	}
	return last.Seq, last.Hash, nil, nil
}

// anchorRecord is a row of audit_anchors.
type anchorRecord struct {
	N        int64
	Seq      int64
	Hash, ID string
}

func lastRecordTx(ctx context.Context, tx *sql.Tx) (anchorRecord, bool, error) {
	var r anchorRecord
	err := tx.QueryRowContext(ctx, `SELECT n, seq, hash, anchor_id FROM audit_anchors ORDER BY n DESC LIMIT 1`).Scan(&r.N, &r.Seq, &r.Hash, &r.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("audit anchors record: %w", err)
	}
	return r, true, nil
}

// Anchor checks the chain since the last good anchor, then signs the head
// and appends it to the anchor file and the database's record of anchors,
// and publishes it to the witness. When skipUnchanged is set and the
// newest anchor already holds the head, it writes nothing and returns that
// anchor. On a damaged chain it signs nothing and returns a
// *DamagedError. A witness failure (ErrWitness) comes with the anchor,
// which was written locally.
func (l *Log) Anchor(ctx context.Context, skipUnchanged bool) (Anchor, error) {
	a := l.anchors
	if a == nil {
		return Anchor{}, errors.New("audit anchors are not configured")
	}
	if !a.CanSign() {
		return Anchor{}, ErrNoSigningKey
	}
	inst, err := l.Instance(ctx)
	if err != nil {
		return Anchor{}, err
	}
	var (
		out         Anchor
		line        []byte
		wrote       bool
		fault       *Fault
		seq         int64
		hash        string
		errDamaged  = errors.New("damaged")
		errSameHead = errors.New("unchanged")
	)
	// The write transaction waits for any transaction appending events,
	// so the head read here includes an event whose Append nudged us.
	err = l.db.Tx(ctx, func(tx *sql.Tx) error {
		if seq, hash, err = headTx(ctx, tx); err != nil {
			return err
		}
		last, found, err := a.newest()
		if err != nil {
			return err
		}
		if found && !last.Bad && last.Version == AnchorVersion && last.Log != inst {
			return fmt.Errorf("%w: %s holds anchors of instance %s, this database is instance %s", ErrOtherLog, a.File(), last.Log, inst)
		}
		if fault, err = l.checkTx(ctx, tx, inst, seq, hash); err != nil {
			return err
		}
		if fault == nil && found && (last.Bad || last.Version == AnchorVersion) {
			// The anchor this one will link to must be genuine.
			if ok, why := a.check(last.Anchor, nil); last.Bad || !ok {
				if last.Bad {
					why = "it is not an anchor"
				}
				fault = &Fault{Kind: AnchorForged, Seq: last.Seq, Detail: "the newest line of the anchor file does not check: " + why}
			}
		}
		if fault != nil {
			return errDamaged
		}
		if skipUnchanged && found && !last.Bad && last.Seq == seq && last.Hash == hash {
			out = last.Anchor
			return errSameHead
		}
		var prev *Anchor
		if found && !last.Bad {
			prev = &last.Anchor
		}
		out, line = a.next(prev, inst, seq, hash, l.now())
		if err := a.appendLine(line); err != nil {
			return err
		}
		wrote = true
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_anchors (n, seq, hash, anchor_id, at) VALUES (?, ?, ?, ?, ?)`,
			out.N, out.Seq, out.Hash, out.ID(), out.Time.Format(TimeFormat))
		if err != nil {
			return fmt.Errorf("record audit anchor %d: %w", out.N, err)
		}
		return nil
	})
	switch {
	case errors.Is(err, errSameHead):
		return out, nil
	case errors.Is(err, errDamaged):
		l.markDamaged(ctx, *fault, seq, hash)
		return Anchor{}, &DamagedError{Fault: *fault}
	case err != nil && !wrote:
		return Anchor{}, err
	}
	// Written to the file: whatever else failed, the anchor stands and
	// is published.
	if perr := a.publish(ctx, inst, out, line); perr != nil {
		return out, errors.Join(err, perr)
	}
	return out, err
}

// AnchorEvery anchors the head every interval, and at once when a change
// request's state changed, until ctx ends, logging failures through
// report (a damaged chain only once); the caller anchors once more on
// shutdown.
func (l *Log) AnchorEvery(ctx context.Context, interval time.Duration, report func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	damageReported := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-l.anch.nudge:
		}
		_, err := l.Anchor(ctx, true)
		var de *DamagedError
		switch {
		case err == nil || ctx.Err() != nil:
		case errors.As(err, &de):
			if !damageReported {
				report(err)
			}
			damageReported = true
		default:
			report(err)
		}
	}
}

// OwnsAnchorFile reports whether the anchor file at path belongs to this
// log: its version 2 anchors name this instance, or (for a file of
// version 1 anchors only, which name no log) its newest anchor's hash is
// this chain's hash at that seq.
func (l *Log) OwnsAnchorFile(ctx context.Context, path string) (bool, error) {
	inst, err := l.Instance(ctx)
	if err != nil {
		return false, err
	}
	all, exists, err := (&Anchors{cfg: AnchorConfig{File: path}}).read()
	if err != nil || !exists || len(all) == 0 {
		return false, err
	}
	for _, s := range all {
		if !s.Bad && s.Version == AnchorVersion {
			return s.Log == inst, nil
		}
	}
	last := all[len(all)-1]
	if last.Bad || last.Seq == 0 {
		return false, nil
	}
	e, err := l.Get(ctx, last.Seq)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return e.Hash == last.Hash, nil
}
