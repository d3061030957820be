package change

import (
	"rolegate/audit"
	"rolegate/internal/inventory"
)

// callOutcome is what an error from ModifyClusterIamRoles means for the
// change.
type callOutcome int

const (
	// refusedForNow: AWS did not apply the change and may accept it later
	// (cluster busy or paused, throttling, the SDK's retry quota).
	refusedForNow callOutcome = iota
	// refused: AWS did not apply the change and will not (bad input, no
	// permission).
	refused
	// clusterGone: AWS answered ClusterNotFound; the cluster no longer
	// exists.
	clusterGone
	// unknownOutcome: the call may or may not have been applied (timeout,
	// 5xx, dropped connection): read the cluster before anything else.
	unknownOutcome
)

// classify explains an error from ModifyClusterIamRoles: what it means for
// the change, and the attempt's outcome in words a DBA can act on. What
// the error is comes from the inventory's classifier.
func classify(err error, awsID string) (callOutcome, attemptOutcome) {
	o := attemptOutcome{action: audit.ApplyWaiting, sent: true, awsID: awsID}
	f := inventory.Classify(err)
	o.code = f.Code
	switch {
	case f.Kind == inventory.KindNotFound:
		o.cause = "AWS answered ModifyClusterIamRoles with ClusterNotFound: the cluster no longer exists"
		return clusterGone, o
	case f.Kind == inventory.KindInvalidState:
		o.cause = "AWS refused ModifyClusterIamRoles for now: the cluster is busy or not available (" + f.Message + ")"
		return refusedForNow, o
	case f.Held:
		// The SDK's client-side quota refuses before anything is sent.
		o.sent, o.action = false, audit.ApplyHeld
		o.cause = "AWS busy: too many failed calls recently, Rolegate held the call back"
		return refusedForNow, o
	case f.Kind == inventory.KindThrottled:
		o.cause = "AWS busy: ModifyClusterIamRoles was throttled (" + f.Code + ")"
		return refusedForNow, o
	case f.Kind == inventory.KindUnavailable:
		o.action = audit.ApplyServerErr
		o.cause = "AWS answered ModifyClusterIamRoles with a server error (HTTP " + itoa(f.HTTPStatus) + ", " + f.Code + messageOf(f) + ")"
		return unknownOutcome, o
	case f.Definitive:
		msg := f.Message
		switch {
		case f.Untrusted:
			msg = "the role's trust policy does not allow redshift.amazonaws.com: " + msg
		case f.Kind == inventory.KindDenied && !f.Credentials:
			msg = "Rolegate's AWS identity is not allowed to do this (redshift:ModifyClusterIamRoles and iam:PassRole are needed): " + msg
		}
		o.action, o.cause = audit.ApplyFailed, "AWS refused ModifyClusterIamRoles ("+f.Code+"): "+msg
		return refused, o
	}
	o.action = audit.ApplyUnknown
	o.cause = "ModifyClusterIamRoles got no answer from AWS (" + shortError(err) + ")"
	return unknownOutcome, o
}

func messageOf(f inventory.Failure) string {
	if f.Message != "" {
		return ": " + f.Message
	}
	return ""
}

func shortError(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
