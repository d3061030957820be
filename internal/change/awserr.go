package change

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"

	"rolegate/audit"
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
// the change, and the attempt's outcome in words a DBA can act on.
func classify(err error, awsID string) (callOutcome, attemptOutcome) {
	o := attemptOutcome{action: audit.ApplyWaiting, sent: true, awsID: awsID}
	var ics *types.InvalidClusterStateFault
	if errors.As(err, &ics) {
		o.code, o.cause = "InvalidClusterState", "AWS refused ModifyClusterIamRoles for now: the cluster is busy or not available ("+ics.ErrorMessage()+")"
		return refusedForNow, o
	}
	var nf *types.ClusterNotFoundFault
	if errors.As(err, &nf) {
		o.code, o.cause = "ClusterNotFound", "AWS answered ModifyClusterIamRoles with ClusterNotFound: the cluster no longer exists"
		return clusterGone, o
	}
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		// The SDK's client-side quota refuses before anything is sent.
		o.sent, o.action = false, audit.ApplyHeld
		o.code, o.cause = "RetryQuotaExceeded", "AWS busy: too many failed calls recently, Rolegate held the call back"
		return refusedForNow, o
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		o.code = code
		switch code {
		case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "SlowDown":
			o.cause = "AWS busy: ModifyClusterIamRoles was throttled (" + code + ")"
			return refusedForNow, o
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			o.action = audit.ApplyServerErr
			o.cause = "AWS answered ModifyClusterIamRoles with a server error (HTTP " + itoa(re.HTTPStatusCode()) + ", " + code + messageOf(api) + ")"
			return unknownOutcome, o
		}
		msg := api.ErrorMessage()
		switch {
		case strings.Contains(msg, "delegate access"):
			msg = "the role's trust policy does not allow redshift.amazonaws.com: " + msg
		case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation":
			msg = "Rolegate's AWS identity is not allowed to do this (redshift:ModifyClusterIamRoles and iam:PassRole are needed): " + msg
		}
		o.action, o.cause = audit.ApplyFailed, "AWS refused ModifyClusterIamRoles ("+code+"): "+msg
		return refused, o
	}
	o.action = audit.ApplyUnknown
	o.cause = "ModifyClusterIamRoles got no answer from AWS (" + shortError(err) + ")"
	return unknownOutcome, o
}

func messageOf(api smithy.APIError) string {
	if m := api.ErrorMessage(); m != "" {
		return ": " + m
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
