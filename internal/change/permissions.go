package change

import (
	"fmt"
	"time"

	"rolegate/internal/auth"
)

// Actor is the signed-in person acting, as loaded on this request.
type Actor struct {
	ID       int64
	Username string
	Name     string
	Role     auth.Role
	// TokenID is the API token the actor uses, zero in the browser.
	TokenID int64
}

// Permission is the answer for one action: allowed, or why not.
type Permission struct {
	// Why says, in words safe to show, why the action is not allowed; it
	// is empty when it is.
	Why string
	// Forbidden: the action is not the actor's to take (their role, or
	// whose request it is), as opposed to not possible in the request's
	// state. A forbidden attempt is recorded as an access denial.
	Forbidden bool
	// expired: the request is pending past its time to live.
	expired bool
}

// OK reports whether the action is allowed.
func (p Permission) OK() bool { return p.Why == "" }

// refusal is the error of a refused action.
func (p Permission) refusal() *Refusal {
	if p.Forbidden {
		return refuse(ErrForbidden, "%s", p.Why)
	}
	return refuse(ErrConflict, "%s", p.Why)
}

// Actions are the answers for every action a person can take on a request.
type Actions struct {
	Approve  Permission
	Reject   Permission
	Cancel   Permission
	Resubmit Permission
}

func forbidden(why string) Permission { return Permission{Why: why, Forbidden: true} }

// Permissions says which actions actor may take on r as it stands at now.
// The service enforces exactly these answers, and the request page offers
// exactly the allowed actions. Rules that need the cluster or the form
// (the change hash, drift, the comment) are checked when the action runs.
//
// A member of a bulk request is approved, rejected and resubmitted only
// with its set, on the bulk request's page.
func Permissions(actor Actor, r *Request, now time.Time) Actions {
	a := permissions(actor, r, now)
	if r.BulkID == 0 {
		return a
	}
	set := Permission{Why: fmt.Sprintf("this request is part of bulk request #%d; it is decided with its whole set there", r.BulkID)}
	for _, p := range []*Permission{&a.Approve, &a.Reject, &a.Resubmit} {
		if p.OK() {
			*p = set
		}
	}
	return a
}

// permissions is Permissions for a request on its own, or for a member as
// its bulk request decides it.
func permissions(actor Actor, r *Request, now time.Time) Actions {
	mine := actor.ID != 0 && actor.ID == r.RequesterID
	var open Permission
	switch {
	case r.State == Pending && !now.Before(r.ExpiresAt):
		open = Permission{Why: "the request expired on " + r.ExpiresAt.UTC().Format("2006-01-02 15:04:05 UTC") + " without a decision", expired: true}
	case r.State != Pending:
		open = Permission{Why: "the request is " + r.State.Label() + ", not pending"}
	}
	var a Actions
	switch {
	case !actor.Role.CanApprove():
		a.Approve = forbidden("your role cannot approve changes")
	case mine:
		a.Approve = forbidden("you cannot approve your own request")
	case !open.OK():
		a.Approve = open
	case r.ApprovedBy(actor.ID):
		a.Approve = Permission{Why: "you have already approved this request"}
	}
	switch {
	case !actor.Role.CanApprove():
		a.Reject = forbidden("your role cannot reject changes")
	case mine:
		a.Reject = forbidden("you cannot decide on your own request; cancel it instead")
	default:
		a.Reject = open
	}
	switch {
	case !mine:
		a.Cancel = forbidden("only the requester can cancel a request")
	case !actor.Role.CanRequest():
		a.Cancel = forbidden("your role cannot request changes")
	case r.State != Pending && r.State != Approved:
		a.Cancel = Permission{Why: "the request is " + r.State.Label() + " and can no longer be cancelled"}
	}
	switch {
	case !mine:
		a.Resubmit = forbidden("only the requester can resubmit a request")
	case !actor.Role.CanRequest():
		a.Resubmit = forbidden("your role cannot request changes")
	case !r.State.Resubmittable():
		a.Resubmit = Permission{Why: "only stale, failed or expired requests can be resubmitted; this one is " + r.State.Label()}
	}
	return a
}

// Allowed says which actions actor may take on r now.
func (s *Service) Allowed(actor Actor, r *Request) Actions { return Permissions(actor, r, s.now()) }
