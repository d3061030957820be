package change_test

import (
	"fmt"
	"testing"
	"time"

	"rolegate/internal/auth"
	"rolegate/internal/change"
)

// The table of who may do what: every role × every request state × how the
// actor relates to the request (their own, someone else's, someone else's
// they already approved), plus a pending request past its time to live.
func TestPermissionsTable(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	const me, requester = 10, 20
	type rel string
	const (
		own      rel = "own"
		other    rel = "other's"
		approved rel = "other's, approved by me"
	)
	request := func(state change.State, r rel, expires time.Time) *change.Request {
		req := &change.Request{ID: 1, RequesterID: requester, State: state, Hash: "h", ExpiresAt: expires}
		if r == own {
			req.RequesterID = me
		}
		if r == approved {
			req.Approvals = []change.Approval{{ApproverID: me, Hash: "h"}}
		}
		return req
	}
	// want is the expected answer: "" allowed, "forbidden", or "state".
	type answers struct{ approve, reject, cancel, resubmit string }
	expect := func(role auth.Role, state change.State, r rel, expired bool) answers {
		var a answers
		open := state == change.Pending && !expired
		decide := func(already bool) string {
			switch {
			case !role.CanApprove(), r == own:
				return "forbidden"
			case !open, already:
				return "state"
			}
			return ""
		}
		a.approve = decide(r == approved)
		a.reject = decide(false)
		mineAs := func(ok bool) string {
			switch {
			case r != own, !role.CanRequest():
				return "forbidden"
			case !ok:
				return "state"
			}
			return ""
		}
		a.cancel = mineAs(state == change.Pending || state == change.Approved)
		a.resubmit = mineAs(state == change.Stale || state == change.Failed || state == change.Expired)
		return a
	}
	got := func(p change.Permission) string {
		switch {
		case p.OK():
			return ""
		case p.Forbidden:
			return "forbidden"
		}
		return "state"
	}
	// Spot checks of the table's own logic against the rules as people say
	// them, so that the table cannot drift into agreeing with a wrong
	// implementation.
	spot := []struct {
		role  auth.Role
		state change.State
		rel   rel
		want  answers
	}{
		{auth.RoleAdmin, change.Pending, own, answers{"forbidden", "forbidden", "", "state"}},
		{auth.RoleApprover, change.Pending, other, answers{"", "", "forbidden", "forbidden"}},
		{auth.RoleApprover, change.Pending, approved, answers{"state", "", "forbidden", "forbidden"}},
		{auth.RoleRequester, change.Pending, other, answers{"forbidden", "forbidden", "forbidden", "forbidden"}},
		{auth.RoleRequester, change.Stale, own, answers{"forbidden", "forbidden", "state", ""}},
		{auth.RoleViewer, change.Pending, own, answers{"forbidden", "forbidden", "forbidden", "forbidden"}},
		{auth.RoleApprover, change.InSync, other, answers{"state", "state", "forbidden", "forbidden"}},
	}
	for _, sc := range spot {
		if a := expect(sc.role, sc.state, sc.rel, false); a != sc.want {
			t.Fatalf("the table's rule for %s, %s, %s gives %+v, want %+v", sc.role, sc.state, sc.rel, a, sc.want)
		}
	}

	for _, role := range auth.Roles() {
		for _, state := range change.AllStates {
			for _, r := range []rel{own, other, approved} {
				for _, expired := range []bool{false, true} {
					if expired && state != change.Pending {
						continue
					}
					name := fmt.Sprintf("%s/%s/%s", role, state, r)
					expires := now.Add(time.Hour)
					if expired {
						name += "/past its time to live"
						expires = now.Add(-time.Second)
					}
					t.Run(name, func(t *testing.T) {
						actor := change.Actor{ID: me, Username: "me", Role: role}
						a := change.Permissions(actor, request(state, r, expires), now)
						want := expect(role, state, r, expired)
						have := answers{got(a.Approve), got(a.Reject), got(a.Cancel), got(a.Resubmit)}
						if have != want {
							t.Fatalf("got %+v, want %+v (approve %q, reject %q, cancel %q, resubmit %q)",
								have, want, a.Approve.Why, a.Reject.Why, a.Cancel.Why, a.Resubmit.Why)
						}
						for what, p := range map[string]change.Permission{"approve": a.Approve, "reject": a.Reject, "cancel": a.Cancel, "resubmit": a.Resubmit} {
							if !p.OK() && p.Why == "" {
								t.Errorf("%s refused without a reason", what)
							}
						}
					})
				}
			}
		}
	}
}

// The reasons are the ones people see on the request page when the
// service refuses.
func TestPermissionsSayWhy(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	r := &change.Request{RequesterID: 1, State: change.Pending, Hash: "h", ExpiresAt: now.Add(-time.Minute)}
	cases := []struct {
		name  string
		actor change.Actor
		p     func(change.Actions) change.Permission
		want  string
	}{
		{"self-approval by an admin", change.Actor{ID: 1, Role: auth.RoleAdmin}, func(a change.Actions) change.Permission { return a.Approve }, "you cannot approve your own request"},
		{"requester approving", change.Actor{ID: 2, Role: auth.RoleRequester}, func(a change.Actions) change.Permission { return a.Approve }, "your role cannot approve changes"},
		{"own rejection", change.Actor{ID: 1, Role: auth.RoleApprover}, func(a change.Actions) change.Permission { return a.Reject }, "you cannot decide on your own request; cancel it instead"},
		{"expired", change.Actor{ID: 2, Role: auth.RoleApprover}, func(a change.Actions) change.Permission { return a.Approve }, "the request expired on 2026-12-06 11:59:00 UTC without a decision"},
		{"someone else cancelling", change.Actor{ID: 2, Role: auth.RoleAdmin}, func(a change.Actions) change.Permission { return a.Cancel }, "only the requester can cancel a request"},
		{"resubmitting a pending one", change.Actor{ID: 1, Role: auth.RoleRequester}, func(a change.Actions) change.Permission { return a.Resubmit }, "only stale, failed or expired requests can be resubmitted; this one is pending"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p(change.Permissions(tc.actor, r, now)).Why; got != tc.want {
				t.Fatalf("%q, want %q", got, tc.want)
			}
		})
	}
}
