package notify

import (
	"rolegate/audit"
	"rolegate/internal/change"
)

// Kind is what a notification is about.
type Kind string

// Kinds of notification.
const (
	KindSubmitted    Kind = "submitted"     // a new request waits for approvers
	KindResubmitted  Kind = "resubmitted"   // a resubmitted request waits for approvers
	KindSecondNeeded Kind = "second_needed" // approved once, another approver is needed
	KindApproved     Kind = "approved"
	KindRejected     Kind = "rejected"
	KindApplied      Kind = "applied"
	KindInSync       Kind = "in_sync"
	KindFailed       Kind = "failed"
	KindStale        Kind = "stale"
	KindExpiring     Kind = "expiring" // pending, about to expire without a decision
	KindExpired      Kind = "expired"
	// KindDrift: a cluster's roles differ from what Rolegate applied
	// (internal/drift finds it).
	KindDrift Kind = "drift"

	// Kinds of a bulk request, one notification per set, never one per
	// member.
	KindBulkSubmitted    Kind = "bulk_submitted"     // a new set waits for approvers
	KindBulkSecondNeeded Kind = "bulk_second_needed" // approved once, another approver is needed
	KindBulkApproved     Kind = "bulk_approved"
	KindBulkRejected     Kind = "bulk_rejected"
	KindBulkStale        Kind = "bulk_stale"
	KindBulkInSync       Kind = "bulk_in_sync" // finished: every changed cluster in-sync
	KindBulkFailed       Kind = "bulk_failed"  // finished: some or all clusters failed or stopped
)

// AllKinds lists every kind.
var AllKinds = []Kind{KindSubmitted, KindResubmitted, KindSecondNeeded, KindApproved, KindRejected, KindApplied,
	KindInSync, KindFailed, KindStale, KindExpiring, KindExpired, KindDrift,
	KindBulkSubmitted, KindBulkSecondNeeded, KindBulkApproved, KindBulkRejected, KindBulkStale, KindBulkInSync, KindBulkFailed}

// Topic is what a channel subscribes to.
type Topic string

// Topics of channels.
const (
	TopicApprovals Topic = "approvals" // requests waiting for an approver
	TopicDecisions Topic = "decisions" // what happened to each request
	TopicAlerts    Topic = "alerts"    // failures and drift
)

// AllTopics lists every topic.
var AllTopics = []Topic{TopicApprovals, TopicDecisions, TopicAlerts}

// Topic is the topic a kind belongs to.
func (k Kind) Topic() Topic {
	switch k {
	case KindSubmitted, KindResubmitted, KindSecondNeeded, KindBulkSubmitted, KindBulkSecondNeeded:
		return TopicApprovals
	case KindFailed, KindDrift:
		return TopicAlerts
	}
	return TopicDecisions
}

// Title is the kind as a message headline.
func (k Kind) Title() string {
	switch k {
	case KindSubmitted:
		return "Change request waiting for approval"
	case KindResubmitted:
		return "Resubmitted change request waiting for approval"
	case KindSecondNeeded:
		return "Change request needs a second approval"
	case KindApproved:
		return "Change request approved"
	case KindRejected:
		return "Change request rejected"
	case KindApplied:
		return "Change applied; roles are being associated"
	case KindInSync:
		return "Change in-sync: done"
	case KindFailed:
		return "Change failed"
	case KindStale:
		return "Change request stale: the cluster changed"
	case KindExpiring:
		return "Change request about to expire without a decision"
	case KindExpired:
		return "Change request expired without a decision"
	case KindDrift:
		return "Drift detected on a cluster's roles"
	case KindBulkSubmitted:
		return "Bulk change request waiting for approval"
	case KindBulkSecondNeeded:
		return "Bulk change request needs a second approval"
	case KindBulkApproved:
		return "Bulk change request approved"
	case KindBulkRejected:
		return "Bulk change request rejected"
	case KindBulkStale:
		return "Bulk change request stale: a cluster changed"
	case KindBulkInSync:
		return "Bulk change in-sync: done on every cluster"
	case KindBulkFailed:
		return "Bulk change finished with failures"
	}
	return string(k)
}

// KindOf is the notification an audit event about r causes, if any. r is
// the request as the event leaves it.
func KindOf(ev audit.Event, r *change.Request) (Kind, bool) {
	switch ev.Action {
	case audit.ChangeCreated:
		switch {
		case r.State == change.Approved:
			return KindApproved, true // a resubmission that kept enough approvals
		case r.ResubmittedFrom != 0:
			return KindResubmitted, true
		}
		return KindSubmitted, true
	case audit.ChangeApproved:
		if r.State == change.Pending {
			return KindSecondNeeded, true
		}
		return KindApproved, true
	case audit.ChangeRejected:
		return KindRejected, true
	case audit.ChangeStale:
		return KindStale, true
	case audit.ChangeExpiring:
		return KindExpiring, true
	case audit.ChangeExpired:
		return KindExpired, true
	case audit.ApplySucceeded, audit.ApplyReconciled:
		if r.State == change.Applied {
			return KindApplied, true
		}
	case audit.ApplyInSync:
		return KindInSync, true
	case audit.ApplyFailed, audit.ChangeClusterGone:
		return KindFailed, true
	}
	return "", false
}
