package drift

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"rolegate/audit"
	"rolegate/internal/inventory"
)

// ErrCommentRequired is returned by Accept without a comment.
var ErrCommentRequired = errors.New("a comment is required to accept a drift")

// Revert is the change that restores the last audited state.
type Revert struct {
	Add     []string
	Remove  []string
	Default string // "" leaves the default as it is
}

// RevertOf is the change undoing d.
func RevertOf(d *Drift) Revert {
	r := Revert{Add: d.Diff.Removed, Remove: d.Diff.Added}
	if d.Diff.DefaultChanged {
		r.Default = d.Diff.DefaultFrom
	}
	return r
}

// ProposeRevert records that actor opened the change form to revert the
// cluster's open drift, and returns the change to propose.
func (s *Service) ProposeRevert(ctx context.Context, actor audit.Actor, origin audit.Origin, k Key) (Revert, error) {
	d, err := s.Open(ctx, k)
	if err != nil {
		return Revert{}, err
	}
	rv := RevertOf(d)
	_, err = s.o.Audit.Record(ctx, audit.Event{
		Actor: actor, Origin: origin, Action: audit.DriftRevert, Outcome: audit.Success,
		Target: audit.Target{Account: k.Account, Region: k.Region, Cluster: k.Cluster},
		Params: audit.Params(map[string]any{"drift_id": d.ID, "detected_seq": d.DetectedSeq, "add": rv.Add, "remove": rv.Remove, "default": rv.Default}),
	})
	return rv, err
}

// Accept makes the cluster's live state, c as just read, its new baseline
// and closes its open drift, with actor's comment.
func (s *Service) Accept(ctx context.Context, actor audit.Actor, origin audit.Origin, k Key, c *inventory.Cluster, comment string) error {
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return ErrCommentRequired
	}
	d, err := s.Open(ctx, k)
	if err != nil {
		return err
	}
	live := liveState(c)
	return s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		ev, err := s.o.Audit.Append(ctx, tx, audit.Event{
			Actor: actor, Origin: origin, Action: audit.DriftAccepted, Outcome: audit.Success,
			Target:   audit.Target{Account: k.Account, Region: k.Region, Cluster: k.Cluster},
			Params:   audit.Params(map[string]any{"drift_id": d.ID, "detected_seq": d.DetectedSeq, "state": live, "difference": d.Diff, "comment": comment}),
			Snapshot: inventory.SnapshotJSON(c.API),
		})
		if err != nil {
			return err
		}
		if err := s.write(ctx, tx, step{key: k, base: &baseline{seq: ev.Seq, hash: live.Hash(), state: &live}}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE drifts SET resolved_seq = ?, resolved_at = ?, resolution = 'accepted' WHERE id = ? AND resolved_at IS NULL`,
			ev.Seq, ev.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), d.ID)
		if err != nil {
			return fmt.Errorf("close drift: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoDrift
		}
		return nil
	})
}
