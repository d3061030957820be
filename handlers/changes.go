package handlers

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/labstack/echo/v4"

	"rolegate/internal/account"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/internal/iam"
	"rolegate/internal/inventory"
	"rolegate/views/pages"
)

// ChangeOptions are the dependencies of the change-request pages.
type ChangeOptions struct {
	Changes *change.Service
	// Roles lists the accounts' IAM roles for the role picker; nil leaves
	// the form without one.
	Roles *iam.Service
}

type changeDeps struct {
	changes *change.Service
	roles   *iam.Service
}

func (h *Handler) setupChanges(o Options) error {
	if o.Changes == nil || o.Gateway == nil {
		return errors.New("handlers: Changes and the inventory Gateway are required")
	}
	h.changes, h.roles = o.Changes, o.Roles
	return nil
}

// accountOf is the cluster's account: as its description says, else the
// one it was asked in.
func accountOf(live change.Live, asked string) string {
	if live.Account != "" {
		return live.Account
	}
	return asked
}

// cachedCluster reads the cluster for the new-change form and its preview
// from the inventory's cache when fresh, so that a refused draft costs no
// AWS call. Creating and approving always read it from AWS.
func (h *Handler) cachedCluster(ctx context.Context, account, region, id string) (*types.Cluster, error) {
	c, err := h.inv.Cluster(ctx, account, region, id, false)
	switch {
	case err == nil:
		return c.API, nil
	case errors.Is(err, inventory.ErrNotFound), errors.Is(err, inventory.ErrUnknownRegion):
		return nil, err
	default:
		return nil, httpError(http.StatusServiceUnavailable, awsSafeMessage(err), err)
	}
}

// routesChanges: reading requests needs a sign-in; proposing needs the
// requester role, deciding the approver role. The service checks the same
// rules again, and separation of duties (never your own request) lives there.
func (h *Handler) routesChanges(e *echo.Echo) {
	viewer := h.requireRole(auth.RoleViewer)
	requester := h.requireRole(auth.RoleRequester)
	approver := h.requireRole(auth.RoleApprover)

	e.GET("/changes", h.changeList, viewer)
	e.GET("/changes/:id", h.changeShow, viewer)
	e.GET("/changes/:id/status", h.changeStatus, viewer)
	// Approving asks for the password again when the sign-in is old.
	e.POST("/changes/:id/approve", h.changeApprove, approver, h.requireRecentAuth)
	e.POST("/changes/:id/reject", h.changeReject, approver)
	e.POST("/changes/:id/cancel", h.changeCancel, requester)
	e.POST("/changes/:id/resubmit", h.changeResubmit, requester)

	e.GET("/clusters/:account/:region/:cluster/changes/new", h.changeNew, requester)
	e.POST("/clusters/:account/:region/:cluster/changes", h.changeCreate, requester)
	e.POST("/clusters/:account/:region/:cluster/changes/preview", h.changePreview, requester)
	e.POST("/clusters/:account/:region/:cluster/changes/search", h.changeSearch, requester)
}

// regionFilter is what a region filter may hold: a region name, perhaps
// one Rolegate no longer sweeps.
var regionFilter = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$`)

// changesOfCluster is the queue filtered to one cluster's requests: in its
// account when Rolegate manages several (requests stored without an
// account count as the home account's).
func (h *Handler) changesOfCluster(account, region, cluster string) string {
	v := url.Values{"cluster": {cluster}, "region": {region}}
	if account != "" && len(h.accountOptions()) > 0 {
		v.Set("account", account)
	}
	return "/changes?" + v.Encode()
}

// actorOf is the signed-in user as the change service sees them.
func actorOf(c echo.Context) change.Actor {
	u := authUserOf(c)
	if u == nil {
		return change.Actor{}
	}
	return change.Actor{ID: u.ID, Username: u.Username, Name: u.DisplayName, Role: u.Role}
}

// changeError maps the change service's refusals to pages: its messages are
// written for people and safe to show.
func changeError(err error) error {
	var ref *change.Refusal
	msg := ""
	if errors.As(err, &ref) {
		msg = ref.Message
	}
	switch {
	case errors.Is(err, change.ErrNotFound), errors.Is(err, inventory.ErrNotFound), errors.Is(err, inventory.ErrUnknownRegion):
		return httpError(http.StatusNotFound, "There is no such change request or cluster.", err)
	case errors.Is(err, change.ErrForbidden):
		return httpError(http.StatusForbidden, msg, err)
	case errors.Is(err, change.ErrStale), errors.Is(err, change.ErrConflict):
		return httpError(http.StatusConflict, msg, err)
	case errors.Is(err, change.ErrUnavailable):
		return httpError(http.StatusServiceUnavailable, "AWS could not be reached to read the cluster; nothing was changed. Try again shortly.", err)
	}
	return err
}

func changeID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpError(http.StatusNotFound, "", err)
	}
	return id, nil
}

// changeInput reads the new-change form as typed.
func changeInput(c echo.Context) (change.Input, error) {
	account, region, id, err := clusterPlace(c)
	if err != nil {
		return change.Input{}, err
	}
	form, err := c.FormParams()
	if err != nil {
		return change.Input{}, httpError(http.StatusBadRequest, "", err)
	}
	in := change.Input{
		Account:     account,
		Region:      region,
		Cluster:     id,
		Add:         form.Get("add"),
		Remove:      form["remove"],
		Default:     form.Get("default"),
		Reason:      form.Get("reason"),
		Ticket:      form.Get("ticket"),
		ConfirmOpen: form.Get("confirm_open") == "1",
	}
	for _, v := range form["open_seen"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			in.SeenOpen = append(in.SeenOpen, id)
		}
	}
	return in, nil
}

func (h *Handler) changeNew(c echo.Context) error {
	account, region, id, err := clusterPlace(c)
	if err != nil {
		return err
	}
	// A form opened prefilled (the revert of a drift) starts with the
	// change it was given; it is only stored when submitted.
	q := c.QueryParams()
	in := change.Input{Account: account, Region: region, Cluster: id,
		Add: q.Get("add"), Remove: q["remove"], Default: q.Get("default"), Reason: q.Get("reason")}
	cl, err := h.cachedCluster(c.Request().Context(), in.Account, in.Region, in.Cluster)
	if err != nil {
		return changeError(err)
	}
	var plan change.Plan
	if in.Add != "" || len(in.Remove) > 0 || in.Default != "" {
		plan, _ = h.changes.Preview(change.ParseDraft(in), cl)
	}
	live := h.liveAt(in.Account, in.Region, cl)
	p := h.changeFormPage(in, live, plan, nil, nil)
	_, searched := c.QueryParams()["role_q"]
	p.Picker = h.rolePicker(c, in, live, c.QueryParam("role_q"), searched)
	if searched && isHTMX(c) {
		return h.render(c, http.StatusOK, pages.RoleResults(p.Picker))
	}
	p.Open = h.openRequests(c, in.Account, in.Region, in.Cluster, 0)
	return h.render(c, http.StatusOK, pages.ChangeForm(p))
}

// changePreview shows the resulting roles and checks of a draft without
// storing or sending anything. htmx swaps the #preview panel; without
// JavaScript the Preview button posts here and gets the whole form back.
func (h *Handler) changePreview(c echo.Context) error {
	in, err := changeInput(c)
	if err != nil {
		return err
	}
	cl, err := h.cachedCluster(c.Request().Context(), in.Account, in.Region, in.Cluster)
	if err != nil {
		return changeError(err)
	}
	plan, errs := h.changes.Preview(change.ParseDraft(in), cl)
	live := h.liveAt(in.Account, in.Region, cl)
	plan.Checks, _ = h.changes.RoleChecks(c.Request().Context(), accountOf(live, in.Account), plan.Add, plan.Default, plan.Checks)
	p := h.changeFormPage(in, live, plan, nil, previewOf(plan, errs, live))
	if isHTMX(c) {
		p.DefaultStale = c.FormValue("default_offered") != p.DefaultOffered
		return h.render(c, http.StatusOK, pages.PreviewFragment(p))
	}
	p.Open, p.ConfirmOpen = h.openRequests(c, in.Account, in.Region, in.Cluster, 0), in.ConfirmOpen
	// A search typed before pressing Preview keeps its results.
	q, searched := c.FormValue("role_q"), strings.TrimSpace(c.FormValue("role_q")) != ""
	p.Picker = h.rolePicker(c, in, live, q, searched)
	return h.render(c, http.StatusOK, pages.ChangeForm(p))
}

func (h *Handler) changeCreate(c echo.Context) error {
	in, err := changeInput(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	d := change.ParseDraft(in)
	r, err := h.changes.Create(ctx, actorOf(c), h.auditOrigin(c), d)
	var verr *change.ValidationError
	if errors.As(err, &verr) {
		cl, cerr := h.cachedCluster(ctx, in.Account, in.Region, in.Cluster)
		if cerr != nil {
			return changeError(cerr)
		}
		live := h.liveAt(in.Account, in.Region, cl)
		plan, errs := h.changes.Preview(d, cl)
		plan.Checks, _ = h.changes.RoleChecks(ctx, accountOf(live, in.Account), plan.Add, plan.Default, plan.Checks)
		p := h.changeFormPage(in, live, plan, verr.Fields, previewOf(plan, errs, live))
		// A refusal for unseen open requests asks to confirm again, now
		// that they are shown.
		p.Open, p.ConfirmOpen = h.openRequests(c, in.Account, in.Region, in.Cluster, 0), in.ConfirmOpen && verr.Fields[change.FieldOpen] == ""
		p.Picker = h.rolePicker(c, in, live, c.FormValue("role_q"), false)
		return h.render(c, http.StatusUnprocessableEntity, pages.ChangeForm(p))
	}
	if err != nil {
		return changeError(err)
	}
	return c.Redirect(http.StatusSeeOther, changeURL(r.ID))
}

func (h *Handler) changeShow(c echo.Context) error {
	p, err := h.changePage(c)
	if err != nil {
		return err
	}
	// Back from re-authenticating to approve: the comment typed then goes
	// back into the approve form.
	kept, err := h.takeKeptComment(c, changeURL(p.ID))
	if err != nil {
		return err
	}
	if kept != "" && p.CanApprove {
		p.Comment, p.CommentKept = kept, true
	}
	return h.render(c, http.StatusOK, pages.Change(*p))
}

// changeStatus is the live status panel htmx polls while the request moves,
// with the history out of band; once the request settles the panel renders
// without the polling trigger, and the history it brings ends on the event
// that settled it.
func (h *Handler) changeStatus(c echo.Context) error {
	p, err := h.changePage(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, pages.ChangeStatusFragment(*p))
}

func (h *Handler) changeApprove(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	comment := c.FormValue("comment")
	_, err = h.changes.Approve(c.Request().Context(), actorOf(c), h.auditOrigin(c), id, c.FormValue("change_hash"), comment)
	return h.afterDecision(c, id, err, comment)
}

func (h *Handler) changeReject(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	comment := c.FormValue("comment")
	_, err = h.changes.Reject(c.Request().Context(), actorOf(c), h.auditOrigin(c), id, comment)
	return h.afterDecision(c, id, err, comment)
}

func (h *Handler) changeCancel(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	_, err = h.changes.Cancel(c.Request().Context(), actorOf(c), h.auditOrigin(c), id)
	return h.afterDecision(c, id, err, "")
}

func (h *Handler) changeResubmit(c echo.Context) error {
	id, err := changeID(c)
	if err != nil {
		return err
	}
	r, err := h.changes.Resubmit(c.Request().Context(), actorOf(c), h.auditOrigin(c), id)
	if err != nil {
		return h.afterDecision(c, id, err, "")
	}
	return c.Redirect(http.StatusSeeOther, changeURL(r.ID))
}

// afterDecision redirects to the request page on success; a comment error
// re-renders the page with the message next to the field it names and the
// comment kept in that field.
func (h *Handler) afterDecision(c echo.Context, id int64, err error, comment string) error {
	var verr *change.ValidationError
	if errors.As(err, &verr) {
		p, perr := h.changePage(c)
		if perr != nil {
			return perr
		}
		p.Errors = verr.Fields
		if _, ok := verr.Fields[change.FieldRejectComment]; ok {
			p.RejectComment = comment
		} else {
			p.Comment = comment
		}
		return h.render(c, http.StatusUnprocessableEntity, pages.Change(*p))
	}
	// A refusal (not yours to decide, or the request moved on) is shown on
	// the request page itself, as it is now, above what blocks it.
	var ref *change.Refusal
	if errors.As(err, &ref) && !errors.Is(err, change.ErrNotFound) {
		p, perr := h.changePage(c)
		if perr != nil {
			return perr
		}
		p.Errors = map[string]string{"action": ref.Message}
		status := http.StatusConflict
		if errors.Is(err, change.ErrForbidden) {
			status = http.StatusForbidden
		}
		h.log.Info("change request action refused", "request_id", requestIDOf(c), "change", id, "path", c.Path(), "reason", ref.Message)
		return h.render(c, status, pages.Change(*p))
	}
	if err != nil {
		return changeError(err)
	}
	return c.Redirect(http.StatusSeeOther, changeURL(id))
}

// changeList is the queue, filtered by state, cluster, requester, or the
// requests waiting for the signed-in approver.
func (h *Handler) changeList(c echo.Context) error {
	q := c.QueryParams()
	p := pages.ChangeListPage{
		State: q.Get("state"), Account: q.Get("account"), Region: q.Get("region"), Cluster: q.Get("cluster"), Requester: q.Get("requester"),
		Mine: q.Get("mine") == "1", Errors: map[string]string{}, CanCreate: userOf(c).CanRequest(),
	}
	if h.inv != nil {
		p.Accounts = h.accountOptions()
	}
	for _, s := range change.AllStates {
		p.States = append(p.States, string(s))
	}
	f := change.ListFilter{
		Account: strings.TrimSpace(p.Account), Region: strings.TrimSpace(p.Region), Cluster: strings.TrimSpace(p.Cluster),
		RequesterUsername: strings.TrimSpace(p.Requester), Limit: 50,
	}
	if f.Account != "" && !account.ValidID(f.Account) {
		p.Errors["account"] = strconv.Quote(p.Account) + " is not an AWS account ID (12 digits)"
	}
	if f.Region != "" && !regionFilter.MatchString(f.Region) {
		p.Errors["region"] = strconv.Quote(p.Region) + " is not an AWS region name such as eu-west-1"
	}
	if p.State != "" {
		st := change.State(p.State)
		if !slices.Contains(change.AllStates, st) {
			p.Errors["state"] = strconv.Quote(p.State) + " is not a state; pick one of the listed states"
		}
		f.States = []change.State{st}
	}
	if p.Mine {
		f.ToApproveBy = actorOf(c).ID
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			p.Errors["before"] = "the page cursor is not valid"
		}
		f.Before = n
	}
	if len(p.Errors) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, pages.ChangeList(p))
	}
	rows, err := h.changes.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	for _, r := range rows {
		p.Rows = append(p.Rows, h.changeRow(r, zoneOf(c)))
	}
	if len(rows) == f.Limit {
		next := maps.Clone(q)
		next.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		p.OlderURL = "/changes?" + next.Encode()
	}
	if f.Before > 0 {
		first := maps.Clone(q)
		first.Del("before")
		p.NewerURL = "/changes?" + first.Encode()
	}
	return h.render(c, http.StatusOK, pages.ChangeList(p))
}
