package change

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// State is where a request stands. No request is ever deleted: the
// terminal states keep the full history.
type State string

// States of a change request.
const (
	Pending    State = "pending"    // waiting for approvals
	Approved   State = "approved"   // enough approvals; the worker will apply it
	Applying   State = "applying"   // the worker owns it (checking, calling, or waiting for the cluster)
	Applied    State = "applied"    // AWS accepted the change; roles are still being associated
	InSync     State = "in_sync"    // every role is in-sync: done
	Failed     State = "failed"     // AWS refused it, or the cluster stayed busy past the attempt limit
	Rejected   State = "rejected"   // an approver said no
	Cancelled  State = "cancelled"  // the requester withdrew it
	Expired    State = "expired"    // nobody decided within the time to live
	Stale      State = "stale"      // the cluster's roles changed since the request was made
	Superseded State = "superseded" // resubmitted as a newer request
	// ClusterGone: AWS answered ClusterNotFound, so the cluster no longer
	// exists and nothing more can happen to the request.
	ClusterGone State = "cluster_gone"
)

// AllStates lists the states in lifecycle order, for filters.
var AllStates = []State{Pending, Approved, Applying, Applied, InSync, Failed, Rejected, Cancelled, Expired, Stale, Superseded, ClusterGone}

// Label is the state as people read it.
func (s State) Label() string {
	switch s {
	case InSync:
		return "in-sync"
	case ClusterGone:
		return "cluster gone"
	default:
		return string(s)
	}
}

// Open reports whether the request still waits for a decision.
func (s State) Open() bool { return s == Pending }

// InFlight reports whether the request may still change its cluster: it
// waits for a decision, or is approved and on its way. The pages call these
// the cluster's open requests.
func (s State) InFlight() bool { return slices.Contains(InFlightStates, s) }

// InFlightStates are the states of open requests.
var InFlightStates = []State{Pending, Approved, Applying, Applied}

// Done reports whether nothing more will happen to the request.
func (s State) Done() bool {
	switch s {
	case InSync, Failed, Rejected, Cancelled, Expired, Superseded, ClusterGone:
		return true
	}
	return false
}

// Resubmittable reports whether the requester can resubmit the request
// against the cluster's current state.
func (s State) Resubmittable() bool { return s == Stale || s == Failed || s == Expired }

// Phase is the worker's step while a request is Applying or Applied.
type Phase string

// Worker phases.
const (
	PhaseNone      Phase = ""
	PhaseCalling   Phase = "calling"   // the ModifyClusterIamRoles call may be on the wire
	PhaseWaiting   Phase = "waiting"   // waiting for the cluster (busy, paused, throttled) before the next attempt
	PhaseFollowing Phase = "following" // applied; polling until every role is in-sync
)

// Risk says how many approvers a request needs.
type Risk string

// Risk levels.
const (
	RiskNormal Risk = "normal"
	RiskHigh   Risk = "high"
)

// Request is a change request as stored.
type Request struct {
	ID      int64
	Account string
	Region  string
	Cluster string

	Add     []string // sorted ARNs to associate
	Remove  []string // sorted ARNs to disassociate
	Default string   // the default role to set; "" leaves it as it is

	Reason string
	Ticket string

	RequesterID       int64
	RequesterUsername string
	RequesterName     string

	// The cluster's roles and default as captured when the request was made.
	BaseRoles   []string
	BaseDefault string

	Hash              string
	Risk              Risk
	RiskReasons       []string
	ApprovalsRequired int
	Approvals         []Approval

	State       State
	StateReason string
	Phase       Phase
	Attempts    int
	NextAt      time.Time // when the worker looks at it next (Waiting, Following)
	Reissued    bool      // the reconciler re-issued the call once after a crash

	AWSRequestID string

	CreatedAt time.Time
	UpdatedAt time.Time
	ExpiresAt time.Time
	DecidedAt time.Time

	DeciderUsername string
	DecisionComment string

	ResubmittedFrom int64
	SupersededBy    int64
	// BulkID is the bulk request the request is a member of, zero for one
	// made on its own. A member is approved and rejected only with its set.
	BulkID int64

	Version int64
}

// Approval is one approver's approval of one change hash.
type Approval struct {
	ApproverID       int64
	ApproverUsername string
	ApproverName     string
	Hash             string
	Comment          string
	At               time.Time
}

// Result is the set of role ARNs the cluster will carry after the change.
func (r *Request) Result() []string { return resultSet(r.BaseRoles, r.Add, r.Remove) }

// ResultDefault is the default role after the change.
func (r *Request) ResultDefault() string {
	if r.Default != "" {
		return r.Default
	}
	if slices.Contains(r.Remove, r.BaseDefault) {
		return ""
	}
	return r.BaseDefault
}

// ValidApprovals counts approvals bound to the request's current hash by
// people other than the requester.
func (r *Request) ValidApprovals() int {
	n := 0
	for _, a := range r.Approvals {
		if a.Hash == r.Hash && a.ApproverID != r.RequesterID {
			n++
		}
	}
	return n
}

// ApprovedBy reports whether the user has approved the current hash.
func (r *Request) ApprovedBy(userID int64) bool {
	for _, a := range r.Approvals {
		if a.ApproverID == userID && a.Hash == r.Hash {
			return true
		}
	}
	return false
}

// resultSet is (base ∪ add) − remove, sorted.
func resultSet(base, add, remove []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range [][]string{base, add} {
		for _, a := range list {
			if !seen[a] && !slices.Contains(remove, a) {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	slices.Sort(out)
	return out
}

// hashInput is the canonical content an approval is bound to.
type hashInput struct {
	V           int      `json:"v"`
	Account     string   `json:"account"`
	Region      string   `json:"region"`
	Cluster     string   `json:"cluster"`
	Add         []string `json:"add"`
	Remove      []string `json:"remove"`
	Default     string   `json:"default"`
	BaseRoles   []string `json:"base_roles"`
	BaseDefault string   `json:"base_default"`
}

// ComputeHash is the SHA-256 of the canonical JSON of what the request
// changes and of the cluster state it was made against. Approvals carry it;
// apply refuses when it no longer matches.
func (r *Request) ComputeHash() string {
	in := hashInput{
		V: 1, Account: r.Account, Region: r.Region, Cluster: r.Cluster,
		Add: sortedCopy(r.Add), Remove: sortedCopy(r.Remove), Default: r.Default,
		BaseRoles: sortedCopy(r.BaseRoles), BaseDefault: r.BaseDefault,
	}
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	slices.Sort(out)
	return out
}
