package change

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/audit"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
)

// Run is the apply worker. It settles what a previous process left
// unfinished, then works on pokes (an approval) and on every tick, until
// ctx ends. Run one worker per database: its steps run one at a time, so a
// request in the calling phase at the start of a step was left by a crash.
func (s *Service) Run(ctx context.Context, tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.o.Logger.Error("apply worker step", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
	}
}

// Step does all the work that is due now: expiring pending requests,
// applying approved ones, retrying those waiting for their cluster,
// reconciling calls a crash interrupted, and following applied changes
// until their roles are in-sync.
func (s *Service) Step(ctx context.Context) error {
	now := s.now()
	var errs []error
	expired, err := expiredIDs(ctx, s.o.DB.Reader(), now)
	if err != nil {
		return err
	}
	for _, id := range expired {
		r, err := s.Get(ctx, id)
		if err == nil {
			err = s.expire(ctx, r)
		}
		if err != nil && !errors.Is(err, ErrConflict) {
			errs = append(errs, err)
		}
	}
	due, err := dueIDs(ctx, s.o.DB.Reader(), now)
	if err != nil {
		return err
	}
	var reqs []*Request
	for _, id := range due {
		r, err := s.Get(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		reqs = append(reqs, r)
	}
	// Requests made on their own are worked on one at a time, as always;
	// the members of bulk requests, each on its own cluster, BulkConcurrency
	// at once. The step waits for all of them, so that a request found in
	// the calling phase at the start of a step was still left by a crash.
	single, members := bulkDue(reqs)
	for _, r := range single {
		if ctx.Err() != nil {
			break
		}
		if err := s.work(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	late := make([]error, len(members))
	s.fanOut(ctx, len(members), func(ctx context.Context, i int) {
		late[i] = s.work(ctx, members[i])
	})
	errs = append(errs, late...)
	return errors.Join(errs...)
}

// work takes the request's next step: apply it, retry it, settle a call
// a crash interrupted, or follow it until in-sync.
func (s *Service) work(ctx context.Context, r *Request) error {
	var err error
	switch {
	case r.State == Approved, r.State == Applying && r.Phase == PhaseWaiting:
		err = s.attempt(ctx, r)
	case r.State == Applying:
		err = s.reconcile(ctx, r, nil)
	case r.State == Applied:
		err = s.follow(ctx, r)
	}
	if err != nil && !errors.Is(err, ErrConflict) {
		return fmt.Errorf("change request %d: %w", r.ID, err)
	}
	return nil
}

func (s *Service) backoff(attempts int) time.Duration {
	d := s.o.Backoff
	for i := 1; i < attempts && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.o.MaxBackoff)
}

// transition changes the request in one transaction with its audit event;
// it fails with ErrConflict when someone else changed the request first.
func (s *Service) transition(ctx context.Context, r *Request, change func(cur *Request), ev audit.Event) error {
	return s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadRequest(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.Version != r.Version {
			return fmt.Errorf("change request %d moved on: %w", r.ID, ErrConflict)
		}
		change(cur)
		cur.UpdatedAt = s.now()
		if err := update(ctx, tx, cur); err != nil {
			return err
		}
		ev.Target = audit.Target{Account: cur.Account, Region: cur.Region, Cluster: cur.Cluster, ChangeID: cur.ID}
		// Every event of the apply names the session the change is made
		// in, so that each can be matched with the account's CloudTrail.
		ev.Params = withSession(ev.Params, s.o.Redshift.Session(cur.Account, cur.DeciderUsername))
		if ev.Actor.Username == "" {
			ev.Actor = audit.System
		}
		if err := s.record(ctx, tx, cur, ev); err != nil {
			return err
		}
		*r = *cur
		return nil
	})
}

// attempt sends ModifyClusterIamRoles for an approved request, or retries
// one that waits for its cluster.
func (s *Service) attempt(ctx context.Context, r *Request) error {
	if r.ComputeHash() != r.Hash || r.ValidApprovals() < r.ApprovalsRequired {
		return s.fail(ctx, r, r.Attempts, "approvals", "the approvals do not cover this exact change (hash or count mismatch); nothing was sent", nil, "")
	}
	c, reqID, err := s.describe(ctx, r.Account, r.Region, r.Cluster)
	if errors.Is(err, ErrClusterGone) {
		return s.gone(ctx, r, audit.System, audit.Origin{}, "DescribeClusters", reqID, "apply")
	}
	if errors.Is(err, ErrNotFound) {
		return s.fail(ctx, r, r.Attempts, "ClusterNotFound", "the cluster could not be found in its region; nothing was sent", nil, reqID)
	}
	if err != nil {
		return s.wait(ctx, r, held("DescribeClusters", "could not read the cluster before applying ("+shortError(err)+")", reqID), nil)
	}
	live := s.liveAt(r.Account, r.Region, c)
	if drift := live.DriftFrom(r); len(drift) > 0 {
		return s.markStale(ctx, audit.System, audit.Origin{}, r, drift, c, reqID)
	}
	if !live.Modifiable() {
		return s.wait(ctx, r, held("ClusterBusy", fmt.Sprintf("the cluster is not ready (status %s, availability %s, roles in-sync: %t)", live.Status, orNone(live.Availability), live.AllInSync()), reqID), c)
	}
	in := &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String(r.Cluster)}
	if len(r.Add) > 0 {
		in.AddIamRoles = r.Add
	}
	if len(r.Remove) > 0 {
		in.RemoveIamRoles = r.Remove
	}
	if r.Default != "" {
		in.DefaultIamRoleArn = aws.String(r.Default)
	}
	// The intent is on disk, with the cluster as it was, before the call
	// can leave: a crash from here on is settled by reconcile.
	attempt := r.Attempts + 1
	err = s.transition(ctx, r, func(cur *Request) {
		cur.State, cur.Phase, cur.Attempts, cur.NextAt, cur.StateReason = Applying, PhaseCalling, attempt, time.Time{}, ""
	}, audit.Event{
		Action: audit.ApplyStarted, Outcome: audit.Unknown, AWSRequestID: reqID, Snapshot: inventory.SnapshotJSON(c),
		Params: audit.Params(map[string]any{"attempt": attempt, "max_attempts": s.o.MaxAttempts, "change_hash": r.Hash,
			"add": r.Add, "remove": r.Remove, "default": r.Default}),
	})
	if err != nil {
		return err
	}
	callCtx, cancel := context.WithTimeout(ctx, s.o.CallTimeout)
	// Made as the approver whose approval completed the request.
	out, sess, awsID, err := s.o.Redshift.ModifyClusterIamRoles(callCtx, r.Account, r.Region, r.DeciderUsername, in)
	cancel()
	if err == nil {
		return s.applied(ctx, r, audit.ApplySucceeded, out, awsID, sessionParams(sess, map[string]any{"attempt": attempt}))
	}
	kind, o := classify(err, awsID)
	switch kind {
	case refusedForNow:
		return s.wait(ctx, r, o, nil)
	case refused:
		return s.fail(ctx, r, r.Attempts, o.code, o.final(), nil, awsID)
	case clusterGone:
		return s.gone(ctx, r, audit.System, audit.Origin{}, "ModifyClusterIamRoles", awsID, "apply")
	default:
		if ctx.Err() != nil {
			// Shutting down: leave the calling phase for reconcile.
			return ctx.Err()
		}
		err := s.transition(ctx, r, func(cur *Request) { cur.NextAt = time.Time{} }, audit.Event{
			Action: o.action, Outcome: audit.Unknown, AWSRequestID: awsID, ErrorCode: o.code,
			ErrorMessage: o.cause + "; Rolegate reads the cluster to see whether the change was applied",
			Params:       audit.Params(sessionParams(sess, map[string]any{"attempt": attempt})),
		})
		if err != nil {
			return err
		}
		return s.reconcile(ctx, r, &o)
	}
}

// applied records that AWS accepted the change, with the Cluster it
// returned, and starts following the roles.
func (s *Service) applied(ctx context.Context, r *Request, action audit.Action, c *types.Cluster, awsID string, params map[string]any) error {
	err := s.transition(ctx, r, func(cur *Request) {
		cur.State, cur.Phase, cur.NextAt, cur.AWSRequestID, cur.StateReason = Applied, PhaseFollowing, s.now(), awsID, ""
	}, audit.Event{
		Action: action, Outcome: audit.Success, AWSRequestID: awsID, Snapshot: inventory.SnapshotJSON(c), Params: audit.Params(params),
	})
	if err != nil {
		return err
	}
	s.poke()
	return nil
}

// wait puts the request back to wait for its cluster, or fails it when the
// attempts are used up. The event, the stored reason and the attempt count
// all come from o.
func (s *Service) wait(ctx context.Context, r *Request, o attemptOutcome, c *types.Cluster) error {
	attempts := r.Attempts
	if r.State != Applying || r.Phase != PhaseCalling {
		attempts++ // an attempt that was not claimed for a call counts now
	}
	if attempts >= s.o.MaxAttempts {
		return s.fail(ctx, r, attempts, o.code, o.exhausted(attempts), c, o.awsID)
	}
	next := s.now().Add(s.backoff(attempts))
	msg := o.retrying(attempts, s.o.MaxAttempts, next)
	return s.transition(ctx, r, func(cur *Request) {
		cur.State, cur.Phase, cur.Attempts, cur.NextAt, cur.StateReason = Applying, PhaseWaiting, attempts, next, msg
	}, audit.Event{
		Action: o.action, Outcome: audit.Failure, AWSRequestID: o.awsID, ErrorCode: o.code, ErrorMessage: msg, Snapshot: inventory.SnapshotJSON(c),
		Params: audit.Params(map[string]any{"attempt": attempts, "max_attempts": s.o.MaxAttempts, "sent": o.sent, "next_attempt_at": store.FormatTime(next)}),
	})
}

// fail ends the request as failed after attempts attempts, with msg as
// both its stored reason and the event's message.
func (s *Service) fail(ctx context.Context, r *Request, attempts int, code, msg string, c *types.Cluster, awsID string) error {
	return s.transition(ctx, r, func(cur *Request) {
		cur.State, cur.Phase, cur.NextAt, cur.Attempts, cur.StateReason = Failed, PhaseNone, time.Time{}, attempts, msg
	}, audit.Event{
		Action: audit.ApplyFailed, Outcome: audit.Failure, AWSRequestID: awsID, ErrorCode: code, ErrorMessage: msg, Snapshot: inventory.SnapshotJSON(c),
		Params: audit.Params(map[string]any{"attempts": attempts, "max_attempts": s.o.MaxAttempts}),
	})
}

// reconcile settles a call whose outcome is unknown by reading the
// cluster: the change is there (applied), the cluster is still busy (read
// again later), someone else changed it (stale), or it is not there. A call
// lost in this process (prior: a timeout, a 5xx) is then retried like a
// refused one, within the attempt limit; a call interrupted by a crash
// (prior nil) is re-issued once, and a second miss fails the request for an
// operator to look at.
func (s *Service) reconcile(ctx context.Context, r *Request, prior *attemptOutcome) error {
	c, reqID, err := s.describe(ctx, r.Account, r.Region, r.Cluster)
	if errors.Is(err, ErrClusterGone) {
		return s.gone(ctx, r, audit.System, audit.Origin{}, "DescribeClusters", reqID, "reconcile")
	}
	if errors.Is(err, ErrNotFound) {
		return s.fail(ctx, r, r.Attempts, "ClusterNotFound", "the cluster could not be found in its region", nil, reqID)
	}
	if err != nil {
		next := s.now().Add(s.backoff(1))
		return s.transition(ctx, r, func(cur *Request) { cur.NextAt = next }, audit.Event{
			Action: audit.ApplyReconciled, Outcome: audit.Unknown, ErrorMessage: "could not read the cluster: " + shortError(err),
			Params: audit.Params(map[string]any{"result": "retry reading the cluster", "next_at": store.FormatTime(next)}),
		})
	}
	live := s.liveAt(r.Account, r.Region, c)
	switch {
	case live.Satisfies(r):
		return s.applied(ctx, r, audit.ApplyReconciled, c, reqID, map[string]any{"result": "applied", "attempt": r.Attempts})
	case len(live.DriftFrom(r)) > 0:
		return s.markStale(ctx, audit.System, audit.Origin{}, r, live.DriftFrom(r), c, reqID)
	case !live.Modifiable():
		next := s.now().Add(s.backoff(1))
		return s.transition(ctx, r, func(cur *Request) { cur.NextAt = next }, audit.Event{
			Action: audit.ApplyReconciled, Outcome: audit.Unknown, AWSRequestID: reqID, Snapshot: inventory.SnapshotJSON(c),
			Params: audit.Params(map[string]any{"result": "cluster busy; reading it again later", "next_at": store.FormatTime(next)}),
		})
	case prior != nil:
		return s.wait(ctx, r, prior.notApplied(reqID), c)
	case !r.Reissued:
		return s.transition(ctx, r, func(cur *Request) {
			cur.Phase, cur.NextAt, cur.Reissued, cur.StateReason = PhaseWaiting, time.Time{}, true, "the change is not on the cluster after a call a restart interrupted; sending it once more"
		}, audit.Event{
			Action: audit.ApplyReconciled, Outcome: audit.Failure, AWSRequestID: reqID, Snapshot: inventory.SnapshotJSON(c),
			Params: audit.Params(map[string]any{"result": "not applied; re-issuing once"}),
		})
	default:
		return s.fail(ctx, r, r.Attempts, "NotApplied", "the change is not on the cluster after it was re-issued once; an operator should look at the cluster", c, reqID)
	}
}

// follow polls an applied change until every role is in-sync, then records
// the final Cluster.
func (s *Service) follow(ctx context.Context, r *Request) error {
	c, reqID, err := s.describe(ctx, r.Account, r.Region, r.Cluster)
	if errors.Is(err, ErrClusterGone) {
		return s.gone(ctx, r, audit.System, audit.Origin{}, "DescribeClusters", reqID, "follow")
	}
	if err != nil {
		next := s.now().Add(s.o.FollowEvery)
		return s.quietly(ctx, r, func(cur *Request) { cur.NextAt = next })
	}
	live := s.liveAt(r.Account, r.Region, c)
	if !live.Settled(r) {
		next := s.now().Add(s.o.FollowEvery)
		return s.quietly(ctx, r, func(cur *Request) { cur.NextAt = next })
	}
	return s.transition(ctx, r, func(cur *Request) {
		cur.State, cur.Phase, cur.NextAt, cur.StateReason = InSync, PhaseNone, time.Time{}, ""
	}, audit.Event{
		Action: audit.ApplyInSync, Outcome: audit.Success, AWSRequestID: reqID, Snapshot: inventory.SnapshotJSON(c),
		Params: audit.Params(map[string]any{"roles": live.ARNs(), "default": live.Default}),
	})
}

// quietly changes only scheduling fields, which need no audit event.
func (s *Service) quietly(ctx context.Context, r *Request, change func(cur *Request)) error {
	return s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		cur, err := loadRequest(ctx, tx, r.ID)
		if err != nil {
			return err
		}
		if cur.Version != r.Version {
			return fmt.Errorf("change request %d moved on: %w", r.ID, ErrConflict)
		}
		change(cur)
		if err := update(ctx, tx, cur); err != nil {
			return err
		}
		*r = *cur
		return nil
	})
}

// withSession adds the session's fields to params (a JSON object) where
// they are not set yet: an event that names the session STS reported
// keeps it.
func withSession(params json.RawMessage, sess inventory.Session) json.RawMessage {
	if sess.AssumedRoleARN == "" {
		return params
	}
	p := map[string]any{}
	if len(params) > 0 {
		d := json.NewDecoder(bytes.NewReader(params))
		d.UseNumber()
		if err := d.Decode(&p); err != nil {
			return params
		}
	}
	for k, v := range sessionParams(sess, map[string]any{}) {
		if _, set := p[k]; !set {
			p[k] = v
		}
	}
	return audit.Params(p)
}

// sessionParams adds to p who the change was made as in its account: the
// assumed-role session's ARN and name, and its source identity. A change
// made with Rolegate's own credentials adds nothing.
func sessionParams(sess inventory.Session, p map[string]any) map[string]any {
	if sess.AssumedRoleARN != "" {
		p["assumed_role_arn"] = sess.AssumedRoleARN
		p["role_session_name"] = sess.SessionName
		p["source_identity"] = sess.SourceIdentity
	}
	return p
}
