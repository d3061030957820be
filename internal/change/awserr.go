package change

import (
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"
)

// callOutcome is what an error from ModifyClusterIamRoles means for the
// change.
type callOutcome int

const (
	// refusedForNow: AWS did not apply the change and may accept it later
	// (cluster busy or paused, throttling, the SDK's retry quota).
	refusedForNow callOutcome = iota
	// refused: AWS did not apply the change and will not (bad input, no
	// such cluster, no permission).
	refused
	// unknownOutcome: the call may or may not have been applied (timeout,
	// 5xx, dropped connection): read the cluster before anything else.
	unknownOutcome
)

// classify explains an AWS error: what it means for the change, its code,
// and a sentence a DBA can act on.
func classify(err error) (callOutcome, string, string) {
	var ics *types.InvalidClusterStateFault
	if errors.As(err, &ics) {
		return refusedForNow, "InvalidClusterState", "the cluster is busy or not available (" + ics.ErrorMessage() + ")"
	}
	var nf *types.ClusterNotFoundFault
	if errors.As(err, &nf) {
		return refused, "ClusterNotFound", "the cluster no longer exists"
	}
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		return refusedForNow, "RetryQuotaExceeded", "AWS busy: too many failed calls recently, Rolegate holds back"
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		switch code {
		case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "SlowDown":
			return refusedForNow, code, "AWS busy: the request was throttled"
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			return unknownOutcome, code, "AWS answered with a server error (" + code + "); the change may or may not have been applied"
		}
		msg := api.ErrorMessage()
		switch {
		case strings.Contains(msg, "delegate access"):
			msg = "the role's trust policy does not allow redshift.amazonaws.com: " + msg
		case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation":
			msg = "Rolegate's AWS identity is not allowed to do this (redshift:ModifyClusterIamRoles and iam:PassRole are needed): " + msg
		}
		return refused, code, msg
	}
	return unknownOutcome, "", "no answer from AWS (" + shortError(err) + "); the change may or may not have been applied"
}

func shortError(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
