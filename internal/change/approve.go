package change

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/audit"
	"rolegate/internal/iam"
	"rolegate/internal/inventory"
)

// Approve records the actor's approval of the hash they were shown. It
// refuses self-approval (whatever the role), a hash that no longer matches,
// and a cluster whose roles changed since the request (marking it stale).
// A member of a bulk request is approved only with its set (ApproveBulk).
func (s *Service) Approve(ctx context.Context, actor Actor, origin audit.Origin, id int64, hash, comment string) (*Request, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ready, err := s.readyToApprove(ctx, actor, origin, r, s.Allowed(actor, r).Approve, hash, comment, nil)
	if err != nil {
		return nil, err
	}
	err = s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		r, err = s.approveIn(ctx, tx, actor, origin, ready, comment)
		return err
	})
	if err != nil {
		return nil, err
	}
	if r.State == Approved {
		s.poke()
	}
	return r, nil
}

// approval is a request found ready to approve: the cluster as AWS
// reported it just now and the role checks, for the approval's event.
type approval struct {
	r       *Request
	hash    string
	cluster *types.Cluster
	awsID   string
	roles   *iam.Report
}

// readyToApprove runs every check of an approval that reads rather than
// writes: may (the actor's permission), the hash shown, the comment, the
// cluster now (a changed one marks the request stale and refuses with
// ErrStale) and the role checks, asked through check (see
// approvalRoleChecks).
func (s *Service) readyToApprove(ctx context.Context, actor Actor, origin audit.Origin, r *Request, may Permission, hash, comment string, check roleCheck) (*approval, error) {
	if err := s.enforce(ctx, actor, origin, r, "approve", may); err != nil {
		return nil, err
	}
	if hash != r.Hash {
		return nil, refuse(ErrConflict, "the request is not the one you reviewed (its change hash differs); reload it and review it again")
	}
	if r.ComputeHash() != r.Hash {
		return nil, fmt.Errorf("change request %d: stored hash does not match its content: %w", r.ID, ErrConflict)
	}
	if len(comment) > MaxReasonLen {
		return nil, &ValidationError{Fields: FieldErrors{FieldApproveComment: fmt.Sprintf("keep the comment under %d characters", MaxReasonLen)}}
	}
	c, reqID, err := s.describe(ctx, r.Account, r.Region, r.Cluster)
	if errors.Is(err, ErrClusterGone) {
		return nil, s.goneRefusal(ctx, r, actor, origin, reqID, "approve")
	}
	if err != nil {
		return nil, err
	}
	live := s.liveAt(r.Account, r.Region, c)
	if drift := live.DriftFrom(r); len(drift) > 0 {
		if err := s.markStale(ctx, actor.audit(), origin, r, drift, c, reqID); err != nil {
			return nil, err
		}
		return nil, refuse(ErrStale, "the cluster changed since the request was made (%s); the request is now stale and the requester can resubmit it", strings.Join(drift, "; "))
	}
	roles, err := s.approvalRoleChecks(ctx, actor, origin, r, check)
	if err != nil {
		return nil, err
	}
	return &approval{r: r, hash: hash, cluster: c, awsID: reqID, roles: roles}, nil
}

// approveIn records the approval inside tx, with its event; the request
// becomes approved when it has the approvals it needs. It refuses with
// ErrConflict a request that moved on since readyToApprove read it.
func (s *Service) approveIn(ctx context.Context, tx *sql.Tx, actor Actor, origin audit.Origin, a *approval, comment string) (*Request, error) {
	r, hash := a.r, a.hash
	cur, err := loadRequest(ctx, tx, r.ID)
	if err != nil {
		return nil, err
	}
	if cur.State != Pending || cur.Hash != hash || cur.Version != r.Version {
		return nil, refuse(ErrConflict, "the request changed while you were approving it; reload it")
	}
	if cur.ApprovedBy(actor.ID) {
		return nil, refuse(ErrConflict, "you have already approved this request")
	}
	now := s.now()
	ap := Approval{ApproverID: actor.ID, ApproverUsername: actor.Username, ApproverName: actor.Name, Hash: hash, Comment: strings.TrimSpace(comment), At: now}
	if err := putApproval(ctx, tx, cur.ID, ap); err != nil {
		return nil, err
	}
	cur.Approvals = append(cur.Approvals, ap)
	got := cur.ValidApprovals()
	cur.UpdatedAt = now
	if got >= cur.ApprovalsRequired {
		cur.State, cur.DecidedAt, cur.DeciderUsername, cur.DecisionComment = Approved, now, actor.Username, strings.TrimSpace(comment)
	}
	if err := update(ctx, tx, cur); err != nil {
		return nil, err
	}
	params := map[string]any{"change_hash": hash, "comment": strings.TrimSpace(comment), "approvals": got,
		"approvals_required": cur.ApprovalsRequired, "state": cur.State, "role_checks": a.roles}
	if cur.BulkID != 0 {
		params["bulk_id"] = cur.BulkID
	}
	err = s.record(ctx, tx, cur, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: audit.ChangeApproved, Outcome: audit.Success,
		Target: audit.Target{Account: cur.Account, Region: cur.Region, Cluster: cur.Cluster, ChangeID: cur.ID}, AWSRequestID: a.awsID,
		Params: audit.Params(params), Snapshot: inventory.SnapshotJSON(a.cluster),
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}
