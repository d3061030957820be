package inventory

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"
)

// Kind is what sort of failure an AWS call met.
type Kind int

// The kinds of failure, from Classify.
const (
	// KindOther is what none of the kinds below covers: an error code Rolegate
	// does not know, or an error that is not AWS's at all.
	KindOther Kind = iota
	// KindThrottled: AWS throttled the call, or the SDK's retry quota held
	// it back after too many failed calls.
	KindThrottled
	// KindUnavailable: AWS answered with a server error (HTTP 5xx).
	KindUnavailable
	// KindTimeout: no answer before the call's deadline.
	KindTimeout
	// KindNoAnswer: the connection failed or was dropped before an answer.
	KindNoAnswer
	// KindNotFound: AWS answered ClusterNotFound.
	KindNotFound
	// KindInvalidState: AWS answered InvalidClusterState (the cluster is
	// busy, paused or otherwise not available).
	KindInvalidState
	// KindDenied: Rolegate's AWS identity may not do this, or AWS did not
	// accept its credentials (see Failure.Credentials).
	KindDenied
	// KindInvalidInput: AWS refused the request's parameters.
	KindInvalidInput
)

var kindNames = [...]string{
	KindOther:        "other",
	KindThrottled:    "throttled",
	KindUnavailable:  "unavailable",
	KindTimeout:      "timeout",
	KindNoAnswer:     "no answer",
	KindNotFound:     "not found",
	KindInvalidState: "invalid state",
	KindDenied:       "denied",
	KindInvalidInput: "invalid input",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "unknown"
	}
	return kindNames[k]
}

// CodeRetryQuota is the Failure code of a call the SDK's client-side retry
// quota held back; AWS has no code for it.
const CodeRetryQuota = "RetryQuotaExceeded"

// Failure is what an error from a Redshift call means, for anyone above the
// inventory that has to decide or say something about it.
type Failure struct {
	Kind Kind
	// Code is the AWS error code (CodeRetryQuota when the SDK's quota held
	// the call back); "" when AWS did not answer.
	Code string
	// Message is AWS's error message, if it sent one. It is AWS's text:
	// log it or quote it, never decide on it.
	Message string
	// HTTPStatus of AWS's answer; 0 when there was none.
	HTTPStatus int
	// RequestID is the AWS request ID of the answer, if any.
	RequestID string
	// Attempts is how many attempts the SDK made before it gave up on
	// reaching the maximum; 0 when it did not give up for that reason.
	Attempts int
	// Held: the SDK's retry quota stopped the call (or its next retry)
	// before it was sent.
	Held bool
	// Credentials: KindDenied because AWS did not accept the credentials,
	// rather than refusing the identity the permission.
	Credentials bool
	// Untrusted: AWS refused the call because a role's trust policy does
	// not let Redshift assume it (an InvalidParameterValue).
	Untrusted bool
	// Definitive: AWS answered, and its answer says the call was not
	// carried out (or the SDK held it back). A failure that is not
	// definitive may or may not have taken effect: a change call must be
	// followed by a read before anything is concluded.
	Definitive bool
	// Retryable: the same call may succeed later without anyone changing
	// anything.
	Retryable bool
}

// Throttling error codes: the Query API's own, those of AWS's JSON
// services, and S3's.
var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "RequestLimitExceeded": true,
	"TooManyRequestsException": true, "RequestThrottled": true, "SlowDown": true,
}

// Refusals of the identity's permissions.
var deniedCodes = map[string]bool{
	"AccessDenied": true, "AccessDeniedException": true, "UnauthorizedOperation": true,
}

// Refusals of the credentials themselves.
var credentialCodes = map[string]bool{
	"InvalidClientTokenId": true, "UnrecognizedClientException": true, "ExpiredToken": true, "SignatureDoesNotMatch": true,
}

// Refusals of the request's parameters or form.
var inputCodes = map[string]bool{
	"InvalidParameterValue": true, "InvalidParameterCombination": true, "MissingParameter": true,
	"InvalidParameter": true, "ValidationError": true, "MissingAction": true, "InvalidAction": true,
	"MalformedQueryString": true, "InvalidQueryParameter": true, "UnsupportedOperation": true,
}

// untrustedHint is how AWS says, in the message of an
// InvalidParameterValue, that a role's trust policy does not name
// Redshift: it has no code of its own for it.
const untrustedHint = "delegate access"

// Classify says what an error from a Redshift call through this package
// means. It never fails: an error it does not recognise is KindOther, and
// nil is the zero Failure.
func Classify(err error) Failure {
	if err == nil {
		return Failure{}
	}
	f := Failure{RequestID: RequestIDOf(err)}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		f.HTTPStatus = re.HTTPStatusCode()
	}
	var maxAttempts *retry.MaxAttemptsError
	if errors.As(err, &maxAttempts) {
		f.Attempts = maxAttempts.Attempt
	}
	var quota ratelimit.QuotaExceededError
	if errors.As(err, &quota) {
		// The SDK joins the quota error to the last attempt's error: the
		// quota is what stopped the call.
		f.Kind, f.Code, f.Held, f.Definitive, f.Retryable = KindThrottled, CodeRetryQuota, true, true, true
		return f
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		classifyAnswer(&f, err, api)
		return f
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		f.Kind, f.Retryable = KindTimeout, true
	case f.Attempts > 0, errors.As(err, &ne):
		f.Kind, f.Retryable = KindNoAnswer, true
	}
	return f
}

// classifyAnswer fills f from the error AWS answered with.
func classifyAnswer(f *Failure, err error, api smithy.APIError) {
	f.Code, f.Message = api.ErrorCode(), api.ErrorMessage()
	f.Definitive = true
	var nf *types.ClusterNotFoundFault
	var ics *types.InvalidClusterStateFault
	switch {
	case errors.As(err, &nf):
		f.Kind = KindNotFound
	case errors.As(err, &ics):
		f.Kind, f.Retryable = KindInvalidState, true
	case throttleCodes[f.Code]:
		f.Kind, f.Retryable = KindThrottled, true
	case deniedCodes[f.Code]:
		f.Kind = KindDenied
	case credentialCodes[f.Code]:
		f.Kind, f.Credentials = KindDenied, true
	case f.HTTPStatus >= 500:
		// A server error may come after the call took effect.
		f.Kind, f.Definitive, f.Retryable = KindUnavailable, false, true
	case inputCodes[f.Code]:
		f.Kind = KindInvalidInput
	default:
		f.Kind = KindOther
	}
	if f.Definitive && !f.Retryable && f.Kind != KindNotFound {
		f.Untrusted = strings.Contains(f.Message, untrustedHint)
	}
}

// RequestIDOf returns the AWS request ID carried by an error from the SDK,
// or "".
func RequestIDOf(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.ServiceRequestID()
	}
	return ""
}
