package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// pickerLimit is how many roles the picker lists at once.
const pickerLimit = 25

// rolePicker is the role search of a cluster's change form. With searched
// it lists the roles of the cluster's account whose name, path or ARN
// contains q, each marked by whether it trusts Redshift and whether the
// cluster or the form already has it.
func (h *Handler) rolePicker(c echo.Context, in change.Input, live change.Live, q string, searched bool) pages.RolePicker {
	if h.roles == nil {
		return pages.RolePicker{}
	}
	base := clusterURL(in.Account, in.Region, in.Cluster) + "/changes"
	p := pages.RolePicker{Enabled: true, SearchURL: base + "/new", PickURL: base + "/search", Query: q, Searched: searched}
	if !searched {
		return p
	}
	roles, more, err := h.roles.Search(c.Request().Context(), accountOf(live, in.Account), q, pickerLimit)
	if err != nil {
		h.log.Warn("listing IAM roles for the picker", "request_id", requestIDOf(c), "account", accountOf(live, in.Account), "err", err)
		p.Error = "The account's IAM roles could not be listed just now; type the role ARN instead."
		if inventory.Classify(err).Kind == inventory.KindDenied {
			p.Error = "Rolegate may not list this account's IAM roles (iam:ListRoles is not allowed); type the role ARN instead."
		}
		return p
	}
	adding := strings.Fields(in.Add)
	for _, r := range roles {
		p.Results = append(p.Results, pages.RolePick{
			ARN: r.ARN, Name: r.Name, Path: r.Path, Description: r.Description,
			TrustsRedshift: r.Trust.Redshift, ServiceLinked: r.ServiceLinked,
			Attached: slices.ContainsFunc(live.Roles, func(lr change.LiveRole) bool { return lr.ARN == r.ARN }),
			Adding:   slices.Contains(adding, r.ARN),
		})
	}
	p.More = more
	return p
}

// changeSearch is the role picker as a part of the change form: Search
// roles and each result's Add post the whole form here, and it comes back
// with every field as typed, the roles matching role_q listed, and the
// chosen role (pick) added to Roles to add, so that nothing typed is lost
// without JavaScript. It stores and sends nothing and writes no audit
// event. It is a POST, with the form's CSRF token, rather than a GET with
// every field in the query, so that a reason or ticket never lands in
// URLs, access logs or the browser's history.
func (h *Handler) changeSearch(c echo.Context) error {
	in, err := changeInput(c)
	if err != nil {
		return err
	}
	in.Add = withPick(in.Add, c.FormValue("pick"))
	ctx := c.Request().Context()
	cl, err := h.cachedCluster(ctx, in.Account, in.Region, in.Cluster)
	if err != nil {
		return changeError(err)
	}
	live := h.liveAt(in.Account, in.Region, cl)
	// Once the form holds a change, its preview is shown as Preview
	// would show it; an empty form is not yet faulted for being empty.
	var plan change.Plan
	var pv *pages.ChangePreview
	if strings.TrimSpace(in.Add) != "" || len(in.Remove) > 0 || in.Default != "" {
		var errs change.FieldErrors
		plan, errs = h.changes.Preview(change.ParseDraft(in), cl)
		plan.Checks, _ = h.changes.RoleChecks(ctx, accountOf(live, in.Account), plan.Add, plan.Default, plan.Checks)
		pv = previewOf(plan, errs, live)
	}
	p := h.changeFormPage(in, live, plan, nil, pv)
	p.Open, p.ConfirmOpen = h.openRequests(c, in.Account, in.Region, in.Cluster, 0), in.ConfirmOpen
	p.Picker = h.rolePicker(c, in, live, c.FormValue("role_q"), true)
	return h.render(c, http.StatusOK, pages.ChangeForm(p))
}

// withPick adds the role the picker chose to the typed roles to add, on a
// line of its own, unless it is there already.
func withPick(add, pick string) string {
	pick = strings.TrimSpace(pick)
	if pick == "" || slices.Contains(strings.Fields(add), pick) {
		return add
	}
	add = strings.TrimRight(add, " \t\r\n")
	if add == "" {
		return pick
	}
	return add + "\n" + pick
}
