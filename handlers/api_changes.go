package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/change"
)

// apiChangeInput is the body of a new change request: the new-change
// form's fields, with the roles to add as a list instead of lines.
type apiChangeInput struct {
	Add         []string `json:"add"`
	Remove      []string `json:"remove"`
	Default     string   `json:"default"`
	Reason      string   `json:"reason"`
	Ticket      string   `json:"ticket"`
	ConfirmOpen bool     `json:"confirm_open"`
	OpenSeen    []int64  `json:"open_seen"`
}

// apiChange is a change request with its timeline.
type apiChange struct {
	ID int64 `json:"id"`
	// BulkID is the bulk request the request is a member of.
	BulkID            int64         `json:"bulk_id,omitempty"`
	Account           string        `json:"account"`
	Region            string        `json:"region"`
	Cluster           string        `json:"cluster"`
	State             string        `json:"state"`
	StateReason       string        `json:"state_reason,omitempty"`
	Phase             string        `json:"phase,omitempty"`
	Add               []string      `json:"add"`
	Remove            []string      `json:"remove"`
	Default           string        `json:"default,omitempty"`
	Result            []string      `json:"result"`
	ResultDefault     string        `json:"result_default,omitempty"`
	Reason            string        `json:"reason"`
	Ticket            string        `json:"ticket,omitempty"`
	Requester         string        `json:"requester"`
	Risk              string        `json:"risk"`
	RiskReasons       []string      `json:"risk_reasons,omitempty"`
	ApprovalsRequired int           `json:"approvals_required"`
	Approvals         int           `json:"approvals"`
	ChangeHash        string        `json:"change_hash"`
	AWSRequestID      string        `json:"aws_request_id,omitempty"`
	CreatedAt         time.Time     `json:"created_at"`
	UpdatedAt         time.Time     `json:"updated_at"`
	ExpiresAt         time.Time     `json:"expires_at"`
	Done              bool          `json:"done"`
	URL               string        `json:"url"`
	PageURL           string        `json:"page_url"`
	Timeline          []apiTimeline `json:"timeline"`
	// Checks are a pending request's pre-flight checks, as its page
	// shows them; ApprovalBlocked is why they refuse an approval now.
	Checks          []apiCheck `json:"checks,omitempty"`
	ApprovalBlocked string     `json:"approval_blocked,omitempty"`
}

// apiCheck is one line of the pre-flight checklist.
type apiCheck struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// apiTimeline is one audit event of a change request.
type apiTimeline struct {
	Seq          int64     `json:"seq"`
	Time         time.Time `json:"time"`
	Actor        string    `json:"actor"`
	Action       string    `json:"action"`
	Description  string    `json:"description"`
	Outcome      string    `json:"outcome"`
	AWSRequestID string    `json:"aws_request_id,omitempty"`
	Error        string    `json:"error,omitempty"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *Handler) apiChangeOf(c echo.Context, r *change.Request) (apiChange, error) {
	out := apiChange{
		ID: r.ID, BulkID: r.BulkID, Account: r.Account, Region: r.Region, Cluster: r.Cluster,
		State: string(r.State), StateReason: r.StateReason, Phase: string(r.Phase),
		Add: nonNil(r.Add), Remove: nonNil(r.Remove), Default: r.Default, Result: nonNil(r.Result()), ResultDefault: r.ResultDefault(),
		Reason: r.Reason, Ticket: r.Ticket, Requester: r.RequesterUsername,
		Risk: string(r.Risk), RiskReasons: r.RiskReasons, ApprovalsRequired: r.ApprovalsRequired, Approvals: r.ValidApprovals(),
		ChangeHash: r.Hash, AWSRequestID: r.AWSRequestID,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Done: r.State.Done(),
		URL: "/api/v1" + changeURL(r.ID), PageURL: changeURL(r.ID), Timeline: []apiTimeline{},
	}
	ctx := c.Request().Context()
	if r.State == change.Pending {
		h.apiChecksOf(c, r, &out)
	}
	page, err := h.audit.Query(ctx, audit.Filter{ChangeID: r.ID}, "", audit.MaxPageSize)
	if err != nil {
		return out, err
	}
	for i := len(page.Events) - 1; i >= 0; i-- {
		e := page.Events[i]
		t := apiTimeline{Seq: e.Seq, Time: e.Time.UTC(), Actor: e.Actor.Username, Action: string(e.Action),
			Description: e.Action.Description(), Outcome: string(e.Outcome), AWSRequestID: e.AWSRequestID, Error: e.ErrorMessage}
		if e.ErrorCode != "" {
			t.Error = e.ErrorCode + ": " + e.ErrorMessage
		}
		out.Timeline = append(out.Timeline, t)
	}
	return out, nil
}

// apiChecksOf adds a pending request's pre-flight checks, from the change
// service as the request page has them, against the inventory's copy of
// the cluster. When the cluster cannot be read the checks are left out
// (the request page says so in its blockers).
func (h *Handler) apiChecksOf(c echo.Context, r *change.Request, out *apiChange) {
	cl, err := h.cachedCluster(c.Request().Context(), r.Account, r.Region, r.Cluster)
	if err != nil {
		h.log.Warn("reading the cluster for a change request's checks", "request_id", requestIDOf(c), "change", r.ID, "err", err)
		return
	}
	rc := h.changes.RequestChecks(c.Request().Context(), r, cl)
	out.Checks = make([]apiCheck, 0, len(rc.Checks))
	for _, ch := range rc.Checks {
		out.Checks = append(out.Checks, apiCheck{Key: string(ch.Key), Name: ch.Name, Status: string(ch.Status), Detail: ch.Detail})
	}
	out.ApprovalBlocked = rc.Blocked
}

// apiChangeCreate proposes a change with the form's parsing and checks
// (change.ParseDraft and the service); a refused draft is a 422 problem
// whose errors hold the form's message for each field.
func (h *Handler) apiChangeCreate(c echo.Context) error {
	account, region, id, err := clusterPlace(c)
	if err != nil {
		return err
	}
	var body apiChangeInput
	if err := apiBind(c, &body); err != nil {
		return err
	}
	in := change.Input{
		Account: account, Region: region, Cluster: id,
		Add: strings.Join(body.Add, "\n"), Remove: body.Remove, Default: body.Default,
		Reason: body.Reason, Ticket: body.Ticket, SeenOpen: body.OpenSeen, ConfirmOpen: body.ConfirmOpen,
	}
	r, err := h.changes.Create(c.Request().Context(), apiActor(c), h.apiAuditOrigin(c), change.ParseDraft(in))
	var verr *change.ValidationError
	if errors.As(err, &verr) {
		return h.writeProblem(c, http.StatusUnprocessableEntity, "The change request was refused; nothing was stored or sent. See errors for each field.", verr.Fields)
	}
	if err != nil {
		return changeError(err)
	}
	out, err := h.apiChangeOf(c, r)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, out.URL)
	return apiJSONResponse(c, http.StatusCreated, out)
}

func apiChangeID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apiError(http.StatusNotFound, "There is no such change request.", err)
	}
	return id, nil
}

// apiChangeShow is a change request and its timeline; poll it until done.
func (h *Handler) apiChangeShow(c echo.Context) error {
	id, err := apiChangeID(c)
	if err != nil {
		return err
	}
	r, err := h.changes.Get(c.Request().Context(), id)
	if err != nil {
		return changeError(err)
	}
	out, err := h.apiChangeOf(c, r)
	if err != nil {
		return err
	}
	return apiJSONResponse(c, http.StatusOK, out)
}

// apiChangeCancel cancels the caller's own pending or approved request.
func (h *Handler) apiChangeCancel(c echo.Context) error {
	id, err := apiChangeID(c)
	if err != nil {
		return err
	}
	r, err := h.changes.Cancel(c.Request().Context(), apiActor(c), h.apiAuditOrigin(c), id)
	if err != nil {
		return changeError(err)
	}
	out, err := h.apiChangeOf(c, r)
	if err != nil {
		return err
	}
	return apiJSONResponse(c, http.StatusOK, out)
}
