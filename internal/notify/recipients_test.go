package notify_test

import (
	"slices"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/internal/notify"
)

// Everyone the rules may consider: rita requests, arno and anna approve,
// adam administers and wants alerts, vic only views but wants alerts, dora
// is an approver whose account is disabled and who wanted alerts.
var ruleUsers = []notify.User{
	{ID: 1, Username: "rita", Role: auth.RoleRequester},
	{ID: 2, Username: "arno", Role: auth.RoleApprover},
	{ID: 3, Username: "anna", Role: auth.RoleApprover},
	{ID: 4, Username: "adam", Role: auth.RoleAdmin, Alerts: true},
	{ID: 5, Username: "vic", Role: auth.RoleViewer, Alerts: true},
	{ID: 6, Username: "dora", Role: auth.RoleApprover, Disabled: true, Alerts: true},
}

// request is a request by rita (or by requester) in state, approved by
// the given approvers of its current hash.
func request(state change.State, required int, requester int64, approvers ...int64) *change.Request {
	r := &change.Request{ID: 7, RequesterID: requester, State: state, ApprovalsRequired: required, Hash: "h"}
	for _, a := range approvers {
		r.Approvals = append(r.Approvals, change.Approval{ApproverID: a, Hash: "h"})
	}
	return r
}

// Who hears what, over every state change the change service records and
// the two that come from elsewhere (the expiry reminder and drift): the
// kind of notification the event causes, then each person told with their
// part. Never the requester as an approver, never an approver who already
// approved, never a disabled user; the requester hears every decision and
// outcome; alerts go to the requester and every subscriber.
func TestWhoHearsWhat(t *testing.T) {
	const rita, arno = 1, 2
	resubmitted := request(change.Pending, 1, rita)
	resubmitted.ResubmittedFrom = 3
	keptApprovals := request(change.Approved, 1, rita, arno)
	keptApprovals.ResubmittedFrom = 3
	for _, tc := range []struct {
		name   string
		action audit.Action
		r      *change.Request
		kind   notify.Kind // "" for no notification
		hears  string      // "user:part ..." in order
	}{
		{"submitted", audit.ChangeCreated, request(change.Pending, 1, rita), notify.KindSubmitted, "arno:approver anna:approver adam:approver"},
		{"submitted by an approver", audit.ChangeCreated, request(change.Pending, 1, arno), notify.KindSubmitted, "anna:approver adam:approver"},
		{"resubmitted", audit.ChangeCreated, resubmitted, notify.KindResubmitted, "arno:approver anna:approver adam:approver"},
		{"resubmitted with its approvals kept", audit.ChangeCreated, keptApprovals, notify.KindApproved, "rita:requester"},
		{"first of two approvals", audit.ChangeApproved, request(change.Pending, 2, rita, arno), notify.KindSecondNeeded, "anna:approver adam:approver"},
		{"approved", audit.ChangeApproved, request(change.Approved, 1, rita, arno), notify.KindApproved, "rita:requester"},
		{"rejected", audit.ChangeRejected, request(change.Rejected, 1, rita), notify.KindRejected, "rita:requester"},
		{"cancelled by the requester", audit.ChangeCancelled, request(change.Cancelled, 1, rita), "", ""},
		{"about to expire", audit.ChangeExpiring, request(change.Pending, 1, rita), notify.KindExpiring, "rita:requester"},
		{"expired", audit.ChangeExpired, request(change.Expired, 1, rita), notify.KindExpired, "rita:requester"},
		{"stale", audit.ChangeStale, request(change.Stale, 1, rita), notify.KindStale, "rita:requester"},
		{"superseded by its resubmission", audit.ChangeResubmitted, request(change.Superseded, 1, rita), "", ""},
		{"apply started", audit.ApplyStarted, request(change.Applying, 1, rita, arno), "", ""},
		{"apply waiting for the cluster", audit.ApplyWaiting, request(change.Applying, 1, rita, arno), "", ""},
		{"apply held", audit.ApplyHeld, request(change.Applying, 1, rita, arno), "", ""},
		{"apply outcome unknown", audit.ApplyUnknown, request(change.Applying, 1, rita, arno), "", ""},
		{"apply server error", audit.ApplyServerErr, request(change.Applying, 1, rita, arno), "", ""},
		{"applied", audit.ApplySucceeded, request(change.Applied, 1, rita, arno), notify.KindApplied, "rita:requester"},
		{"applied, found by the reconciler", audit.ApplyReconciled, request(change.Applied, 1, rita, arno), notify.KindApplied, "rita:requester"},
		{"reconciler re-issues", audit.ApplyReconciled, request(change.Applying, 1, rita, arno), "", ""},
		{"in-sync", audit.ApplyInSync, request(change.InSync, 1, rita, arno), notify.KindInSync, "rita:requester"},
		{"failed", audit.ApplyFailed, request(change.Failed, 1, rita, arno), notify.KindFailed, "rita:requester adam:subscriber vic:subscriber"},
		{"cluster gone", audit.ChangeClusterGone, request(change.ClusterGone, 1, rita), notify.KindFailed, "rita:requester adam:subscriber vic:subscriber"},
		{"refused at submission", audit.ChangeRefused, request(change.Pending, 1, rita), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, ok := notify.KindOf(audit.Event{Action: tc.action}, tc.r)
			if k != tc.kind || ok != (tc.kind != "") {
				t.Fatalf("kind = %q, %t; want %q", k, ok, tc.kind)
			}
			if !ok {
				return
			}
			if got := hears(notify.Recipients(k, tc.r, ruleUsers)); got != tc.hears {
				t.Errorf("hears %q, want %q", got, tc.hears)
			}
		})
	}
}

// A drift tells the subscribers to alerts, and
// the requester of the request it concerns when there is one.
func TestDriftTellsSubscribers(t *testing.T) {
	if got := hears(notify.Recipients(notify.KindDrift, nil, ruleUsers)); got != "adam:subscriber vic:subscriber" {
		t.Errorf("drift without a request: hears %q", got)
	}
	if got := hears(notify.Recipients(notify.KindDrift, request(change.InSync, 1, 1), ruleUsers)); got != "rita:requester adam:subscriber vic:subscriber" {
		t.Errorf("drift of a request: hears %q", got)
	}
}

// A requester who subscribed to alerts hears of their failed change once.
func TestRequesterSubscribedHearsOnce(t *testing.T) {
	users := slices.Clone(ruleUsers)
	users[0].Alerts = true
	if got := hears(notify.Recipients(notify.KindFailed, request(change.Failed, 1, 1), users)); got != "rita:requester adam:subscriber vic:subscriber" {
		t.Errorf("hears %q", got)
	}
}

// Channels carry the topic of each kind, when enabled; the SMTP channel is
// never a destination of its own.
func TestChannelsCarryTheirTopics(t *testing.T) {
	channels := []notify.Channel{
		{ID: 1, Name: "#dba-approvals", Kind: notify.ChannelSlack, Topics: []notify.Topic{notify.TopicApprovals}, Enabled: true},
		{ID: 2, Name: "ops-hook", Kind: notify.ChannelWebhook, Topics: []notify.Topic{notify.TopicDecisions, notify.TopicAlerts}, Enabled: true},
		{ID: 3, Name: "old-hook", Kind: notify.ChannelWebhook, Topics: notify.AllTopics, Enabled: false},
		{ID: 4, Name: "smtp", Kind: notify.ChannelEmail, Topics: notify.AllTopics, Enabled: true},
	}
	want := map[notify.Kind]string{
		notify.KindSubmitted: "#dba-approvals", notify.KindResubmitted: "#dba-approvals", notify.KindSecondNeeded: "#dba-approvals",
		notify.KindApproved: "ops-hook", notify.KindRejected: "ops-hook", notify.KindApplied: "ops-hook", notify.KindInSync: "ops-hook",
		notify.KindFailed: "ops-hook", notify.KindStale: "ops-hook", notify.KindExpiring: "ops-hook", notify.KindExpired: "ops-hook",
		notify.KindDrift:         "ops-hook",
		notify.KindBulkSubmitted: "#dba-approvals", notify.KindBulkSecondNeeded: "#dba-approvals",
		notify.KindBulkApproved: "ops-hook", notify.KindBulkRejected: "ops-hook", notify.KindBulkStale: "ops-hook",
		notify.KindBulkInSync: "ops-hook", notify.KindBulkFailed: "ops-hook",
	}
	for _, k := range notify.AllKinds {
		var names []string
		for _, c := range notify.Subscribed(k, channels) {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, " "); got != want[k] {
			t.Errorf("%s goes to %q, want %q", k, got, want[k])
		}
	}
}

func hears(rs []notify.Recipient) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.User.Username+":"+string(r.Part))
	}
	return strings.Join(out, " ")
}
