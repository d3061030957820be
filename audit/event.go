package audit

import (
	"encoding/json"
	"time"
)

// Outcome is how the recorded step ended.
type Outcome string

// Outcomes. Unknown is for a call whose answer never came back (a timeout):
// the reconciler settles it later with an event of its own.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
	Unknown Outcome = "unknown"
)

// Actor is who did it. A zero UserID with Username "system" is Rolegate
// itself (the apply worker, the reconciler); a zero UserID with another
// username is a person who was not signed in (a failed sign-in).
type Actor struct {
	UserID   int64  `json:"user_id,omitempty"`
	Username string `json:"username"`
	Role     string `json:"role,omitempty"`
	// TokenID is the API token the user acted with; zero for a browser,
	// the shell or Rolegate itself.
	TokenID int64 `json:"token_id,omitempty"`
}

// System is the actor for Rolegate's own steps.
var System = Actor{Username: "system"}

// Origin is where the request came from.
type Origin struct {
	ClientIP    string `json:"client_ip,omitempty"`
	UserAgent   string `json:"user_agent,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
	SessionHash string `json:"session_hash,omitempty"` // a hash of the session ID, never the ID
}

// Target is what the event is about.
type Target struct {
	// Account is the cluster's AWS account, when known.
	Account  string `json:"account,omitempty"`
	Region   string `json:"region,omitempty"`
	Cluster  string `json:"cluster,omitempty"`
	ChangeID int64  `json:"change_id,omitempty"`
}

// Event is one entry of the audit log.
type Event struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   Actor     `json:"actor"`
	Origin  Origin    `json:"origin"`
	Action  Action    `json:"action"`
	Target  Target    `json:"target"`
	Outcome Outcome   `json:"outcome"`
	// Params is a JSON object with the step's inputs (never secrets).
	Params json.RawMessage `json:"params"`
	// AWSRequestID, ErrorCode and ErrorMessage describe an AWS call, or the
	// reason of a failure.
	AWSRequestID string `json:"aws_request_id,omitempty"`
	ErrorCode    string `json:"error_code,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
	// Snapshot is the full Cluster the API returned, as JSON, or nil.
	Snapshot json.RawMessage `json:"snapshot,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
}

// TimeFormat is how event times are stored and hashed: UTC, fixed width.
const TimeFormat = "2006-01-02T15:04:05.000000000Z"

// GenesisHash is the prev_hash of the first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"
