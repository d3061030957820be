package handlers

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// The view models of the change-request pages, built from the domain.

const timeLayout = "2006-01-02 15:04 UTC"

func fmtWhen(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// stateTone is the badge colour of a request state.
func stateTone(s change.State) string {
	switch s {
	case change.InSync:
		return "ok"
	case change.Failed, change.Rejected, change.Stale, change.ClusterGone:
		return "bad"
	case change.Pending, change.Approved, change.Applying, change.Applied:
		return "warn"
	default:
		return "muted"
	}
}

func roleRows(live change.Live) []pages.RoleRow {
	rows := make([]pages.RoleRow, 0, len(live.Roles))
	for _, r := range live.Roles {
		rows = append(rows, pages.RoleRow{ARN: r.ARN, Status: r.Status, IsDefault: r.ARN == live.Default})
	}
	return rows
}

// changeFormPage fills the new-change form, keeping what the user typed.
// The default can become any current role or any ARN of the draft's.
func changeFormPage(in change.Input, d change.Draft, live change.Live, errs change.FieldErrors, pv *pages.ChangePreview) pages.ChangeFormPage {
	base := clusterURL(in.Region, in.Cluster)
	p := pages.ChangeFormPage{
		Region: in.Region, Cluster: in.Cluster, ClusterURL: base,
		Status: live.Status, Availability: live.Availability,
		Roles: roleRows(live), Default: live.Default, Quota: change.RoleQuota(in.Region),
		ActionURL: base + "/changes", PreviewURL: base + "/changes/preview",
		Add: in.Add, Remove: map[string]bool{}, SetDef: in.Default, Reason: in.Reason, Ticket: in.Ticket,
		Errors: errs, Preview: pv,
	}
	for _, a := range in.Remove {
		p.Remove[a] = true
	}
	for _, r := range live.Roles {
		p.DefaultChoices = append(p.DefaultChoices, r.ARN)
	}
	for _, a := range d.Add {
		if s := a.String(); !slices.Contains(p.DefaultChoices, s) {
			p.DefaultChoices = append(p.DefaultChoices, s)
		}
	}
	return p
}

// previewOf turns a plan into the live preview panel.
func previewOf(plan change.Plan, errs change.FieldErrors, live change.Live) *pages.ChangePreview {
	pv := &pages.ChangePreview{
		Roles:   diffRows(live.ARNs(), plan.Add, plan.Remove, plan.ResultDef, live.Default),
		Default: plan.ResultDef, OldDefault: live.Default,
		Risk: string(plan.Risk), RiskReasons: plan.RiskReasons, Approvals: change.ApprovalsFor(plan.Risk),
		Checks: checkRows(plan.Checks),
	}
	for _, f := range []string{change.FieldForm, change.FieldAdd, change.FieldRemove, change.FieldDefault, change.FieldReason, change.FieldTicket} {
		if m := errs[f]; m != "" && f != change.FieldReason {
			pv.Problems = append(pv.Problems, m)
		}
	}
	return pv
}

// diffRows lists every role touched or kept by a change.
func diffRows(base, add, remove []string, newDef, oldDef string) []pages.ResultRole {
	var rows []pages.ResultRole
	for _, a := range base {
		ch := "kept"
		if slices.Contains(remove, a) {
			ch = "removed"
		}
		rows = append(rows, pages.ResultRole{ARN: a, Change: ch, IsDefault: a == newDef && ch != "removed", WasDefault: a == oldDef})
	}
	for _, a := range add {
		if !slices.Contains(base, a) {
			rows = append(rows, pages.ResultRole{ARN: a, Change: "added", IsDefault: a == newDef})
		}
	}
	// Added first, then removed, then kept.
	rank := map[string]int{"added": 0, "removed": 1, "kept": 2}
	slices.SortStableFunc(rows, func(x, y pages.ResultRole) int { return rank[x.Change] - rank[y.Change] })
	return rows
}

func checkRows(checks []change.Check) []pages.CheckRow {
	out := make([]pages.CheckRow, 0, len(checks))
	for _, c := range checks {
		out = append(out, pages.CheckRow{Name: c.Name, Status: string(c.Status), Detail: c.Detail})
	}
	return out
}

func changeRow(r *change.Request) pages.ChangeRow {
	row := pages.ChangeRow{
		ID: r.ID, URL: changeURL(r.ID), Region: r.Region, Cluster: r.Cluster,
		Requester: r.RequesterUsername, Summary: summary(r), Risk: string(r.Risk),
		Approvals: fmt.Sprintf("%d/%d", r.ValidApprovals(), r.ApprovalsRequired),
		State:     r.State.Label(), StateTone: stateTone(r.State), Created: fmtWhen(r.CreatedAt),
	}
	if r.State == change.Pending {
		row.ExpiresIn = until(r.ExpiresAt)
	}
	return row
}

func summary(r *change.Request) string {
	s := ""
	if n := len(r.Add); n > 0 {
		s += "+" + strconv.Itoa(n) + " "
	}
	if n := len(r.Remove); n > 0 {
		s += "−" + strconv.Itoa(n) + " "
	}
	if r.Default != "" {
		s += "default"
	}
	return s
}

// until says how long until t, in words.
func until(t time.Time) string {
	d := time.Until(t).Round(time.Minute)
	switch {
	case d <= 0:
		return "now"
	case d < time.Hour:
		return "in " + strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return "in " + strconv.Itoa(int(d.Hours())) + " h"
	}
	return "in " + strconv.Itoa(int(d.Hours()/24)) + " days"
}

// changePage builds the request page: the stored request, the cluster as
// AWS reports it now (when reachable), and the request's audit events.
func (h *Handler) changePage(c echo.Context) (*pages.ChangePage, error) {
	id, err := changeID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	r, err := h.changes.Get(ctx, id)
	if err != nil {
		return nil, changeError(err)
	}
	p := &pages.ChangePage{
		ID: r.ID, State: r.State.Label(), StateTone: stateTone(r.State),
		// The panel follows the request while it moves on its own (after
		// approval); a pending request waits for people and does not poll,
		// so the decision forms below it stay put.
		Live:      r.State == change.Approved || r.State == change.Applying || r.State == change.Applied,
		StatusURL: changeURL(r.ID) + "/status",
		Region:    r.Region, Cluster: r.Cluster, ClusterURL: clusterURL(r.Region, r.Cluster),
		Requester: r.RequesterUsername, Created: fmtWhen(r.CreatedAt),
		Reason: r.Reason, Ticket: r.Ticket, Hash: r.Hash, Risk: string(r.Risk), RiskReasons: r.RiskReasons,
		Required: r.ApprovalsRequired, Valid: r.ValidApprovals(),
		Diff:    diffRows(r.BaseRoles, r.Add, r.Remove, r.ResultDefault(), r.BaseDefault),
		Default: r.ResultDefault(), OldDefault: r.BaseDefault,
		StateReason: r.StateReason, AWSRequest: r.AWSRequestID,
		Decider: r.DeciderUsername, Decided: fmtWhen(r.DecidedAt), Decision: r.DecisionComment,
		AuditURL:        "/audit?change=" + strconv.FormatInt(r.ID, 10),
		ResubmittedFrom: r.ResubmittedFrom, SupersededBy: r.SupersededBy,
	}
	if r.RequesterName != "" && r.RequesterName != r.RequesterUsername {
		p.Requester = r.RequesterName + " (" + r.RequesterUsername + ")"
	}
	if r.State == change.Pending {
		p.Expires, p.ExpiresIn = fmtWhen(r.ExpiresAt), until(r.ExpiresAt)
	}
	if r.Attempts > 0 {
		p.Attempts = strconv.Itoa(r.Attempts)
	}
	if r.Phase == change.PhaseWaiting && !r.NextAt.IsZero() {
		p.NextAt = fmtWhen(r.NextAt)
	}
	for _, a := range r.Approvals {
		name := a.ApproverUsername
		if a.ApproverName != "" && a.ApproverName != a.ApproverUsername {
			name = a.ApproverName + " (" + a.ApproverUsername + ")"
		}
		p.Approvals = append(p.Approvals, pages.ApprovalRow{Approver: name, At: fmtWhen(a.At), Comment: a.Comment, Valid: a.Hash == r.Hash})
	}
	// The inventory's copy: the apply worker's own reads keep it current
	// while the request moves, so the page polled every 2 s adds no AWS call.
	if cl, err := h.cachedCluster(ctx, r.Region, r.Cluster); err == nil {
		live := change.LiveFrom(r.Region, cl)
		p.LiveRoles, p.LiveDefault = roleRows(live), live.Default
		if r.State == change.Pending {
			p.Checks = checkRows(h.changes.Checks(r, cl))
		}
	} else if errors.Is(err, inventory.ErrNotFound) {
		// A request already closed as cluster gone says so in its blockers.
		if r.State != change.ClusterGone {
			p.Blockers = append(p.Blockers, "AWS reports no cluster "+r.Cluster+" in "+r.Region+": it no longer exists. Nothing can be applied to it.")
		}
	} else {
		h.log.Warn("reading the cluster for a change request page", "request_id", requestIDOf(c), "change", r.ID, "err", err)
		p.Blockers = append(p.Blockers, "The cluster could not be read from AWS just now; the roles shown may be out of date.")
	}
	p.Blockers = append(blockers(r), p.Blockers...)
	p.Timeline = h.changeTimeline(c, r.ID)
	p.Notifications = h.deliverySummaries(c, r.ID)

	// The page offers what the service would allow.
	may := h.changes.Allowed(actorOf(c), r)
	p.CanApprove, p.CanReject, p.CanCancel, p.CanResubmit = may.Approve.OK(), may.Reject.OK(), may.Cancel.OK(), may.Resubmit.OK()
	return p, nil
}

// blockers says, for every state, what the request waits for and who can
// move it on.
func blockers(r *change.Request) []string {
	switch r.State {
	case change.Pending:
		need := r.ApprovalsRequired - r.ValidApprovals()
		who := "an approver other than " + r.RequesterUsername
		if need > 1 {
			who = strconv.Itoa(need) + " more approvers, none of them " + r.RequesterUsername
		} else if r.ValidApprovals() > 0 {
			who = "one more approver, other than " + r.RequesterUsername + " and those who approved"
		}
		return []string{"Waiting for " + who + " to approve or reject it before " + fmtWhen(r.ExpiresAt) + ".",
			r.RequesterUsername + " can cancel it meanwhile."}
	case change.Approved:
		return []string{"Approved; Rolegate will send the change to AWS in a moment."}
	case change.Applying:
		if r.Phase == change.PhaseWaiting {
			return []string{"Waiting for the cluster or for AWS, for the reason above. Rolegate tries again by itself."}
		}
		return []string{"Sending the change to AWS."}
	case change.Applied:
		return []string{"AWS accepted the change; waiting for every role to be in-sync."}
	case change.Stale:
		return []string{"The cluster's roles changed since the request was made. " + r.RequesterUsername + " can resubmit it against the current roles."}
	case change.Failed:
		return []string{r.RequesterUsername + " can resubmit it once the cause is fixed."}
	case change.ClusterGone:
		return []string{"AWS reports that the cluster no longer exists, so nothing more will happen to this request. It stays in the history."}
	case change.Expired:
		return []string{"Nobody decided in time. " + r.RequesterUsername + " can resubmit it."}
	}
	return nil
}
