package change

import (
	"context"
	"errors"
	"time"

	"rolegate/audit"
)

// goneReason is the stored reason of a request whose cluster AWS reported
// as not found, naming the call that found out.
func goneReason(r *Request, call string) string {
	what := "nothing was sent"
	switch {
	case r.State == Applied:
		what = "AWS had accepted the change before the cluster was deleted"
	case call == "ModifyClusterIamRoles":
		what = "the change was not applied"
	case r.State == Applying && r.Phase == PhaseCalling:
		what = "whatever the last call did, the cluster is gone"
	}
	return "AWS answered " + call + " with ClusterNotFound: the cluster " + r.Cluster + " no longer exists in " + r.Region + "; " + what
}

// gone ends the request as ClusterGone: AWS answered ClusterNotFound, which
// is definitive. The event keeps the AWS request ID of that answer, and so
// does the request, for its page. attempted names what was being done
// (approve, apply, reconcile, follow).
func (s *Service) gone(ctx context.Context, r *Request, actor audit.Actor, origin audit.Origin, call, awsID, attempted string) error {
	reason := goneReason(r, call)
	from := r.State
	return s.transition(ctx, r, func(cur *Request) {
		cur.State, cur.Phase, cur.NextAt, cur.StateReason, cur.AWSRequestID = ClusterGone, PhaseNone, time.Time{}, reason, awsID
	}, audit.Event{
		Actor: actor, Origin: origin, Action: audit.ChangeClusterGone, Outcome: audit.Failure,
		AWSRequestID: awsID, ErrorCode: "ClusterNotFound", ErrorMessage: reason,
		Params: audit.Params(map[string]any{"call": call, "attempted": attempted, "state_before": from, "attempts": r.Attempts, "change_hash": r.Hash}),
	})
}

// goneRefusal closes a pending request whose cluster AWS no longer knows,
// on behalf of the person who tried to decide on it, and returns the
// refusal they see on the request page.
func (s *Service) goneRefusal(ctx context.Context, r *Request, actor Actor, origin audit.Origin, awsID, attempted string) error {
	err := s.gone(ctx, r, actor.audit(), origin, "DescribeClusters", awsID, attempted)
	if errors.Is(err, ErrConflict) {
		return refuse(ErrConflict, "the request moved on while the cluster was being checked; reload it")
	}
	if err != nil {
		return err
	}
	return refuse(ErrConflict, "%s. The request is closed as cluster gone.", r.StateReason)
}
