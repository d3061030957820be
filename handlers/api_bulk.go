package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/internal/change"
)

// apiBulkPageSize is how many bulk requests one page of the list holds.
const apiBulkPageSize = 50

// apiBulkFilterKeys are the cluster list's filter parameters a proposed
// set may be chosen by.
var apiBulkFilterKeys = []string{"q", "account", "region", "status", "notinsync", "open", "drift", "tag"}

// apiBulkInput is the body of a new bulk request: the clusters named, and
// those the cluster list's filter matches now, with the bulk form's change.
type apiBulkInput struct {
	Clusters []apiBulkTarget   `json:"clusters"`
	Filter   map[string]string `json:"filter"`
	Add      []string          `json:"add"`
	Remove   []string          `json:"remove"`
	Default  string            `json:"default"`
	Reason   string            `json:"reason"`
	Ticket   string            `json:"ticket"`
}

type apiBulkTarget struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Cluster string `json:"cluster"`
}

// apiBulkSummary is one bulk request in the list.
type apiBulkSummary struct {
	ID        int64     `json:"id"`
	State     string    `json:"state"`
	Overall   string    `json:"overall"`
	Done      bool      `json:"done"`
	Requester string    `json:"requester"`
	Reason    string    `json:"reason"`
	Clusters  int       `json:"clusters"`
	Changed   int       `json:"changed"`
	CreatedAt time.Time `json:"created_at"`
	URL       string    `json:"url"`
	PageURL   string    `json:"page_url"`
}

type apiBulkList struct {
	Bulks []apiBulkSummary `json:"bulks"`
	Total int              `json:"total"`
	Page  int              `json:"page"`
	Pages int              `json:"pages"`
	Next  string           `json:"next,omitempty"`
	Prev  string           `json:"prev,omitempty"`
}

// apiBulk is a bulk request with every member, in the page's words.
type apiBulk struct {
	apiBulkSummary
	StateReason       string          `json:"state_reason,omitempty"`
	Add               []string        `json:"add"`
	Remove            []string        `json:"remove"`
	Default           string          `json:"default,omitempty"`
	Ticket            string          `json:"ticket,omitempty"`
	Risk              string          `json:"risk"`
	ApprovalsRequired int             `json:"approvals_required"`
	BulkHash          string          `json:"bulk_hash"`
	Counts            apiBulkCounts   `json:"counts"`
	Members           []apiBulkMember `json:"members"`
	ResubmittedFrom   int64           `json:"resubmitted_from,omitempty"`
	SupersededBy      int64           `json:"superseded_by,omitempty"`
	UpdatedAt         time.Time       `json:"updated_at"`
	AuditURL          string          `json:"audit_url"`
}

type apiBulkCounts struct {
	Clusters int `json:"clusters"`
	Changed  int `json:"changed"`
	NoOp     int `json:"no_op"`
	Pending  int `json:"pending"`
	Applying int `json:"applying"`
	InSync   int `json:"in_sync"`
	Failed   int `json:"failed"`
	Closed   int `json:"closed"`
}

// apiBulkMember is one cluster of the set: the change planned for it, or
// "no change needed" and why, and its member request.
type apiBulkMember struct {
	Account  string   `json:"account"`
	Region   string   `json:"region"`
	Cluster  string   `json:"cluster"`
	Outcome  string   `json:"outcome"`
	Add      []string `json:"add"`
	Remove   []string `json:"remove"`
	Default  string   `json:"default,omitempty"`
	Note     string   `json:"note,omitempty"`
	ChangeID int64    `json:"change_id,omitempty"`
	// ChangeURL is the member request in the API (GET /api/v1/changes/{id}).
	ChangeURL string `json:"change_url,omitempty"`
	State     string `json:"state"`
	Progress  string `json:"progress"`
}

func apiBulkURL(id int64) string { return "/api/v1" + bulkURL(id) }

func apiBulkSummaryOf(b *change.Bulk, p change.Progress) apiBulkSummary {
	return apiBulkSummary{
		ID: b.ID, State: b.State.Label(), Overall: p.Overall, Done: p.Done,
		Requester: b.RequesterUsername, Reason: b.Reason, Clusters: len(b.Members), Changed: len(b.Changed()),
		CreatedAt: b.CreatedAt.UTC(), URL: apiBulkURL(b.ID), PageURL: bulkURL(b.ID),
	}
}

func apiBulkOf(b *change.Bulk, members []*change.Request) apiBulk {
	p := b.Progress(members)
	out := apiBulk{
		apiBulkSummary: apiBulkSummaryOf(b, p), StateReason: b.StateReason,
		Add: nonNil(b.Add), Remove: nonNil(b.Remove), Default: b.Default, Ticket: b.Ticket,
		Risk: string(b.Risk), ApprovalsRequired: b.ApprovalsRequired, BulkHash: b.Hash,
		Counts: apiBulkCounts{Clusters: p.Clusters, Changed: p.Changed, NoOp: p.NoOp, Pending: p.Pending,
			Applying: p.Applying, InSync: p.InSync, Failed: p.Failed, Closed: p.Closed},
		Members: make([]apiBulkMember, 0, len(b.Members)), ResubmittedFrom: b.ResubmittedFrom, SupersededBy: b.SupersededBy,
		UpdatedAt: b.UpdatedAt.UTC(), AuditURL: bulkAuditURL(b.ID),
	}
	byID := make(map[int64]*change.Request, len(members))
	for _, r := range members {
		byID[r.ID] = r
	}
	for _, m := range b.Members {
		am := apiBulkMember{Account: m.Account, Region: m.Region, Cluster: m.Cluster, Outcome: string(m.Outcome),
			Add: nonNil(m.Add), Remove: nonNil(m.Remove), Default: m.Default}
		r := byID[m.ChangeID]
		if m.Outcome != change.MemberChange || r == nil {
			// As the page says it.
			am.Note, am.State, am.Progress = m.Note, "no change needed", "nothing to do: "+m.Note
		} else {
			am.ChangeID, am.ChangeURL = r.ID, "/api/v1"+changeURL(r.ID)
			am.State, am.Progress = r.State.Label(), memberProgress(r)
		}
		out.Members = append(out.Members, am)
	}
	return out
}

// apiBulkList lists bulk requests newest first, a page at a time.
func (h *Handler) apiBulkList(c echo.Context) error {
	ctx := c.Request().Context()
	page := 1
	if v := c.QueryParam("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return h.writeProblem(c, http.StatusUnprocessableEntity, "Some of the parameters are not valid. See errors for each.",
				map[string]string{"page": "Enter a page number from 1."})
		}
		page = n
	}
	list, total, err := h.changes.BulkPage(ctx, page, apiBulkPageSize)
	if err != nil {
		return err
	}
	out := apiBulkList{Bulks: make([]apiBulkSummary, 0, len(list)), Total: total, Page: page,
		Pages: max(1, (total+apiBulkPageSize-1)/apiBulkPageSize)}
	members, err := h.changes.BulkMembersOf(ctx, bulkIDs(list))
	if err != nil {
		return err
	}
	for _, b := range list {
		out.Bulks = append(out.Bulks, apiBulkSummaryOf(b, b.Progress(members[b.ID])))
	}
	if page > 1 {
		out.Prev = "/api/v1/bulk?page=" + strconv.Itoa(min(page-1, out.Pages))
	}
	if page < out.Pages {
		out.Next = "/api/v1/bulk?page=" + strconv.Itoa(page+1)
	}
	return apiJSONResponse(c, http.StatusOK, out)
}

func (h *Handler) apiBulkShow(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return apiError(http.StatusNotFound, "There is no such bulk request.", err)
	}
	ctx := c.Request().Context()
	b, err := h.changes.GetBulk(ctx, id)
	if err != nil {
		return changeError(err)
	}
	members, err := h.changes.BulkMembers(ctx, id)
	if err != nil {
		return err
	}
	return apiJSONResponse(c, http.StatusOK, apiBulkOf(b, members))
}

// apiBulkCreate proposes a set through the bulk form's service call
// (change.CreateBulk): a refusal is a 422 problem whose errors hold the
// form's message for each field and, under member:account/region/cluster,
// for each cluster that blocks the set.
func (h *Handler) apiBulkCreate(c echo.Context) error {
	var body apiBulkInput
	if err := apiBind(c, &body); err != nil {
		return err
	}
	refused := map[string]string{}
	var targets []change.Target
	for i, t := range body.Clusters {
		one, err := parseTargets([]string{targetValue(t.Account, t.Region, t.Cluster)})
		if err != nil {
			var e *Error
			errors.As(err, &e)
			refused["clusters["+strconv.Itoa(i)+"]"] = e.Safe
			continue
		}
		targets = append(targets, one...)
	}
	q := url.Values{}
	for k, v := range body.Filter {
		if !slices.Contains(apiBulkFilterKeys, k) {
			refused["filter"] = "Filter by the cluster list's parameters only: " + strings.Join(apiBulkFilterKeys, ", ") + "."
			continue
		}
		q.Set(k, v)
	}
	if len(refused) > 0 {
		return h.writeProblem(c, http.StatusUnprocessableEntity, "The bulk request was refused; nothing was stored or sent. See errors for each field.", refused)
	}
	if len(body.Filter) > 0 {
		matched, err := h.filterTargets(c, q)
		if err != nil {
			return err
		}
		targets = append(targets, matched...)
	}
	in := change.BulkInput{Add: strings.Join(body.Add, "\n"), Remove: strings.Join(body.Remove, "\n"), Default: body.Default, Reason: body.Reason, Ticket: body.Ticket}
	ctx := c.Request().Context()
	b, err := h.changes.CreateBulk(ctx, apiActor(c), h.apiAuditOrigin(c), in, targets)
	var verr *change.ValidationError
	if errors.As(err, &verr) {
		return h.writeProblem(c, http.StatusUnprocessableEntity, "The bulk request was refused; nothing was stored or sent. See errors for each field and each cluster.", verr.Fields)
	}
	if err != nil {
		return changeError(err)
	}
	members, err := h.changes.BulkMembers(ctx, b.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, apiBulkURL(b.ID))
	return apiJSONResponse(c, http.StatusCreated, apiBulkOf(b, members))
}
