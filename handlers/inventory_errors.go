package handlers

import (
	"context"
	"errors"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"rolegate/internal/inventory"
)

// awsSafeMessage says in plain words why an AWS read failed, without
// internal detail (that goes to the log with the request ID).
func awsSafeMessage(err error) string {
	msg := awsReason(err)
	if id := inventory.RequestIDOf(err); id != "" {
		msg += " (AWS request " + id + ")"
	}
	return msg
}

func awsReason(err error) string {
	var api smithy.APIError
	var quota ratelimit.QuotaExceededError
	var maxAttempts *retry.MaxAttemptsError
	switch {
	case errors.As(err, &quota):
		return "AWS has been failing or throttling too often; Rolegate is holding back for a moment."
	case errors.As(err, &api):
		switch api.ErrorCode() {
		case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
			return "AWS throttled Rolegate's requests and kept doing so after several retries."
		case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation":
			return "Rolegate's AWS identity is not allowed to list clusters (redshift:DescribeClusters)."
		case "InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "SignatureDoesNotMatch":
			return "AWS did not accept Rolegate's credentials."
		}
		var re *awshttp.ResponseError
		if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
			return "The Redshift API answered with a server error (" + api.ErrorCode() + ")."
		}
		return "The Redshift API refused the request (" + api.ErrorCode() + ")."
	case errors.Is(err, context.DeadlineExceeded):
		return "The Redshift API did not answer in time."
	case errors.As(err, &maxAttempts):
		return "The Redshift API could not be reached after several attempts."
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return "The Redshift API could not be reached."
	}
	return "The Redshift API could not be read."
}
