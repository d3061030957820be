package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/views/pages"
)

// bulkNew opens the bulk form on the clusters ticked on the cluster list
// (c=account/region/cluster, repeated), or with all=1 on every cluster its
// filter matches, frozen now into the form.
func (h *Handler) bulkNew(c echo.Context) error {
	q := c.QueryParams()
	var targets []change.Target
	fromFilter := q.Get("all") == "1"
	back := clusterListQuery(q)
	if fromFilter {
		var err error
		if targets, err = h.filterTargets(c, q); err != nil {
			return err
		}
	} else {
		var err error
		if targets, err = parseTargets(q["c"]); err != nil {
			return err
		}
		back = safeBack(q.Get("back"))
	}
	p := h.bulkFormPage(change.BulkInput{}, targets, back, fromFilter)
	status := http.StatusOK
	switch {
	case len(targets) == 0:
		p.Errors["form"] = "no cluster is chosen: tick clusters on the list, or filter it and take every match"
		status = http.StatusUnprocessableEntity
	case len(targets) > h.changes.BulkLimit():
		p.Errors["form"] = "a bulk request holds at most " + strconv.Itoa(h.changes.BulkLimit()) + " clusters (the bulk limit setting); " + strconv.Itoa(len(targets)) + " are chosen: narrow the filter"
		status = http.StatusUnprocessableEntity
	}
	return h.render(c, status, pages.BulkForm(p))
}

// filterTargets is every cluster the cluster list's filter q matches
// now, as the list would show them.
func (h *Handler) filterTargets(c echo.Context, q url.Values) ([]change.Target, error) {
	ctx := c.Request().Context()
	inv, err := h.inv.List(ctx)
	if err != nil && ctx.Err() != nil {
		return nil, err
	}
	f := parseClusterFilter(q)
	f.driftSet = h.driftedKeys(ctx, c)
	open, err := h.changes.OpenByCluster(ctx)
	if err != nil {
		return nil, err
	}
	var targets []change.Target
	for _, cl := range h.pickClusters(inv, f, open).matched {
		targets = append(targets, change.Target{Account: cl.Account, Region: cl.Region, Cluster: cl.ID})
	}
	return targets, nil
}

// bulkPreview shows what the change does to each chosen cluster, from the
// inventory; nothing is stored or sent.
func (h *Handler) bulkPreview(c echo.Context) error {
	in, targets, back, err := bulkInput(c)
	if err != nil {
		return err
	}
	p, err := h.bulkPreviewPage(c, in, targets, back, nil)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return h.render(c, status, pages.BulkForm(p))
}

// bulkPreviewPage is the form with the preview of every cluster; refused
// holds a refused submission's messages, by field and by cluster.
func (h *Handler) bulkPreviewPage(c echo.Context, in change.BulkInput, targets []change.Target, back string, refused change.FieldErrors) (pages.BulkFormPage, error) {
	ctx := c.Request().Context()
	p := h.bulkFormPage(in, targets, back, c.FormValue("from_filter") == "1")
	found, missing, err := h.withSnapshots(ctx, targets)
	if err != nil {
		return p, err
	}
	plans, errs, err := h.changes.PreviewBulk(ctx, in, found)
	if err != nil {
		return p, err
	}
	for k, v := range errs {
		p.Errors[k] = v
	}
	for k, v := range refused {
		if _, member := memberKey(k); !member {
			p.Errors[k] = v
		}
	}
	if len(errs) > 0 {
		return p, nil
	}
	p.Preview, p.Summary, p.Blocked = h.previewRows(plans, found, missing, refused)
	if p.Preview == nil {
		p.Preview = []pages.BulkPreviewRow{}
	}
	return p, nil
}

// memberKey reports whether a field of a refusal names one cluster.
func memberKey(field string) (string, bool) { return strings.CutPrefix(field, "member:") }

// bulkCreate submits the set: every cluster is read from AWS now and the
// change planned against it; a cluster that cannot take it re-renders
// the form with 422, its message on its row and everything typed kept.
func (h *Handler) bulkCreate(c echo.Context) error {
	in, targets, back, err := bulkInput(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	b, err := h.changes.CreateBulk(ctx, actorOf(c), h.auditOrigin(c), in, targets)
	var verr *change.ValidationError
	if errors.As(err, &verr) {
		p, perr := h.bulkPreviewPage(c, in, targets, back, verr.Fields)
		if perr != nil {
			return perr
		}
		if len(p.Errors) == 0 && !p.Blocked {
			p.Errors["form"] = "the submission was refused; see the clusters below"
		}
		return h.render(c, http.StatusUnprocessableEntity, pages.BulkForm(p))
	}
	if err != nil {
		return changeError(err)
	}
	return c.Redirect(http.StatusSeeOther, bulkURL(b.ID))
}
