package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/views/pages"
)

func bulkTone(s change.BulkState) string {
	switch s {
	case change.BulkApproved:
		return "ok"
	case change.BulkPending:
		return "warn"
	case change.BulkRejected, change.BulkStale:
		return "bad"
	default:
		return "muted"
	}
}

func (h *Handler) bulkList(c echo.Context) error {
	list, err := h.changes.ListBulks(c.Request().Context(), 100)
	if err != nil {
		return err
	}
	members, err := h.changes.BulkMembersOf(c.Request().Context(), bulkIDs(list))
	if err != nil {
		return err
	}
	var p pages.BulkListPage
	for _, b := range list {
		p.Rows = append(p.Rows, pages.BulkListRow{
			ID: b.ID, URL: bulkURL(b.ID), Requester: b.RequesterUsername, Reason: b.Reason,
			Clusters: len(b.Members), Changed: len(b.Changed()), State: b.State.Label(), StateTone: bulkTone(b.State),
			Overall: b.Progress(members[b.ID]).Overall,
		})
	}
	return h.render(c, http.StatusOK, pages.BulkList(p))
}

func bulkIDs(list []*change.Bulk) []int64 {
	ids := make([]int64, len(list))
	for i, b := range list {
		ids[i] = b.ID
	}
	return ids
}

// bulkPage is the bulk request's page as the signed-in user may act on it.
func (h *Handler) bulkPage(c echo.Context) (*pages.BulkPage, error) {
	id, err := changeID(c)
	if err != nil {
		return nil, err
	}
	ctx := c.Request().Context()
	b, err := h.changes.GetBulk(ctx, id)
	if err != nil {
		return nil, changeError(err)
	}
	members, err := h.changes.BulkMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	prog := b.Progress(members)
	may := change.BulkPermissions(actorOf(c), b, members)
	p := &pages.BulkPage{
		ID: b.ID, Hash: b.Hash, State: b.State.Label(), StateTone: bulkTone(b.State),
		Overall: prog.Overall, OverallTone: prog.Tone, Live: !prog.Done && b.State == change.BulkApproved, StatusURL: bulkURL(b.ID) + "/status",
		Requester: b.RequesterUsername, Reason: b.Reason, Ticket: b.Ticket, Add: b.Add, Remove: b.Remove, Default: b.Default,
		Risk: string(b.Risk), ApprovalsRequired: b.ApprovalsRequired,
		CanApprove: may.Approve.OK(), CanReject: may.Reject.OK(), CanCancel: may.Cancel.OK(), CanResubmit: may.Resubmit.OK(),
		Errors: map[string]string{}, ResubmittedFrom: b.ResubmittedFrom, SupersededBy: b.SupersededBy,
		Counts: countsLine(prog), AuditURL: bulkAuditURL(b.ID),
	}
	if !p.CanApprove && userOf(c).CanApprove() {
		p.WhyNot = may.Approve.Why
	}
	if len(members) > 0 {
		seen := map[string]bool{}
		for _, a := range members[0].Approvals {
			if a.Hash == members[0].Hash && !seen[a.ApproverUsername] {
				seen[a.ApproverUsername] = true
				p.Approvers = append(p.Approvers, a.ApproverUsername)
			}
		}
		p.Approvals = len(p.Approvers)
	}
	byID := make(map[int64]*change.Request, len(members))
	for _, r := range members {
		byID[r.ID] = r
	}
	for _, m := range b.Members {
		row := pages.BulkMemberRow{Cluster: m.Cluster, Region: m.Region, Account: h.accountLabel(m.Account),
			ClusterURL: clusterURL(m.Account, m.Region, m.Cluster), Outcome: string(m.Outcome)}
		r := byID[m.ChangeID]
		if m.Outcome != change.MemberChange || r == nil {
			row.Change, row.State, row.StateTone, row.Progress = m.Note, "no change needed", "muted", "nothing to do: "+m.Note
			p.Members = append(p.Members, row)
			continue
		}
		row.ChangeID, row.ChangeURL = r.ID, changeURL(r.ID)
		row.Change = memberChange(r)
		row.State, row.StateTone, row.Progress = r.State.Label(), stateTone(r.State), memberProgress(r)
		p.Members = append(p.Members, row)
	}
	return p, nil
}

func countsLine(p change.Progress) string {
	return strconv.Itoa(p.Clusters) + " clusters: " + strconv.Itoa(p.Changed) + " to change, " + strconv.Itoa(p.NoOp) + " with nothing to change; " +
		strconv.Itoa(p.InSync) + " in-sync, " + strconv.Itoa(p.Applying) + " in progress, " + strconv.Itoa(p.Pending) + " waiting for approval, " +
		strconv.Itoa(p.Failed) + " failed, " + strconv.Itoa(p.Closed) + " closed"
}

func memberChange(r *change.Request) string {
	var parts []string
	for _, a := range r.Add {
		parts = append(parts, "+ "+a)
	}
	for _, a := range r.Remove {
		parts = append(parts, "− "+a)
	}
	if r.Default != "" {
		parts = append(parts, "default → "+r.Default)
	}
	return strings.Join(parts, "; ")
}

// memberProgress says plainly where one member stands.
func memberProgress(r *change.Request) string {
	switch {
	case r.State == change.InSync:
		return "done: every role is in-sync"
	case r.State == change.Applied:
		return "applied; waiting for the roles to be in-sync"
	case r.State == change.Applying && r.Phase == change.PhaseWaiting:
		return "waiting for the cluster: " + r.StateReason
	case r.State == change.Applying:
		return "being applied"
	case r.State == change.Approved:
		return "approved; about to be applied"
	case r.State == change.Pending:
		return "waiting for approval of the set"
	case r.State == change.Failed, r.State == change.ClusterGone:
		return "failed: " + r.StateReason + " (the other clusters are not undone)"
	case r.State == change.Stale:
		return "stale: the cluster changed since the set was submitted (" + r.StateReason + ")"
	default:
		return r.State.Label()
	}
}

func (h *Handler) bulkShow(c echo.Context) error {
	p, err := h.bulkPage(c)
	if err != nil {
		return err
	}
	kept, err := h.takeKeptComment(c, bulkURL(p.ID))
	if err != nil {
		return err
	}
	if kept != "" && p.CanApprove {
		p.Comment = kept
	}
	return h.render(c, http.StatusOK, pages.Bulk(*p))
}

// bulkStatus is the progress panel htmx polls while members move.
func (h *Handler) bulkStatus(c echo.Context) error {
	p, err := h.bulkPage(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.BulkStatus(*p))
}

func (h *Handler) bulkApprove(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	comment := c.FormValue("comment")
	_, err = h.changes.ApproveBulk(c.Request().Context(), actorOf(c), h.auditOrigin(c), id, c.FormValue("bulk_hash"), comment)
	return h.afterBulkDecision(c, id, err, comment)
}

func (h *Handler) bulkReject(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	comment := c.FormValue("comment")
	_, err = h.changes.RejectBulk(c.Request().Context(), actorOf(c), h.auditOrigin(c), id, comment)
	return h.afterBulkDecision(c, id, err, comment)
}

func (h *Handler) bulkCancel(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	_, err = h.changes.CancelBulk(c.Request().Context(), actorOf(c), h.auditOrigin(c), id)
	return h.afterBulkDecision(c, id, err, "")
}

func (h *Handler) bulkResubmit(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	b, err := h.changes.ResubmitBulk(c.Request().Context(), actorOf(c), h.auditOrigin(c), id)
	var verr *change.ValidationError
	if errors.As(err, &verr) {
		err = &change.Refusal{Kind: change.ErrConflict, Message: "the set cannot be resubmitted as it is: " + strings.Join(fieldMessages(verr.Fields), "; ") + ". Start a new bulk change from the cluster list."}
	}
	if err != nil {
		return h.afterBulkDecision(c, id, err, "")
	}
	return c.Redirect(http.StatusSeeOther, bulkURL(b.ID))
}

// fieldMessages lists a refusal's messages, each cluster's named.
func fieldMessages(f change.FieldErrors) []string {
	var out []string
	for k, v := range f {
		if key, ok := memberKey(k); ok {
			parts := strings.Split(key, "/")
			out = append(out, parts[len(parts)-1]+": "+v)
		} else {
			out = append(out, v)
		}
	}
	return out
}

// afterBulkDecision redirects to the bulk page on success; a comment
// error or a refusal re-renders it with the message, the comment kept.
func (h *Handler) afterBulkDecision(c echo.Context, id int64, err error, comment string) error {
	var verr *change.ValidationError
	var ref *change.Refusal
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, bulkURL(id))
	case errors.As(err, &verr):
		p, perr := h.bulkPage(c)
		if perr != nil {
			return perr
		}
		p.Errors = verr.Fields
		if _, ok := verr.Fields[change.FieldRejectComment]; ok {
			p.RejectComment = comment
		} else {
			p.Comment = comment
		}
		return h.render(c, http.StatusUnprocessableEntity, pages.Bulk(*p))
	case errors.As(err, &ref) && !errors.Is(err, change.ErrNotFound):
		p, perr := h.bulkPage(c)
		if perr != nil {
			return perr
		}
		p.Errors = map[string]string{"action": ref.Message}
		p.Comment = comment
		status := http.StatusConflict
		if errors.Is(err, change.ErrForbidden) {
			status = http.StatusForbidden
		}
		h.log.Info("bulk request action refused", "request_id", requestIDOf(c), "bulk", id, "path", c.Path(), "reason", ref.Message)
		return h.render(c, status, pages.Bulk(*p))
	}
	return changeError(err)
}
