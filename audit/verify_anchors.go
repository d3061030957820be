package audit

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
)

// anchorEvidence is everything Verify knows about a log's anchors: the
// anchor file's lines of this log, the witness's copies that the file
// lacks, and the database's record of the anchors written.
type anchorEvidence struct {
	a        *Anchors
	instance string
	file     bool // the anchor file exists
	own      []storedAnchor
	extra    []storedAnchor // in the witness only
	records  []anchorRecord
	legacy   []byte
	early    []Fault // found before the chain walk
}

// gather reads the anchor file and the witness.
func (a *Anchors) gather(ctx context.Context, inst string, r *Report) (*anchorEvidence, error) {
	ev := &anchorEvidence{a: a, instance: inst}
	all, exists, err := a.read()
	if err != nil {
		return nil, err
	}
	ev.file = exists
	if ev.legacy, err = a.legacyKey(); err != nil {
		return nil, err
	}
	others := map[string]int{}
	for _, s := range all {
		switch {
		case s.Bad:
			ev.early = append(ev.early, Fault{Kind: AnchorForged, Detail: fmt.Sprintf("line %d of the anchor file is not an anchor", s.LineNo)})
		case s.Version == AnchorVersion && s.Log != inst:
			others[s.Log]++
		default:
			ev.own = append(ev.own, s)
		}
	}
	if len(others) > 0 {
		ids := make([]string, 0, len(others))
		n := 0
		for id, c := range others {
			ids = append(ids, id)
			n += c
		}
		sort.Strings(ids)
		what := "besides this log's own"
		if len(ev.own) == 0 {
			what = "and none of this log's: it is another database's anchor file"
		}
		// Not this log's: never checked against this chain, but said.
		r.Notes = append(r.Notes, fmt.Sprintf(
			"the anchor file %s holds %d anchor(s) of another log (instance %s), %s (this log is instance %s); they were not checked",
			a.File(), n, strings.Join(ids, ", "), what, inst))
	}
	if a.cfg.Witness != nil {
		faults, extra, objects, err := a.witnessDiff(ctx, inst, ev.own)
		if err != nil {
			return nil, err
		}
		r.WitnessChecked, r.WitnessObjects = true, objects
		ev.early = append(ev.early, faults...)
		ev.extra = extra
	}
	return ev, nil
}

// readRecords reads the database's record of anchors written, in the
// verification's snapshot.
func (ev *anchorEvidence) readRecords(ctx context.Context, tx *sql.Tx, r *Report) error {
	rows, err := tx.QueryContext(ctx, `SELECT n, seq, hash, anchor_id FROM audit_anchors ORDER BY n`)
	if err != nil {
		return fmt.Errorf("verify: anchors record: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rec anchorRecord
		if err := rows.Scan(&rec.N, &rec.Seq, &rec.Hash, &rec.ID); err != nil {
			return fmt.Errorf("verify: anchors record: %w", err)
		}
		ev.records = append(ev.records, rec)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: anchors record: %w", err)
	}
	r.AnchorsRecorded = int64(len(ev.records))
	return nil
}

// wanted is the set of seqs whose chain hash the anchors need, each
// mapped to "" until the walk fills it in.
func (ev *anchorEvidence) wanted() map[int64]string {
	m := map[int64]string{}
	if ev == nil {
		return m
	}
	for _, s := range ev.own {
		m[s.Seq] = ""
	}
	for _, s := range ev.extra {
		m[s.Seq] = ""
	}
	for _, rec := range ev.records {
		m[rec.Seq] = ""
	}
	return m
}

// check compares every anchor with the chain (hashes holds the chain's
// hash at each wanted seq that exists) and the anchors with each other.
func (ev *anchorEvidence) check(hashes map[int64]string, r *Report, add func(Fault)) {
	for _, f := range ev.early {
		add(f)
	}
	var maxSeq int64 // the furthest seq any anchor names
	against := func(what string, seq int64, hash string) {
		if seq > r.HeadSeq {
			maxSeq = max(maxSeq, seq)
			return
		}
		if h, ok := hashes[seq]; ok && seq > 0 && h != "" && h != hash {
			add(Fault{Kind: AnchorMismatch, Seq: seq, Detail: what + " holds another hash for this event: the chain was rewritten"})
		}
	}
	uncheckedV1 := 0
	byN := map[int64]storedAnchor{}
	forged := map[int64]bool{} // already reported
	var prev *Anchor
	for i := range ev.own {
		s := ev.own[i]
		ok, why := ev.a.check(s.Anchor, ev.legacy)
		if !ok && s.Version == 0 && ev.legacy == nil {
			uncheckedV1++
			continue
		}
		if !ok {
			add(Fault{Kind: AnchorForged, Seq: s.Seq, Detail: fmt.Sprintf("%s (line %d) does not check: %s", anchorName(s.Anchor), s.LineNo, why)})
			if s.Version == AnchorVersion {
				forged[s.N] = true
			}
			continue
		}
		if s.Version == AnchorVersion {
			want, wantPrev := int64(1), GenesisHash
			if prev != nil {
				want, wantPrev = prev.N+1, prev.ID()
			}
			switch {
			case s.N > want:
				add(Fault{Kind: AnchorGap, Seq: s.Seq, Detail: fmt.Sprintf("anchors %d–%d are missing before anchor %d: anchor lines were removed", want, s.N-1, s.N)})
			case s.N < want:
				add(Fault{Kind: AnchorGap, Seq: s.Seq, Detail: fmt.Sprintf("anchor %d comes after anchor %d: anchor lines were copied or reordered", s.N, want-1)})
			case s.Prev != wantPrev:
				add(Fault{Kind: AnchorUnlinked, Seq: s.Seq, Detail: fmt.Sprintf("anchor %d does not name the anchor before it", s.N)})
			}
			prev = &s.Anchor
			byN[s.N] = s
		}
		r.Anchors++
		a := s.Anchor
		r.Anchor = &a
		against(anchorName(s.Anchor), s.Seq, s.Hash)
	}
	if uncheckedV1 > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d version 1 anchor(s) were not checked: their HMAC key file is not there", uncheckedV1))
	}
	for _, s := range ev.extra {
		if ok, why := ev.a.check(s.Anchor, nil); !ok {
			add(Fault{Kind: AnchorForged, Seq: s.Seq, Detail: fmt.Sprintf("the witness's %s does not check: %s", anchorName(s.Anchor), why)})
			continue
		}
		r.Anchors++
		against("the witness's "+anchorName(s.Anchor), s.Seq, s.Hash)
	}
	// The database's record: anchors it says were written must be in the
	// file, and the same.
	var lost []anchorRecord
	for _, rec := range ev.records {
		s, ok := byN[rec.N]
		if forged[rec.N] {
			continue
		}
		if !ok {
			lost = append(lost, rec)
			against(fmt.Sprintf("the database's record of anchor %d", rec.N), rec.Seq, rec.Hash)
			continue
		}
		if s.ID() != rec.ID {
			add(Fault{Kind: AnchorForged, Seq: s.Seq, Detail: fmt.Sprintf("anchor %d differs from the database's record of it", rec.N)})
		}
	}
	if len(lost) > 0 {
		first, last := lost[0], lost[len(lost)-1]
		where := "the anchor file " + ev.a.File() + " lacks them: anchor lines were removed"
		if !ev.file {
			where = "the anchor file " + ev.a.File() + " does not exist: it was deleted or moved"
		}
		add(Fault{Kind: AnchorsLost, Seq: first.Seq, Detail: fmt.Sprintf("the database records %d anchor(s) written (%d to %d) that are not in the file; %s",
			len(lost), first.N, last.N, where)})
	}
	if maxSeq > r.HeadSeq {
		add(Fault{Kind: Truncated, Seq: r.HeadSeq + 1, To: maxSeq,
			Detail: fmt.Sprintf("an anchor names seq %d but the log ends at seq %d: the tail was removed", maxSeq, r.HeadSeq)})
	}
	sort.SliceStable(r.Faults, func(i, j int) bool { return faultOrder(r.Faults[i]) < faultOrder(r.Faults[j]) })
}

// faultOrder puts faults of the chain's events first, by seq, then the
// anchors' faults.
func faultOrder(f Fault) int64 {
	switch f.Kind {
	case Altered, BrokenLink, Missing:
		return f.Seq
	}
	return 1<<62 + f.Seq
}

func anchorName(a Anchor) string {
	if a.Version == AnchorVersion {
		return fmt.Sprintf("anchor %d", a.N)
	}
	return fmt.Sprintf("the version 1 anchor at seq %d", a.Seq)
}
