package redshiftsim

import (
	"fmt"
	"net/http"
)

// apiError is an error the simulator answers with an ErrorResponse.
type apiError struct {
	Status  int
	Type    string // Sender or Receiver
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func senderErr(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Type: "Sender", Code: code, Message: fmt.Sprintf(format, args...)}
}

// Message of InvalidClusterState when the cluster is busy or not available,
// as observed from AWS.
const msgConcurrent = "The Cluster is being modified by a concurrent operation. Please check the Cluster's status and try again."

// Message of InvalidParameterValue when the default role is not among the
// cluster's roles, as observed from AWS.
const msgDefaultNotListed = "The list of Amazon Resource Names (ARNs) for customer roles should contain the ARN of the default IAM role when a default is specified."

func errClusterNotFound(id string) *apiError {
	return senderErr(http.StatusNotFound, "ClusterNotFound", "Cluster %s not found.", id)
}

func errInvalidState(format string, args ...any) *apiError {
	return senderErr(http.StatusBadRequest, "InvalidClusterState", format, args...)
}

func errInvalidValue(format string, args ...any) *apiError {
	return senderErr(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

func errCombination(format string, args ...any) *apiError {
	return senderErr(http.StatusBadRequest, "InvalidParameterCombination", format, args...)
}

func errMissing(name string) *apiError {
	return senderErr(http.StatusBadRequest, "MissingParameter", "The request must contain the parameter %s.", name)
}

func errThrottling() *apiError {
	return senderErr(http.StatusBadRequest, "Throttling", "Rate exceeded")
}

func errUnavailable() *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Type: "Receiver", Code: "ServiceUnavailable",
		Message: "Service is unavailable. Please try again later."}
}

func errInternal() *apiError {
	return &apiError{Status: http.StatusInternalServerError, Type: "Receiver", Code: "InternalFailure",
		Message: "The request processing has failed because of an unknown error, exception or failure."}
}
