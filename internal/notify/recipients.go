package notify

import (
	"slices"

	"rolegate/internal/auth"
	"rolegate/internal/change"
)

// User is a person as the rules see them: their role and their choices.
type User struct {
	ID       int64
	Username string
	Name     string
	Role     auth.Role
	Disabled bool
	Email    string
	EmailOn  bool // they want mail at Email
	Alerts   bool // they want to hear of every failure and drift
}

// Part is why someone hears of a request.
type Part string

// Parts a person plays.
const (
	PartApprover   Part = "approver"   // an eligible approver of a request waiting for them
	PartRequester  Part = "requester"  // whose request it is
	PartSubscriber Part = "subscriber" // subscribed to alerts
)

// Recipient is a person to tell, and why.
type Recipient struct {
	User User
	Part Part
}

// Recipients is who hears of an event of kind k about r: on a new,
// resubmitted or second-approval-needed request, the eligible approvers
// (enabled, allowed to approve, never the requester, never someone who
// already approved this change); on a decision or outcome, the requester;
// on a failure or drift, the requester and everyone subscribed to alerts.
// For a bulk request's kinds, r is one of its pending members (any member
// once none is pending): the set's requester, and its approvals, which
// every pending member shares.
// Disabled users hear nothing. Each person appears once, with the first
// part that applies, in the order of users. Whether they are reached (email
// on, an address) is the caller's concern.
func Recipients(k Kind, r *change.Request, users []User) []Recipient {
	var out []Recipient
	seen := map[int64]bool{}
	add := func(u User, p Part) {
		if u.Disabled || seen[u.ID] {
			return
		}
		seen[u.ID] = true
		out = append(out, Recipient{User: u, Part: p})
	}
	switch k {
	case KindSubmitted, KindResubmitted, KindSecondNeeded, KindBulkSubmitted, KindBulkSecondNeeded:
		for _, u := range users {
			if u.Role.CanApprove() && u.ID != r.RequesterID && !r.ApprovedBy(u.ID) {
				add(u, PartApprover)
			}
		}
	case KindApproved, KindRejected, KindApplied, KindInSync, KindStale, KindExpiring, KindExpired,
		KindBulkApproved, KindBulkRejected, KindBulkStale, KindBulkInSync, KindBulkFailed:
		for _, u := range users {
			if u.ID == r.RequesterID {
				add(u, PartRequester)
			}
		}
	case KindFailed, KindDrift:
		for _, u := range users {
			if r != nil && u.ID == r.RequesterID {
				add(u, PartRequester)
			}
		}
		for _, u := range users {
			if u.Alerts {
				add(u, PartSubscriber)
			}
		}
	}
	return out
}

// Channel is a destination the administrators configured.
type Channel struct {
	ID       int64
	Name     string
	Kind     ChannelKind
	Target   string // webhook URL, or SMTP host:port; secret for Slack
	Secret   string // HMAC secret, or SMTP password
	Username string // SMTP
	Sender   string // SMTP From
	Topics   []Topic
	Enabled  bool
}

// ChannelKind is how a channel delivers.
type ChannelKind string

// Channel kinds.
const (
	ChannelSlack   ChannelKind = "slack"
	ChannelWebhook ChannelKind = "webhook"
	ChannelEmail   ChannelKind = "email" // the SMTP server that mails people
)

// Subscribed is the enabled webhook channels that carry kind k.
func Subscribed(k Kind, channels []Channel) []Channel {
	var out []Channel
	for _, c := range channels {
		if c.Enabled && c.Kind != ChannelEmail && slices.Contains(c.Topics, k.Topic()) {
			out = append(out, c)
		}
	}
	return out
}
