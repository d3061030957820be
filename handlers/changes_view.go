package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/views/components"
	"rolegate/views/pages"
)

// The view models of the change-request pages, built from the domain.

// fmtWhen writes a moment for people; every page's times go through it
// (and components.FormatTime), so that they read alike and can follow a
// per-user zone.
func fmtWhen(t time.Time, loc *time.Location) components.Moment { return components.At(t, loc) }

// zoneOf is the zone the signed-in user reads times in; UTC when signed
// out.
func zoneOf(c echo.Context) *time.Location {
	if u := userOf(c); u != nil && u.Zone != nil {
		return u.Zone
	}
	return time.UTC
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
// The default can become any current role or any role the plan adds (the
// draft's roles without a fault).
func (h *Handler) changeFormPage(in change.Input, live change.Live, plan change.Plan, errs change.FieldErrors, pv *pages.ChangePreview) pages.ChangeFormPage {
	base := clusterURL(in.Account, in.Region, in.Cluster)
	p := pages.ChangeFormPage{
		Account: h.accountLabel(live.Account),
		Region:  in.Region, Cluster: in.Cluster, ClusterURL: base,
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
	for _, s := range plan.Add {
		if !slices.Contains(p.DefaultChoices, s) {
			p.DefaultChoices = append(p.DefaultChoices, s)
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(p.DefaultChoices, "\n")))
	p.DefaultOffered = hex.EncodeToString(sum[:8])
	return p
}

// openRequest is a request as the lists of open requests show it.
func openRequest(r *change.Request, loc *time.Location) pages.OpenRequest {
	o := pages.OpenRequest{
		ID: r.ID, URL: changeURL(r.ID), State: r.State.Label(), StateTone: stateTone(r.State),
		Requester: r.RequesterUsername, Created: fmtWhen(r.CreatedAt, loc),
	}
	for _, a := range r.Add {
		o.Changes = append(o.Changes, "+ "+a)
	}
	for _, a := range r.Remove {
		o.Changes = append(o.Changes, "− "+a)
	}
	if r.Default != "" {
		o.Changes = append(o.Changes, "default → "+r.Default)
	}
	return o
}

// openRequests lists a cluster's open requests, leaving out skip (the
// request whose page it is). A failure is logged and shows none.
func (h *Handler) openRequests(c echo.Context, account, region, cluster string, skip int64) []pages.OpenRequest {
	reqs, err := h.changes.Open(c.Request().Context(), account, region, cluster)
	if err != nil {
		h.log.Warn("listing a cluster's open change requests", "request_id", requestIDOf(c), "cluster", cluster, "err", err)
		return nil
	}
	var out []pages.OpenRequest
	for _, r := range reqs {
		if r.ID != skip {
			out = append(out, openRequest(r, zoneOf(c)))
		}
	}
	return out
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
			pv.Problems = append(pv.Problems, strings.Split(m, "\n")...)
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
		out = append(out, pages.CheckRow{Key: string(c.Key), Name: c.Name, Status: string(c.Status), Detail: c.Detail})
	}
	return out
}

func (h *Handler) changeRow(r *change.Request, loc *time.Location) pages.ChangeRow {
	row := pages.ChangeRow{
		ID: r.ID, URL: changeURL(r.ID), Account: h.accountLabel(r.Account), Region: r.Region, Cluster: r.Cluster,
		Requester: r.RequesterUsername, Summary: summary(r), Risk: string(r.Risk),
		Approvals: fmt.Sprintf("%d/%d", r.ValidApprovals(), r.ApprovalsRequired),
		State:     r.State.Label(), StateTone: stateTone(r.State), Created: fmtWhen(r.CreatedAt, loc),
		CreatedAgo: components.Relative(r.CreatedAt, time.Now()),
	}
	if r.State == change.Pending {
		row.ExpiresIn = until(r.ExpiresAt)
	}
	if r.BulkID != 0 {
		row.BulkID, row.BulkURL = r.BulkID, bulkURL(r.BulkID)
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
func until(t time.Time) string { return components.Relative(t, time.Now()) }

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
	loc := zoneOf(c)
	p := &pages.ChangePage{
		ID: r.ID, State: r.State.Label(), StateTone: stateTone(r.State),
		// The panel follows the request while it moves on its own (after
		// approval); a pending request waits for people and does not poll,
		// so the decision forms below it stay put.
		Live:      r.State == change.Approved || r.State == change.Applying || r.State == change.Applied,
		StatusURL: changeURL(r.ID) + "/status",
		Account:   h.accountLabel(r.Account), Region: r.Region, Cluster: r.Cluster, ClusterURL: clusterURL(r.Account, r.Region, r.Cluster),
		Requester: r.RequesterUsername, Created: fmtWhen(r.CreatedAt, loc), CreatedAgo: components.Relative(r.CreatedAt, time.Now()),
		Reason: r.Reason, Ticket: r.Ticket, Hash: r.Hash, Risk: string(r.Risk), RiskReasons: r.RiskReasons,
		Required: r.ApprovalsRequired, Valid: r.ValidApprovals(),
		Diff:    diffRows(r.BaseRoles, r.Add, r.Remove, r.ResultDefault(), r.BaseDefault),
		Default: r.ResultDefault(), OldDefault: r.BaseDefault,
		StateReason: r.StateReason, AWSRequest: r.AWSRequestID,
		Decider: r.DeciderUsername, Decided: fmtWhen(r.DecidedAt, loc), Decision: r.DecisionComment,
		AuditURL:        "/audit?change=" + strconv.FormatInt(r.ID, 10),
		ResubmittedFrom: r.ResubmittedFrom, SupersededBy: r.SupersededBy, BulkID: r.BulkID,
		Siblings: h.openRequests(c, r.Account, r.Region, r.Cluster, r.ID),
	}
	if r.RequesterName != "" && r.RequesterName != r.RequesterUsername {
		p.Requester = r.RequesterName + " (" + r.RequesterUsername + ")"
	}
	if r.State == change.Pending {
		p.Expires, p.ExpiresIn = fmtWhen(r.ExpiresAt, loc), until(r.ExpiresAt)
	}
	if r.Attempts > 0 {
		p.Attempts = strconv.Itoa(r.Attempts)
	}
	if r.Phase == change.PhaseWaiting && !r.NextAt.IsZero() {
		p.NextAt = fmtWhen(r.NextAt, loc)
	}
	for _, a := range r.Approvals {
		name := a.ApproverUsername
		if a.ApproverName != "" && a.ApproverName != a.ApproverUsername {
			name = a.ApproverName + " (" + a.ApproverUsername + ")"
		}
		p.Approvals = append(p.Approvals, pages.ApprovalRow{Approver: name, At: fmtWhen(a.At, loc), Comment: a.Comment, Valid: a.Hash == r.Hash})
	}
	// The inventory's copy: the apply worker's own reads keep it current
	// while the request moves, so the page polled every 2 s adds no AWS call.
	if cl, err := h.cachedCluster(ctx, r.Account, r.Region, r.Cluster); err == nil {
		live := h.liveAt(r.Account, r.Region, cl)
		p.LiveRoles, p.LiveDefault = roleRows(live), live.Default
		if r.State == change.Pending {
			p.Checks = checkRows(h.changes.RequestChecks(ctx, r, cl).Checks)
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
	// The page offers what the service would allow, and says who must act.
	may := h.changes.Allowed(actorOf(c), r)
	p.CanApprove, p.CanReject, p.CanCancel, p.CanResubmit = may.Approve.OK(), may.Reject.OK(), may.Cancel.OK(), may.Resubmit.OK()
	p.Blockers = append(nextSteps(r, may, h.approversFor(c, r), loc), p.Blockers...)
	p.Timeline = h.changeTimeline(c, r.ID)
	p.Notifications = h.deliverySummaries(c, r.ID)
	return p, nil
}

// nextSteps says, for every state, what the request waits for and who
// must act next, from the viewer's point of view: "you can approve" when
// the viewer may, the names of those who can otherwise. approvers are the
// people who may still approve a pending request (nil in other states).
func nextSteps(r *change.Request, may change.Actions, approvers []string, loc *time.Location) []string {
	requester := r.RequesterUsername
	resubmit := func(why string) []string {
		if may.Resubmit.OK() {
			return []string{why + " You can resubmit it against the cluster's current roles."}
		}
		return []string{why + " Waiting for " + requester + ", who can resubmit it."}
	}
	switch r.State {
	case change.Pending:
		need := r.ApprovalsRequired - r.ValidApprovals()
		what := "an approver"
		switch {
		case need > 1:
			what = strconv.Itoa(need) + " approvers"
		case r.ApprovalsRequired > 1:
			what = "a second approver"
		}
		var steps []string
		switch {
		case may.Approve.OK():
			steps = append(steps, "Waiting for "+what+": you can approve or reject it.")
		case len(approvers) == 0:
			steps = append(steps, "Waiting for "+what+", but nobody else may approve it: an admin must give another person the approver role.")
		default:
			steps = append(steps, "Waiting for "+what+": "+orList(approvers)+".")
		}
		steps = append(steps, "It expires on "+fmtWhen(r.ExpiresAt, loc).Text+" if nobody decides.")
		if may.Cancel.OK() {
			steps = append(steps, "You can cancel it meanwhile.")
		}
		return steps
	case change.Approved:
		return []string{"Approved; Rolegate sends the change to AWS in a moment. Nobody needs to act."}
	case change.Applying:
		if r.Phase == change.PhaseWaiting {
			return []string{"Waiting for the cluster or for AWS, for the reason above. Rolegate tries again by itself; nobody needs to act."}
		}
		return []string{"Sending the change to AWS. Nobody needs to act."}
	case change.Applied:
		return []string{"AWS accepted the change; Rolegate follows the roles until every one is in-sync. Nobody needs to act."}
	case change.InSync:
		return []string{"Nothing more: every role of the change is in-sync."}
	case change.Stale:
		return resubmit("The cluster's roles changed since the request was made.")
	case change.Failed:
		return resubmit("Once the cause is fixed, the change can be tried again.")
	case change.ClusterGone:
		return []string{"AWS reports that the cluster no longer exists, so nothing more will happen to this request. It stays in the history."}
	case change.Expired:
		return resubmit("Nobody decided in time.")
	case change.Rejected, change.Cancelled, change.Superseded:
		return []string{"Nothing more will happen to this request; it stays in the history."}
	}
	return nil
}

// liveAt is the cluster as the change service sees it: its account is
// known when it is a configured one, else its namespace ARN says.
func (h *Handler) liveAt(account, region string, c *types.Cluster) change.Live {
	if !h.inv.Configured(account) {
		account = ""
	}
	return change.LiveAt(account, region, c)
}

// orList joins names as people say them: "anna", "anna or arno",
// "anna, arno or vera".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// approversFor lists who may still approve a pending request: enabled
// users whose role can approve, other than the requester and those who
// approved its current hash. A failure to list them is logged and leaves
// the list empty.
func (h *Handler) approversFor(c echo.Context, r *change.Request) []string {
	if r.State != change.Pending {
		return nil
	}
	users, err := h.users.List(c.Request().Context())
	if err != nil {
		h.log.Warn("listing who can approve a change request", "request_id", requestIDOf(c), "change", r.ID, "err", err)
		return nil
	}
	var out []string
	for _, u := range users {
		if !u.Disabled && u.Role.CanApprove() && u.ID != r.RequesterID && !r.ApprovedBy(u.ID) {
			out = append(out, u.Username)
		}
	}
	return out
}
