package change

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// BulkState is the decision on a bulk request. How far the apply got is
// read from its members (Bulk.Progress), never stored twice.
type BulkState string

// States of a bulk request.
const (
	BulkPending    BulkState = "pending"    // waiting for approvals of the whole set
	BulkApproved   BulkState = "approved"   // every member approved; the worker applies them
	BulkRejected   BulkState = "rejected"   // an approver said no to the set
	BulkCancelled  BulkState = "cancelled"  // the requester withdrew the set
	BulkStale      BulkState = "stale"      // a member's cluster changed before approval
	BulkSuperseded BulkState = "superseded" // resubmitted as a newer bulk request
)

// Label is the state as people read it.
func (s BulkState) Label() string { return string(s) }

// MemberOutcome says what a bulk request does to one of its clusters.
type MemberOutcome string

// Member outcomes.
const (
	MemberChange MemberOutcome = "change" // an ordinary change request was made for it
	MemberNoOp   MemberOutcome = "no-op"  // the change is already in place: nothing to do
)

// Member is one cluster of a bulk request, frozen when it was submitted:
// the cluster's roles and default then, and what the change does to it.
type Member struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Cluster string `json:"cluster"`

	Outcome MemberOutcome `json:"outcome"`
	// Note says, for a no-op member, why nothing is needed.
	Note string `json:"note,omitempty"`

	Add     []string `json:"add"`
	Remove  []string `json:"remove"`
	Default string   `json:"default"`

	BaseRoles   []string `json:"base_roles"`
	BaseDefault string   `json:"base_default"`

	Risk Risk `json:"risk,omitempty"`
	// ChangeID and ChangeHash are the member's change request.
	ChangeID   int64  `json:"change_id,omitempty"`
	ChangeHash string `json:"change_hash,omitempty"`
}

// Key is the member's cluster.
func (m Member) Key() ClusterKey {
	return ClusterKey{Account: m.Account, Region: m.Region, Cluster: m.Cluster}
}

// Name is the member's cluster as people read it in messages.
func (m Member) Name() string { return m.Cluster + " (" + m.Region + ")" }

// Bulk is a bulk request as stored.
type Bulk struct {
	ID int64

	RequesterID       int64
	RequesterUsername string
	RequesterName     string

	Reason  string
	Ticket  string
	Add     []string
	Remove  []string
	Default string

	Members           []Member
	Hash              string
	Risk              Risk
	ApprovalsRequired int

	State       BulkState
	StateReason string

	DecidedAt       time.Time
	DeciderUsername string
	DecisionComment string

	ResubmittedFrom int64
	SupersededBy    int64

	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Changed are the members that have a change request, in list order.
func (b *Bulk) Changed() []Member {
	var out []Member
	for _, m := range b.Members {
		if m.Outcome == MemberChange {
			out = append(out, m)
		}
	}
	return out
}

// bulkHashInput is the canonical content a bulk approval is bound to:
// the delta, and every member's planned change and captured state.
type bulkHashInput struct {
	V       int           `json:"v"`
	Add     []string      `json:"add"`
	Remove  []string      `json:"remove"`
	Default string        `json:"default"`
	Members []memberInput `json:"members"`
}

type memberInput struct {
	Account     string        `json:"account"`
	Region      string        `json:"region"`
	Cluster     string        `json:"cluster"`
	Outcome     MemberOutcome `json:"outcome"`
	Add         []string      `json:"add"`
	Remove      []string      `json:"remove"`
	Default     string        `json:"default"`
	BaseRoles   []string      `json:"base_roles"`
	BaseDefault string        `json:"base_default"`
}

// ComputeHash is the SHA-256 of the canonical JSON of the delta and of
// every member's planned change and captured state, in list order. The
// member request IDs are not part of it: they are given after it is
// computed, and each member's own hash binds its request.
func (b *Bulk) ComputeHash() string {
	in := bulkHashInput{V: 1, Add: sortedCopy(b.Add), Remove: sortedCopy(b.Remove), Default: b.Default}
	for _, m := range b.Members {
		in.Members = append(in.Members, memberInput{
			Account: m.Account, Region: m.Region, Cluster: m.Cluster, Outcome: m.Outcome,
			Add: sortedCopy(m.Add), Remove: sortedCopy(m.Remove), Default: m.Default,
			BaseRoles: sortedCopy(m.BaseRoles), BaseDefault: m.BaseDefault,
		})
	}
	buf, _ := json.Marshal(in)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// Progress is how far the members of a bulk request got, counted from
// their requests.
type Progress struct {
	Clusters int // every member, no-op ones included
	Changed  int // members with a change request
	NoOp     int
	Pending  int // waiting for the set's approval
	Applying int // approved, being applied or waiting for their cluster
	InSync   int // done
	Failed   int // failed, cluster gone
	Closed   int // rejected, cancelled, stale, superseded, expired
	// Overall says in words where the whole set stands.
	Overall string
	// Tone is how the pages colour Overall: ok, warn, bad or "" (neutral).
	Tone string
	// Done: nothing more will happen to any member.
	Done bool
}

// Progress counts b's member requests (as loaded by BulkMembers) and says
// where the set stands, plainly: a member that failed does not undo the
// others, and the overall state says how many of each there are.
func (b *Bulk) Progress(members []*Request) Progress {
	p := Progress{Clusters: len(b.Members), Changed: len(members), NoOp: len(b.Members) - len(b.Changed())}
	for _, r := range members {
		switch r.State {
		case Pending:
			p.Pending++
		case Approved, Applying, Applied:
			p.Applying++
		case InSync:
			p.InSync++
		case Failed, ClusterGone:
			p.Failed++
		default:
			p.Closed++
		}
	}
	// finishBulk asks the same of the database (pending, approved,
	// applying, applied): keep the two in step.
	p.Done = p.Pending == 0 && p.Applying == 0
	of := func(n int) string { return strconv.Itoa(n) + " of " + strconv.Itoa(p.Changed) }
	switch {
	case b.State == BulkPending:
		p.Overall = "waiting for approval of the whole set (" + plural(p.Changed, "cluster") + " to change, " + strconv.Itoa(p.NoOp) + " already as asked)"
	case b.State == BulkRejected, b.State == BulkCancelled, b.State == BulkSuperseded:
		p.Overall, p.Tone = b.State.Label()+"; nothing was applied", ""
	case b.State == BulkStale:
		p.Overall, p.Tone = "stale: "+b.StateReason, "warn"
	case !p.Done:
		p.Overall, p.Tone = "applying: "+of(p.InSync)+" clusters in-sync, "+strconv.Itoa(p.Applying)+" in progress", ""
		if p.Failed > 0 {
			p.Overall += ", " + strconv.Itoa(p.Failed) + " failed"
			p.Tone = "warn"
		}
	case p.Failed == 0 && p.Closed == 0:
		p.Overall, p.Tone = "in-sync: every one of the "+plural(p.Changed, "changed cluster")+" is in-sync", "ok"
	case p.InSync == 0:
		p.Overall, p.Tone = "failed: no cluster was changed ("+strconv.Itoa(p.Failed+p.Closed)+" failed or stopped)", "bad"
	default:
		p.Overall, p.Tone = fmt.Sprintf("partly failed: %s clusters are in-sync, %d failed or stopped; the clusters that were changed stay changed", of(p.InSync), p.Failed+p.Closed), "bad"
	}
	return p
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
