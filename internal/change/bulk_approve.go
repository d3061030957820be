package change

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"rolegate/audit"
)

// BulkActions are the answers for every action a person can take on a
// bulk request.
type BulkActions struct {
	Approve  Permission
	Reject   Permission
	Cancel   Permission
	Resubmit Permission
}

// BulkPermissions says which actions actor may take on b, whose member
// requests are members: the rules of one request (role, separation of
// duties, one approval per person) over the whole set.
func BulkPermissions(actor Actor, b *Bulk, members []*Request) BulkActions {
	mine := actor.ID != 0 && actor.ID == b.RequesterID
	open := Permission{}
	if b.State != BulkPending {
		open = Permission{Why: "the bulk request is " + b.State.Label() + ", not pending"}
	}
	approvedByMe := false
	for _, r := range members {
		if r.State == Pending && r.ApprovedBy(actor.ID) {
			approvedByMe = true
		}
	}
	var a BulkActions
	switch {
	case !actor.Role.CanApprove():
		a.Approve = forbidden("your role cannot approve changes")
	case mine:
		a.Approve = forbidden("you cannot approve your own request")
	case !open.OK():
		a.Approve = open
	case approvedByMe:
		a.Approve = Permission{Why: "you have already approved this set"}
	}
	switch {
	case !actor.Role.CanApprove():
		a.Reject = forbidden("your role cannot reject changes")
	case mine:
		a.Reject = forbidden("you cannot decide on your own request")
	default:
		a.Reject = open
	}
	switch {
	case !mine:
		a.Cancel = forbidden("only the requester can cancel the set")
	case !actor.Role.CanRequest():
		a.Cancel = forbidden("your role cannot request changes")
	default:
		a.Cancel = open
	}
	switch {
	case !mine:
		a.Resubmit = forbidden("only the requester can resubmit the set")
	case !actor.Role.CanRequest():
		a.Resubmit = forbidden("your role cannot request changes")
	case len(b.leftOver(members)) == 0:
		a.Resubmit = Permission{Why: "only a stale set, or the clusters of an applied set that did not get through, can be resubmitted"}
	}
	return a
}

// enforceBulk refuses what BulkPermissions does not allow; a forbidden
// action is recorded as an access denial.
func (s *Service) enforceBulk(ctx context.Context, actor Actor, origin audit.Origin, b *Bulk, what string, p Permission) error {
	if p.OK() {
		return nil
	}
	if p.Forbidden {
		_, err := s.o.Audit.Record(ctx, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.AccessDenied, Outcome: audit.Failure,
			Params: audit.Params(map[string]any{"attempted": what + " bulk request", "bulk_id": b.ID, "reason": p.Why}),
		})
		if err != nil {
			s.o.Logger.Error("recording an access denial", "err", err)
		}
	}
	return p.refusal()
}

// pendingMembers are the member requests still waiting for a decision.
func pendingMembers(members []*Request) []*Request {
	var out []*Request
	for _, r := range members {
		if r.State == Pending {
			out = append(out, r)
		}
	}
	return out
}

// ApproveBulk approves the whole set bound to the bulk hash the approver
// reviewed. Every pending member is checked as one approval would be
// (readyToApprove: its own hash, its cluster now, the role checks); a
// member whose cluster changed is marked stale and blocks the approval,
// naming its cluster, and the set turns stale for its requester to
// resubmit. Otherwise every member's approval is recorded in one
// transaction, through approveIn.
func (s *Service) ApproveBulk(ctx context.Context, actor Actor, origin audit.Origin, id int64, hash, comment string) (*Bulk, error) {
	b, members, err := s.bulkWithMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.enforceBulk(ctx, actor, origin, b, "approve", BulkPermissions(actor, b, members).Approve); err != nil {
		return nil, err
	}
	if hash != b.Hash {
		return nil, refuse(ErrConflict, "the bulk request is not the one you reviewed (its hash differs); reload it and review it again")
	}
	if b.ComputeHash() != b.Hash {
		return nil, fmt.Errorf("bulk request %d: stored hash does not match its members: %w", b.ID, ErrConflict)
	}
	if len(comment) > MaxReasonLen {
		return nil, &ValidationError{Fields: FieldErrors{FieldApproveComment: fmt.Sprintf("keep the comment under %d characters", MaxReasonLen)}}
	}
	// Each member request must be the one the set's hash covers.
	frozen := map[int64]string{}
	for _, m := range b.Members {
		frozen[m.ChangeID] = m.ChangeHash
	}
	for _, r := range members {
		if h, ok := frozen[r.ID]; !ok || h != r.Hash {
			return nil, fmt.Errorf("bulk request %d: member request %d is not the one its hash covers: %w", b.ID, r.ID, ErrConflict)
		}
	}
	pending := pendingMembers(members)
	if len(pending) == 0 {
		return nil, refuse(ErrConflict, "no member of the set is waiting for approval any more; reload it")
	}
	readies := make([]*approval, len(pending))
	fails := make([]error, len(pending))
	roles := s.sharedRoleChecks()
	s.fanOut(ctx, len(pending), func(ctx context.Context, i int) {
		r := pending[i]
		readies[i], fails[i] = s.readyToApprove(ctx, actor, origin, r, permissions(actor, r, s.now()).Approve, r.Hash, comment, roles)
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	stale, err := s.staleNoOps(ctx, b)
	if err != nil {
		return nil, err
	}
	for i, err := range fails {
		var ref *Refusal
		switch {
		case err == nil:
		case errors.Is(err, ErrStale) && errors.As(err, &ref):
			stale = append(stale, pending[i].Cluster+" ("+pending[i].Region+")")
		case errors.As(err, &ref):
			return nil, refuse(ref.Kind, "%s (%s): %s", pending[i].Cluster, pending[i].Region, ref.Message)
		default:
			return nil, fmt.Errorf("cluster %s in %s: %w", pending[i].Cluster, pending[i].Region, err)
		}
	}
	if len(stale) > 0 {
		why := "the cluster changed since the set was submitted: " + strings.Join(stale, ", ")
		if err := s.markBulkStale(ctx, actor, origin, b, why); err != nil {
			return nil, err
		}
		return nil, refuse(ErrStale, "%s; the set is now stale and cannot be approved as it is. Its requester can resubmit the set against the clusters as they are now", why)
	}
	var approved int
	err = s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadBulk(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if cur.Version != b.Version || cur.State != BulkPending {
			return refuse(ErrConflict, "the bulk request changed while you were approving it; reload it")
		}
		var got int
		for _, a := range readies {
			r, err := s.approveIn(ctx, tx, actor, origin, a, comment)
			if err != nil {
				return err
			}
			got = r.ValidApprovals()
			if r.State == Approved {
				approved++
			}
		}
		now := s.now()
		cur.UpdatedAt = now
		if approved == len(readies) {
			cur.State, cur.DecidedAt, cur.DeciderUsername, cur.DecisionComment = BulkApproved, now, actor.Username, strings.TrimSpace(comment)
		}
		if err := updateBulk(ctx, tx, cur); err != nil {
			return err
		}
		b = cur
		return s.recordBulk(ctx, tx, cur, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.BulkApproved, Outcome: audit.Success,
			Params: bulkParams(cur, map[string]any{"comment": strings.TrimSpace(comment), "approvals": got, "members_approved": approved}),
		})
	})
	if err != nil {
		return nil, err
	}
	if approved > 0 {
		s.poke()
	}
	return b, nil
}

// staleNoOps names the no-op members whose clusters changed since the
// set was submitted: nothing would be sent to them, but the set would no
// longer leave them as the approver reviewed it.
func (s *Service) staleNoOps(ctx context.Context, b *Bulk) ([]string, error) {
	var noop []Member
	for _, m := range b.Members {
		if m.Outcome == MemberNoOp {
			noop = append(noop, m)
		}
	}
	changed := make([]bool, len(noop))
	fails := make([]error, len(noop))
	s.fanOut(ctx, len(noop), func(ctx context.Context, i int) {
		m := noop[i]
		c, _, err := s.describe(ctx, m.Account, m.Region, m.Cluster)
		if errors.Is(err, ErrNotFound) {
			changed[i] = true
			return
		}
		if err != nil {
			fails[i] = err
			return
		}
		changed[i] = len(s.liveAt(m.Account, m.Region, c).DriftFrom(&Request{BaseRoles: m.BaseRoles, BaseDefault: m.BaseDefault})) > 0
	})
	if err := errors.Join(fails...); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []string
	for i, m := range noop {
		if changed[i] {
			out = append(out, m.Name())
		}
	}
	return out, nil
}

// markBulkStale records that a member of the pending set went stale.
func (s *Service) markBulkStale(ctx context.Context, actor Actor, origin audit.Origin, b *Bulk, why string) error {
	return s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadBulk(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if cur.State != BulkPending {
			return nil
		}
		cur.State, cur.StateReason, cur.UpdatedAt = BulkStale, why, s.now()
		if err := updateBulk(ctx, tx, cur); err != nil {
			return err
		}
		return s.recordBulk(ctx, tx, cur, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: audit.BulkStale, Outcome: audit.Success,
			Params: audit.Params(map[string]any{"bulk_id": cur.ID, "bulk_hash": cur.Hash, "reason": why}),
		})
	})
}

// RejectBulk closes every pending member of the set as rejected, in one
// transaction; the comment is required.
func (s *Service) RejectBulk(ctx context.Context, actor Actor, origin audit.Origin, id int64, comment string) (*Bulk, error) {
	b, members, err := s.bulkWithMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	may := BulkPermissions(actor, b, members).Reject
	if may.Forbidden {
		return nil, s.enforceBulk(ctx, actor, origin, b, "reject", may)
	}
	comment = strings.TrimSpace(comment)
	switch {
	case comment == "":
		return nil, &ValidationError{Fields: FieldErrors{FieldRejectComment: "say why the set is rejected"}}
	case len(comment) > MaxReasonLen:
		return nil, &ValidationError{Fields: FieldErrors{FieldRejectComment: fmt.Sprintf("keep the comment under %d characters", MaxReasonLen)}}
	}
	if err := s.enforceBulk(ctx, actor, origin, b, "reject", may); err != nil {
		return nil, err
	}
	return s.closeBulk(ctx, actor, origin, b, members, BulkRejected, Rejected, comment, audit.BulkRejected, audit.ChangeRejected)
}

// CancelBulk withdraws the requester's own pending set: every pending
// member is cancelled, in one transaction.
func (s *Service) CancelBulk(ctx context.Context, actor Actor, origin audit.Origin, id int64) (*Bulk, error) {
	b, members, err := s.bulkWithMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.enforceBulk(ctx, actor, origin, b, "cancel", BulkPermissions(actor, b, members).Cancel); err != nil {
		return nil, err
	}
	return s.closeBulk(ctx, actor, origin, b, members, BulkCancelled, Cancelled, "", audit.BulkCancelled, audit.ChangeCancelled)
}

// closeBulk ends a pending set as to, closing every pending member as
// member, with the set's event and each member's own.
func (s *Service) closeBulk(ctx context.Context, actor Actor, origin audit.Origin, b *Bulk, members []*Request, to BulkState, member State, comment string, action, memberAction audit.Action) (*Bulk, error) {
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadBulk(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if cur.Version != b.Version || cur.State != BulkPending {
			return refuse(ErrConflict, "the bulk request changed meanwhile; reload it")
		}
		for _, r := range pendingMembers(members) {
			if _, err := s.closeIn(ctx, tx, actor, origin, r.ID, member, comment, memberAction, map[string]any{"bulk_id": cur.ID}, Pending); err != nil {
				return err
			}
		}
		now := s.now()
		cur.State, cur.UpdatedAt, cur.DecidedAt, cur.DeciderUsername, cur.DecisionComment = to, now, now, actor.Username, comment
		if err := updateBulk(ctx, tx, cur); err != nil {
			return err
		}
		b = cur
		return s.recordBulk(ctx, tx, cur, audit.Event{
			Actor: actor.audit(), Origin: origin, Action: action, Outcome: audit.Success,
			Params: bulkParams(cur, map[string]any{"comment": comment}),
		})
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// ResubmitBulk makes a new bulk request from a stale one (over the same
// clusters), or from an applied one whose apply is over (over the clusters
// whose change did not get through): the same delta, planned against each
// cluster as AWS reports it now. The members it replaces are superseded.
func (s *Service) ResubmitBulk(ctx context.Context, actor Actor, origin audit.Origin, id int64) (*Bulk, error) {
	b, members, err := s.bulkWithMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.enforceBulk(ctx, actor, origin, b, "resubmit", BulkPermissions(actor, b, members).Resubmit); err != nil {
		return nil, err
	}
	in := BulkInput{Add: strings.Join(b.Add, "\n"), Remove: strings.Join(b.Remove, "\n"), Default: b.Default, Reason: b.Reason, Ticket: b.Ticket}
	left := b.leftOver(members)
	targets := make([]Target, len(left))
	for i, m := range left {
		targets[i] = Target{Account: m.Account, Region: m.Region, Cluster: m.Cluster}
	}
	return s.createBulk(ctx, actor, origin, in, targets, b)
}

// bulkDue splits the requests due for the worker into those on their own,
// worked on one at a time as always, and members of bulk requests, which
// may be worked on BulkConcurrency at once. No two requests worked on at
// once share a cluster: a member whose cluster another due request (on its
// own, or of another set) also changes waits for the next step, where it
// is due again.
func bulkDue(due []*Request) (single, members []*Request) {
	busy := map[ClusterKey]bool{}
	for _, r := range due {
		if r.BulkID == 0 {
			single = append(single, r)
			busy[r.clusterKey()] = true
		}
	}
	for _, r := range due {
		if r.BulkID != 0 && !busy[r.clusterKey()] {
			members = append(members, r)
			busy[r.clusterKey()] = true
		}
	}
	return single, members
}

// clusterKey names the request's cluster as stored.
func (r *Request) clusterKey() ClusterKey {
	return ClusterKey{Account: r.Account, Region: r.Region, Cluster: r.Cluster}
}

// bulkWithMembers loads bulk request id and its member requests.
func (s *Service) bulkWithMembers(ctx context.Context, id int64) (*Bulk, []*Request, error) {
	b, err := s.GetBulk(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	members, err := s.BulkMembers(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return b, members, nil
}
