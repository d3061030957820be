package audit

import (
	"bytes"
	"context"
	"fmt"
	"sort"
)

// Witness keeps a copy of each anchor where this service cannot rewrite it.
type Witness interface {
	// Put stores body under name once; a second Put of the same name fails.
	Put(ctx context.Context, name string, body []byte) error
	// List returns every stored object whose name starts with prefix.
	List(ctx context.Context, prefix string) (map[string][]byte, error)
}

// publish puts a just-written anchor to the witness. After a failure (or
// at the first anchor of the process) it lists what the witness holds and
// puts every local anchor that is missing there, so that nothing written
// while the witness was unreachable stays unpublished.
func (a *Anchors) publish(ctx context.Context, instance string, an Anchor, line []byte) error {
	w := a.cfg.Witness
	if w == nil {
		return nil
	}
	a.pubMu.Lock()
	defer a.pubMu.Unlock()
	if !a.unpublished {
		if err := w.Put(ctx, WitnessName(instance, an.N), bytes.TrimSpace(line)); err == nil {
			return nil
		}
		a.unpublished = true
	}
	if err := a.catchUp(ctx, instance); err != nil {
		return fmt.Errorf("%w: %w", ErrWitness, err)
	}
	a.unpublished = false
	return nil
}

// catchUp puts every anchor of instance that the witness lacks.
func (a *Anchors) catchUp(ctx context.Context, instance string) error {
	have, err := a.cfg.Witness.List(ctx, instance+"/")
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	all, _, err := a.read()
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.Bad || s.Version != AnchorVersion || s.Log != instance {
			continue
		}
		name := WitnessName(instance, s.N)
		if _, ok := have[name]; ok {
			continue
		}
		if err := a.cfg.Witness.Put(ctx, name, []byte(s.Line)); err != nil {
			return fmt.Errorf("put %s: %w", name, err)
		}
	}
	return nil
}

// witnessDiff compares the local anchors of instance with the witness's
// copies: faults for each one missing, extra or different, and the extra
// ones (which Verify then checks against the chain, since they are
// evidence of anchor lines removed from the local file).
func (a *Anchors) witnessDiff(ctx context.Context, instance string, local []storedAnchor) (faults []Fault, extra []storedAnchor, objects int, err error) {
	have, err := a.cfg.Witness.List(ctx, instance+"/")
	if err != nil {
		return nil, nil, 0, fmt.Errorf("read the audit witness: %w", err)
	}
	seen := map[string]bool{}
	for _, s := range local {
		if s.Bad || s.Version != AnchorVersion || s.Log != instance {
			continue
		}
		name := WitnessName(instance, s.N)
		seen[name] = true
		body, ok := have[name]
		switch {
		case !ok:
			faults = append(faults, Fault{Kind: WitnessMissing, Seq: s.Seq,
				Detail: fmt.Sprintf("anchor %d is not in the witness (not published yet, or removed there)", s.N)})
		case string(bytes.TrimSpace(body)) != s.Line:
			faults = append(faults, Fault{Kind: WitnessDiffers, Seq: s.Seq,
				Detail: fmt.Sprintf("anchor %d in the anchor file differs from the witness's copy: one of them was rewritten", s.N)})
		}
	}
	names := make([]string, 0, len(have))
	for name := range have {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if seen[name] {
			continue
		}
		sa := parseAnchorLine(string(bytes.TrimSpace(have[name])), 0)
		faults = append(faults, Fault{Kind: WitnessExtra, Seq: sa.Seq,
			Detail: fmt.Sprintf("the witness holds %s, which the anchor file lacks: anchor lines were removed", name)})
		if !sa.Bad {
			extra = append(extra, sa)
		}
	}
	return faults, extra, len(have), nil
}
