package change

import (
	"fmt"
	"strconv"
	"time"

	"rolegate/audit"
)

// attemptOutcome is what one attempt at applying a change found: whether
// ModifyClusterIamRoles went out, what came back, and the AWS request ID.
// It is the one source of the words Rolegate uses for an attempt: the
// audit event's action and error message, the request's stored reason
// (which its page shows) and the attempt number all come from it, so that
// they cannot tell different stories.
type attemptOutcome struct {
	// action records the attempt while more attempts follow.
	action audit.Action
	// sent: ModifyClusterIamRoles left in this attempt.
	sent bool
	// code is the AWS error code, or Rolegate's own (ClusterBusy,
	// DescribeClusters, NotApplied).
	code string
	// cause says what happened, and nothing of what comes next.
	cause string
	awsID string
}

// held is an attempt that sent nothing: the cluster was not ready, or it
// could not be read.
func held(code, cause, awsID string) attemptOutcome {
	return attemptOutcome{action: audit.ApplyHeld, code: code, cause: cause, awsID: awsID}
}

// notApplied is a call without a clear answer (o), after which the cluster
// shows that the change is not there.
func (o attemptOutcome) notApplied(awsID string) attemptOutcome {
	return attemptOutcome{
		action: audit.ApplyReconciled, sent: true, code: "NotApplied", awsID: awsID,
		cause: o.cause + ", and reading the cluster afterwards shows the change was not applied",
	}
}

// sentNote is what the text adds about the call itself.
func (o attemptOutcome) sentNote() string {
	if o.sent {
		return ""
	}
	return "; nothing was sent"
}

// retrying is the text while another attempt follows.
func (o attemptOutcome) retrying(n, max int, next time.Time) string {
	return fmt.Sprintf("attempt %d of %d: %s%s; Rolegate tries again at %s", n, max, o.cause, o.sentNote(), next.UTC().Format("15:04:05 UTC"))
}

// exhausted is the text when the attempts are used up.
func (o attemptOutcome) exhausted(n int) string {
	return fmt.Sprintf("gave up after %d attempts: %s%s", n, o.cause, o.sentNote())
}

// final is the text of an outcome that ends the request at once.
func (o attemptOutcome) final() string { return o.cause + o.sentNote() }

func itoa(n int) string { return strconv.Itoa(n) }
