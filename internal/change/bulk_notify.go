package change

import (
	"context"
	"database/sql"
	"fmt"

	"rolegate/audit"
)

// recordBulk appends ev, an event about bulk request b, to the audit log
// inside tx and queues the one notification of the set it causes (never
// one per member), with b's member requests as tx sees them.
func (s *Service) recordBulk(ctx context.Context, tx *sql.Tx, b *Bulk, ev audit.Event) error {
	ev, err := s.o.Audit.Append(ctx, tx, ev)
	if err != nil || s.o.Notifier == nil {
		return err
	}
	members, err := bulkMembers(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	return s.o.Notifier.NotifyBulk(ctx, tx, ev, b, members)
}

// finishBulk records, inside tx, that the approved bulk request id is
// over when the member event just recorded was the last thing that could
// happen to any member: bulk.finished, with how many members are in-sync
// and how many failed or stopped, told to its requester. Once every member
// is done no member takes another apply step, so this happens once.
func (s *Service) finishBulk(ctx context.Context, tx *sql.Tx, id int64) error {
	b, err := loadBulk(ctx, tx, id)
	if err != nil {
		return err
	}
	if b.State != BulkApproved {
		return nil
	}
	// Most member events leave others still moving: one indexed look says
	// so before every member and its approvals are read.
	var moving bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM change_requests WHERE bulk_id = ? AND state IN (?, ?, ?, ?))`,
		id, string(Pending), string(Approved), string(Applying), string(Applied)).Scan(&moving); err != nil {
		return fmt.Errorf("bulk request %d: members still moving: %w", id, err)
	}
	if moving {
		return nil
	}
	members, err := bulkMembers(ctx, tx, id)
	if err != nil {
		return err
	}
	p := b.Progress(members)
	if !p.Done {
		return nil
	}
	outcome := audit.Success
	if p.InSync < p.Changed {
		outcome = audit.Failure
	}
	return s.recordBulk(ctx, tx, b, audit.Event{
		Actor: audit.System, Action: audit.BulkFinished, Outcome: outcome,
		Params: audit.Params(map[string]any{
			"bulk_id": b.ID, "bulk_hash": b.Hash, "changed": p.Changed, "in_sync": p.InSync,
			"failed": p.Failed, "stopped": p.Closed, "overall": p.Overall,
		}),
	})
}
