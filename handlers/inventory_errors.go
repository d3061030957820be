package handlers

import (
	"rolegate/internal/inventory"
)

// awsSafeMessage says in plain words why an AWS read failed, without
// internal detail (that goes to the log with the request ID).
func awsSafeMessage(err error) string {
	f := inventory.Classify(err)
	msg := awsReason(f)
	if f.RequestID != "" {
		msg += " (AWS request " + f.RequestID + ")"
	}
	return msg
}

func awsReason(f inventory.Failure) string {
	switch {
	case f.Held:
		return "AWS has been failing or throttling too often; Rolegate is holding back for a moment."
	case f.Kind == inventory.KindThrottled:
		return "AWS throttled Rolegate's requests and kept doing so after several retries."
	case f.Kind == inventory.KindDenied && f.Credentials:
		return "AWS did not accept Rolegate's credentials."
	case f.Kind == inventory.KindDenied:
		return "Rolegate's AWS identity is not allowed to list clusters (redshift:DescribeClusters)."
	case f.Kind == inventory.KindUnavailable:
		return "The Redshift API answered with a server error (" + f.Code + ")."
	case f.Definitive:
		return "The Redshift API refused the request (" + f.Code + ")."
	case f.Kind == inventory.KindTimeout:
		return "The Redshift API did not answer in time."
	case f.Kind == inventory.KindNoAnswer && f.Attempts > 0:
		return "The Redshift API could not be reached after several attempts."
	case f.Kind == inventory.KindNoAnswer:
		return "The Redshift API could not be reached."
	}
	return "The Redshift API could not be read."
}
