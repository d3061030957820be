package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FaultKind names what is wrong at a place in the chain.
type FaultKind string

// Fault kinds found by Verify.
const (
	// Altered: the event's stored hash is not the hash of its contents (a
	// changed byte).
	Altered FaultKind = "altered"
	// BrokenLink: the event's prev_hash is not the previous event's hash
	// (an event rewritten or inserted).
	BrokenLink FaultKind = "broken-link"
	// Missing: sequence numbers are skipped (rows deleted).
	Missing FaultKind = "missing"
	// Truncated: an anchor names an event past the head (the tail was cut
	// off).
	Truncated FaultKind = "truncated"
	// AnchorMismatch: the event at an anchor's seq has another hash (the
	// chain was rewritten after the anchor).
	AnchorMismatch FaultKind = "anchor-mismatch"
	// AnchorForged: an anchor's signature does not check, or a line of
	// the anchor file is not an anchor.
	AnchorForged FaultKind = "anchor-forged"
	// AnchorGap: anchor numbers are skipped (anchor lines removed).
	AnchorGap FaultKind = "anchor-gap"
	// AnchorUnlinked: an anchor does not name the anchor before it.
	AnchorUnlinked FaultKind = "anchor-unlinked"
	// AnchorsLost: the database records anchors that the anchor file
	// lacks (the file deleted or cut short).
	AnchorsLost FaultKind = "anchors-lost"
	// WitnessMissing: a local anchor is not in the witness.
	WitnessMissing FaultKind = "witness-missing"
	// WitnessExtra: the witness holds an anchor the file lacks.
	WitnessExtra FaultKind = "witness-extra"
	// WitnessDiffers: the witness's copy of an anchor differs.
	WitnessDiffers FaultKind = "witness-differs"
)

// Fault is one problem found by Verify.
type Fault struct {
	Kind FaultKind `json:"kind"`
	// Seq is the first bad sequence number; for Missing and Truncated,
	// the first missing one; for an anchor, the seq it signs; 0 for a
	// fault of the anchor file as a whole.
	Seq int64 `json:"seq"`
	// To is the last missing sequence number, for Missing and Truncated.
	To     int64  `json:"to,omitempty"`
	Detail string `json:"detail"`
}

func (f Fault) String() string {
	if f.To > f.Seq {
		return fmt.Sprintf("%s at seq %d–%d: %s", f.Kind, f.Seq, f.To, f.Detail)
	}
	return fmt.Sprintf("%s at seq %d: %s", f.Kind, f.Seq, f.Detail)
}

// Report is the result of a verification.
type Report struct {
	At       time.Time     `json:"at"`
	Duration time.Duration `json:"duration"`
	Checked  int64         `json:"checked"` // events read
	HeadSeq  int64         `json:"head_seq"`
	HeadHash string        `json:"head_hash"`
	// Instance is the ID of the log (the installation) verified.
	Instance string `json:"instance,omitempty"`
	// Anchor is the newest anchor checked, nil when there was none (or
	// anchors are not configured: then truncation cannot be detected).
	Anchor         *Anchor `json:"anchor,omitempty"`
	AnchorsChecked bool    `json:"anchors_checked"`
	// Anchors is how many of this log's anchors were checked against the
	// chain; AnchorsRecorded how many the database records as written.
	Anchors         int   `json:"anchors"`
	AnchorsRecorded int64 `json:"anchors_recorded"`
	// WitnessChecked is set when the anchors were compared with the
	// witness's copies, WitnessObjects how many it holds.
	WitnessChecked  bool     `json:"witness_checked"`
	WitnessObjects  int      `json:"witness_objects,omitempty"`
	Notes           []string `json:"notes,omitempty"`
	Faults          []Fault  `json:"faults"`
	FaultsTruncated bool     `json:"faults_truncated,omitempty"`
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Faults) == 0 }

// FirstBad is the first bad sequence number, 0 when the chain is intact
// or only the anchor file as a whole is at fault.
func (r Report) FirstBad() int64 {
	var first int64
	for _, f := range r.Faults {
		if f.Seq > 0 && (first == 0 || f.Seq < first) {
			first = f.Seq
		}
	}
	return first
}

// maxFaults bounds the faults kept in a report.
const maxFaults = 100

// Verify walks the whole chain: sequence numbers without gaps, every hash
// recomputed, every link to the previous hash. It then checks every anchor
// of this log (in the file, in the database's record of anchors written,
// and in the witness when there is one) against the chain at its seq, and
// that the anchors are numbered without gaps and linked. The returned
// error is for failures to read; a damaged chain is a Report with faults.
// The report is kept as the last verification, and damage found stops
// the signing of anchors (see Damage).
func (l *Log) Verify(ctx context.Context) (Report, error) {
	start := time.Now()
	r := Report{At: l.now().UTC()}
	add := func(f Fault) {
		if len(r.Faults) >= maxFaults {
			r.FaultsTruncated = true
			return
		}
		r.Faults = append(r.Faults, f)
	}
	var ev *anchorEvidence
	if l.anchors != nil {
		r.AnchorsChecked = true
		inst, err := l.Instance(ctx)
		if err != nil {
			return r, err
		}
		r.Instance = inst
		if ev, err = l.anchors.gather(ctx, inst, &r); err != nil {
			return r, err
		}
	}
	tx, err := l.db.Reader().BeginTx(ctx, nil) // one snapshot of the log
	if err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback()
	if ev != nil {
		if err := ev.readRecords(ctx, tx, &r); err != nil {
			return r, err
		}
	}
	prevSeq, prevHash := int64(0), GenesisHash
	hashes := ev.wanted() // the chain's hash at each anchored seq
	// Reading rows and hashing them share the work between two cores: one
	// goroutine scans batches of events, this one checks them.
	batches := make(chan []Event, 4)
	readErr := make(chan error, 1)
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(batches)
		readErr <- scanAll(rctx, tx, batches)
	}()
	for batch := range batches {
		for i := range batch {
			e := &batch[i]
			r.Checked++
			linked := true
			if e.Seq != prevSeq+1 {
				add(Fault{Kind: Missing, Seq: prevSeq + 1, To: e.Seq - 1,
					Detail: fmt.Sprintf("%d event(s) deleted before seq %d", e.Seq-prevSeq-1, e.Seq)})
				linked = false // the link cannot match; the gap is the fault
			}
			if got := e.computeHash(); got != e.Hash {
				add(Fault{Kind: Altered, Seq: e.Seq, Detail: "the stored hash is not the hash of the event's contents: the event was changed"})
			}
			if linked && e.PrevHash != prevHash {
				add(Fault{Kind: BrokenLink, Seq: e.Seq, Detail: "prev_hash is not the hash of the event before it"})
			}
			if _, ok := hashes[e.Seq]; ok {
				hashes[e.Seq] = e.Hash
			}
			prevSeq, prevHash = e.Seq, e.Hash
		}
	}
	if err := <-readErr; err != nil {
		return r, fmt.Errorf("verify: %w", err)
	}
	r.HeadSeq, r.HeadHash = prevSeq, prevHash
	if ev != nil {
		ev.check(hashes, &r, add)
	}
	r.Duration = time.Since(start)
	for _, f := range r.Faults {
		if f.Kind != WitnessMissing {
			l.anch.mu.Lock()
			if l.anch.damage == nil {
				l.anch.damage = &f
			}
			l.anch.mu.Unlock()
			break
		}
	}
	l.mu.Lock()
	rc := r
	l.last = &rc
	l.mu.Unlock()
	return r, nil
}

// scanAll sends every event, oldest first, in batches.
func scanAll(ctx context.Context, tx *sql.Tx, out chan<- []Event) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+eventColumns+` FROM audit_events ORDER BY seq`)
	if err != nil {
		return err
	}
	defer rows.Close()
	const size = 512
	batch := make([]Event, 0, size)
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return err
		}
		batch = append(batch, e)
		if len(batch) == size {
			select {
			case out <- batch:
			case <-ctx.Done():
				return ctx.Err()
			}
			batch = make([]Event, 0, size)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// LastVerification returns the newest report of Verify in this process.
func (l *Log) LastVerification() (Report, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		return Report{}, false
	}
	return *l.last, true
}
