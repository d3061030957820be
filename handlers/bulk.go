package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// routesBulk: one change over a set of clusters. Choosing the set and
// previewing need the requester role; deciding the approver role, and the
// service checks the same rules again, separation of duties included.
func (h *Handler) routesBulk(e *echo.Echo) {
	viewer := h.requireRole(auth.RoleViewer)
	requester := h.requireRole(auth.RoleRequester)
	approver := h.requireRole(auth.RoleApprover)

	e.GET("/bulk", h.bulkList, viewer)
	e.GET("/bulk/new", h.bulkNew, requester)
	e.POST("/bulk/preview", h.bulkPreview, requester)
	e.POST("/bulk", h.bulkCreate, requester)
	e.GET("/bulk/:id", h.bulkShow, viewer)
	e.GET("/bulk/:id/status", h.bulkStatus, viewer)
	// Approving asks for the password again when the sign-in is old.
	e.POST("/bulk/:id/approve", h.bulkApprove, approver, h.requireRecentAuth)
	e.POST("/bulk/:id/reject", h.bulkReject, approver)
	e.POST("/bulk/:id/cancel", h.bulkCancel, requester)
	e.POST("/bulk/:id/resubmit", h.bulkResubmit, requester)
}

func bulkURL(id int64) string { return "/bulk/" + strconv.FormatInt(id, 10) }

// clusterIDPattern is what a cluster identifier in a bulk form may be.
var clusterIDPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)

// targetValue is a cluster as the bulk form carries it.
func targetValue(account, region, cluster string) string {
	return accountSegment(account) + "/" + region + "/" + cluster
}

// parseTargets reads the chosen clusters ("account/region/cluster", "-"
// for an account that is not known); a value that is not one is refused.
func parseTargets(values []string) ([]change.Target, error) {
	out := make([]change.Target, 0, len(values))
	for _, v := range values {
		parts := strings.Split(v, "/")
		if len(parts) != 3 {
			return nil, httpError(http.StatusBadRequest, "A chosen cluster is not one Rolegate knows how to read.", fmt.Errorf("bulk target %q", v))
		}
		account, region, cluster := parts[0], parts[1], parts[2]
		switch {
		case account == unknownAccount:
			account = ""
		case len(account) != 12 || strings.Trim(account, "0123456789") != "":
			return nil, httpError(http.StatusBadRequest, "A chosen cluster names no AWS account.", fmt.Errorf("bulk target %q", v))
		}
		if !regionFilter.MatchString(region) || !clusterIDPattern.MatchString(cluster) {
			return nil, httpError(http.StatusBadRequest, "A chosen cluster is not a Redshift cluster identifier in a region.", fmt.Errorf("bulk target %q", v))
		}
		out = append(out, change.Target{Account: account, Region: region, Cluster: cluster})
	}
	return out, nil
}

// withSnapshots gives each target the inventory's snapshot of its
// cluster; missing lists those the inventory does not hold.
func (h *Handler) withSnapshots(ctx context.Context, targets []change.Target) (found []change.Target, missing []change.Target, err error) {
	inv, err := h.inv.List(ctx)
	if err != nil && errors.Is(err, context.Canceled) {
		return nil, nil, err
	}
	byKey := make(map[change.ClusterKey]*inventory.Cluster, len(inv.Clusters))
	for _, cl := range inv.Clusters {
		byKey[change.ClusterKey{Account: cl.Account, Region: cl.Region, Cluster: cl.ID}] = cl
	}
	for _, t := range targets {
		cl, ok := byKey[t.Key()]
		if !ok {
			missing = append(missing, t)
			continue
		}
		t.API = cl.API
		found = append(found, t)
	}
	return found, missing, nil
}

// bulkInput reads the bulk form as typed.
func bulkInput(c echo.Context) (change.BulkInput, []change.Target, string, error) {
	form, err := c.FormParams()
	if err != nil {
		return change.BulkInput{}, nil, "", httpError(http.StatusBadRequest, "", err)
	}
	targets, err := parseTargets(form["c"])
	if err != nil {
		return change.BulkInput{}, nil, "", err
	}
	in := change.BulkInput{Add: form.Get("add"), Remove: form.Get("remove"), Default: form.Get("default"), Reason: form.Get("reason"), Ticket: form.Get("ticket")}
	return in, targets, safeBack(form.Get("back")), nil
}

// safeBack keeps a return address only when it is the cluster list.
func safeBack(back string) string {
	if back == "/clusters" || strings.HasPrefix(back, "/clusters?") {
		return back
	}
	return "/clusters"
}

// bulkFormPage is the form with its set and what was typed.
func (h *Handler) bulkFormPage(in change.BulkInput, targets []change.Target, back string, fromFilter bool) pages.BulkFormPage {
	p := pages.BulkFormPage{Back: back, FromFilter: fromFilter, Limit: h.changes.BulkLimit(),
		Add: in.Add, Remove: in.Remove, Default: in.Default, Reason: in.Reason, Ticket: in.Ticket, Errors: map[string]string{}}
	for _, t := range targets {
		p.Clusters = append(p.Clusters, h.bulkCluster(t.Account, t.Region, t.Cluster))
	}
	return p
}

func (h *Handler) bulkCluster(account, region, cluster string) pages.BulkCluster {
	return pages.BulkCluster{Value: targetValue(account, region, cluster), Cluster: cluster, Region: region, Account: h.accountLabel(account)}
}

// previewRows turns the plans into the preview table, with the clusters
// the inventory does not hold as blocked, and the refusal of a
// submission (by MemberField) over the plan's own word.
func (h *Handler) previewRows(plans []change.MemberPlan, planned, missing []change.Target, refused change.FieldErrors) ([]pages.BulkPreviewRow, string, bool) {
	var rows []pages.BulkPreviewRow
	counts := map[change.MemberStatus]int{}
	blocked := false
	for i, m := range plans {
		t := planned[i]
		r := pages.BulkPreviewRow{BulkCluster: h.bulkCluster(t.Account, t.Region, t.Cluster), Status: string(m.Status), Note: m.Note, Problem: m.Problem}
		if msg := refused[change.MemberField(t.Key())]; msg != "" {
			r.Problem, r.Status = msg, string(change.StatusBlocked)
		}
		for _, a := range m.Add {
			r.Change = append(r.Change, "+ "+a)
		}
		for _, a := range m.Remove {
			r.Change = append(r.Change, "− "+a)
		}
		if m.Default != "" {
			r.Change = append(r.Change, "default → "+m.Default)
		}
		if m.Waits != "" {
			r.Note = m.Waits
		}
		r.Checks = checkRows(m.Checks)
		for _, c := range m.Checks {
			if c.Status == change.CheckFail {
				r.Failing++
			}
		}
		if m.Risk == change.RiskHigh {
			r.Risk = "high risk (two approvers for the whole set): " + strings.Join(m.RiskReasons, "; ")
		}
		r.Tone = memberTone(change.MemberStatus(r.Status))
		if r.Problem != "" {
			blocked = true
		}
		counts[change.MemberStatus(r.Status)]++
		rows = append(rows, r)
	}
	for _, t := range missing {
		msg := "the cluster is not in the inventory (deleted, or its region is not read); leave it out of the set"
		if m := refused[change.MemberField(t.Key())]; m != "" {
			msg = m
		}
		rows = append(rows, pages.BulkPreviewRow{BulkCluster: h.bulkCluster(t.Account, t.Region, t.Cluster), Status: string(change.StatusBlocked), Tone: "bad", Problem: msg})
		counts[change.StatusBlocked]++
		blocked = true
	}
	var parts []string
	for _, s := range []change.MemberStatus{change.StatusChange, change.StatusPaused, change.StatusWaits, change.StatusHasIt, change.StatusNoOp, change.StatusQuota, change.StatusBlocked} {
		if n := counts[s]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+string(s))
		}
	}
	summary := strings.Join(parts, ", ") + "."
	if blocked {
		summary += " The clusters marked in red block the submission: fix the change or leave them out of the set."
	} else {
		summary += " Clusters where the change is already in place are listed and get no request."
	}
	return rows, summary, blocked
}

func memberTone(s change.MemberStatus) string {
	switch s {
	case change.StatusChange:
		return "info"
	case change.StatusPaused, change.StatusWaits:
		return "warn"
	case change.StatusQuota, change.StatusBlocked:
		return "bad"
	default:
		return "muted"
	}
}

// clusterListQuery is the cluster list's filter carried to the bulk form.
func clusterListQuery(q url.Values) string {
	q = maps.Clone(q)
	q.Del("all")
	q.Del("c")
	q.Del("page")
	if len(q) == 0 {
		return "/clusters"
	}
	return "/clusters?" + q.Encode()
}
