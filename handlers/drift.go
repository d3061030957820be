package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
	"rolegate/internal/drift"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// DriftOptions are the drift pages' dependencies.
type DriftOptions struct {
	// Drift keeps the changes found outside Rolegate; nil leaves the
	// badge, the filter and the actions out.
	Drift *drift.Service
}

type driftDeps struct {
	drift *drift.Service
}

func (h *Handler) setupDrift(o Options) error {
	h.drift = o.Drift
	return nil
}

// routesDrift are the two ways out of a drift: propose the revert (a
// requester; the change then needs its approvals as any other) or accept
// the live state as the new baseline (an approver, with a comment).
func (h *Handler) routesDrift(e *echo.Echo) {
	if h.drift == nil || h.inv == nil {
		return
	}
	requester := h.requireRole(auth.RoleRequester)
	approver := h.requireRole(auth.RoleApprover)
	e.POST("/clusters/:account/:region/:cluster/drift/revert", h.driftRevert, requester)
	e.POST("/clusters/:account/:region/:cluster/drift/accept", h.driftAccept, approver)
}

func driftKey(c echo.Context) (drift.Key, error) {
	account, region, id, err := clusterPlace(c)
	return drift.Key{Account: account, Region: region, Cluster: id}, err
}

func driftError(err error) error {
	if errors.Is(err, drift.ErrNoDrift) {
		return httpError(http.StatusConflict, "This cluster has no open drift: it was resolved or accepted meanwhile.", err)
	}
	return err
}

// driftRevert records the proposal and opens the change form prefilled
// with the change that restores the last audited state.
func (h *Handler) driftRevert(c echo.Context) error {
	k, err := driftKey(c)
	if err != nil {
		return err
	}
	rv, err := h.drift.ProposeRevert(c.Request().Context(), h.auditActor(c), h.auditOrigin(c), k)
	if err != nil {
		return driftError(err)
	}
	q := url.Values{}
	if len(rv.Add) > 0 {
		q.Set("add", strings.Join(rv.Add, "\n"))
	}
	for _, r := range rv.Remove {
		q.Add("remove", r)
	}
	if rv.Default != "" {
		q.Set("default", rv.Default)
	}
	q.Set("reason", "Revert the change made outside Rolegate")
	return c.Redirect(http.StatusSeeOther, clusterURL(k.Account, k.Region, k.Cluster)+"/changes/new?"+q.Encode())
}

// driftAccept makes the live state the new baseline; without a comment the
// cluster page comes back with the message next to the field.
func (h *Handler) driftAccept(c echo.Context) error {
	k, err := driftKey(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cl, err := h.inv.Cluster(ctx, k.Account, k.Region, k.Cluster, true)
	if err != nil {
		return changeError(err)
	}
	comment := c.FormValue("comment")
	err = h.drift.Accept(ctx, h.auditActor(c), h.auditOrigin(c), k, cl, comment)
	if errors.Is(err, drift.ErrCommentRequired) {
		c.Set(driftFormKey, pages.DriftForm{Comment: comment, Error: "Say why the change outside Rolegate is accepted."})
		return h.clusterShow(c)
	}
	if err != nil {
		return driftError(err)
	}
	h.addFlash(c, "success", "The drift was accepted: the cluster's current roles are its new baseline.")
	return c.Redirect(http.StatusSeeOther, clusterURL(k.Account, k.Region, k.Cluster))
}

const driftFormKey = "drift_form"

// driftPanel is the cluster's open drift for its page, nil when none.
func (h *Handler) driftPanel(c echo.Context, cl *inventory.Cluster) *pages.DriftPanel {
	if h.drift == nil {
		return nil
	}
	k := drift.Key{Account: cl.Account, Region: cl.Region, Cluster: cl.ID}
	d, err := h.drift.Open(c.Request().Context(), k)
	if err != nil {
		if !errors.Is(err, drift.ErrNoDrift) {
			h.log.Warn("reading the open drift", "request_id", requestIDOf(c), "cluster", cl.ID, "err", err)
		}
		return nil
	}
	u := userOf(c)
	base := clusterURL(cl.Account, cl.Region, cl.ID)
	p := &pages.DriftPanel{
		Detected: clock(d.DetectedAt, zoneOf(c)), Added: d.Diff.Added, Removed: d.Diff.Removed,
		DefaultChanged: d.Diff.DefaultChanged, DefaultFrom: d.Diff.DefaultFrom, DefaultTo: d.Diff.DefaultTo,
		EventURL: "/audit/events/" + strconv.FormatInt(d.DetectedSeq, 10), RevertURL: base + "/drift/revert", AcceptURL: base + "/drift/accept",
		CanRevert: u.CanRequest(), CanAccept: u.CanApprove(),
	}
	if f, ok := c.Get(driftFormKey).(pages.DriftForm); ok {
		p.Form = f
	}
	if w := d.Who; w != nil {
		for _, e := range w.Events {
			p.Callers = append(p.Callers, pages.DriftCaller{ARN: e.ARN, SourceIdentity: e.SourceIdentity, When: clock(e.Time, zoneOf(c)),
				SourceIP: e.SourceIP, Added: e.Added, Removed: e.Removed})
		}
		switch {
		case len(p.Callers) > 0:
		case w.LookedUp && !w.NextLook.IsZero():
			p.WhoPending, p.NextLook = true, clock(w.NextLook, zoneOf(c))
		default:
			p.WhoNote = w.Text()
		}
	}
	return p
}

// driftedKeys are the clusters with an open drift, for the list.
func (h *Handler) driftedKeys(ctx context.Context, c echo.Context) map[drift.Key]bool {
	if h.drift == nil {
		return nil
	}
	keys, err := h.drift.OpenKeys(ctx)
	if err != nil {
		h.log.Warn("listing open drifts for the cluster list", "request_id", requestIDOf(c), "err", err)
	}
	return keys
}
