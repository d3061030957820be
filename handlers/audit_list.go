package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/views/pages"
)

// auditPageSize is the number of events per page of the audit history.
const auditPageSize = 50

// auditList is GET /audit: the filter form, one page of results, links to
// the neighbouring pages and to the export of the same filter.
func (h *Handler) auditList(c echo.Context) error {
	f, form, errs := parseAuditFilter(c.QueryParams(), zoneOf(c))
	if len(errs) > 0 {
		return h.auditListRefused(c, form, errs)
	}
	p := auditListPage(c, form, errs)
	p.Filtering = !f.Empty()
	page, err := h.audit.Query(c.Request().Context(), f, c.QueryParam("cursor"), auditPageSize)
	if errors.Is(err, audit.ErrBadCursor) {
		return h.auditListRefused(c, form, map[string]string{"cursor": "This page link is not valid; start again from the newest events."})
	}
	if err != nil {
		return err
	}
	p.Searched = true
	for _, e := range page.Events {
		p.Rows = append(p.Rows, auditRow(e, zoneOf(c)))
	}
	if page.Newer != "" {
		p.NewerURL = "/audit" + auditQuery(form, "cursor", page.Newer)
		p.FirstURL = "/audit" + auditQuery(form)
	}
	if page.Older != "" {
		p.OlderURL = "/audit" + auditQuery(form, "cursor", page.Older)
	}
	p.CSVURL = "/audit/export.csv" + auditQuery(form)
	p.JSONLURL = "/audit/export.jsonl" + auditQuery(form)
	return h.render(c, http.StatusOK, pages.AuditList(p))
}

func auditListPage(c echo.Context, form pages.AuditFilterForm, errs map[string]string) pages.AuditListPage {
	return pages.AuditListPage{
		Zone:     zoneOf(c).String(),
		Form:     form,
		Errors:   errs,
		Actions:  auditActionOptions(),
		Outcomes: []string{string(audit.Success), string(audit.Failure), string(audit.Unknown)},
	}
}

func auditActionOptions() []pages.AuditOption {
	acts := audit.Actions()
	out := make([]pages.AuditOption, len(acts))
	for i, a := range acts {
		out[i] = pages.AuditOption{Value: string(a), Label: string(a) + " — " + a.Description()}
	}
	return out
}

func auditEventURL(seq int64) string { return "/audit/events/" + strconv.FormatInt(seq, 10) }

func changeURL(id int64) string { return "/changes/" + strconv.FormatInt(id, 10) }

func auditRow(e audit.Event, loc *time.Location) pages.AuditRow {
	r := pages.AuditRow{
		Seq:        e.Seq,
		URL:        auditEventURL(e.Seq),
		Time:       fmtWhen(e.Time, loc),
		Actor:      e.Actor.Username,
		ActorRole:  e.Actor.Role,
		Action:     string(e.Action),
		ActionDesc: e.Action.Description(),
		Account:    e.Target.Account,
		Region:     e.Target.Region,
		Cluster:    e.Target.Cluster,
		ChangeID:   e.Target.ChangeID,
		Outcome:    string(e.Outcome),
	}
	if e.Target.Cluster != "" {
		r.HistoryURL = auditHistoryURL(e.Target.Account, e.Target.Region, e.Target.Cluster)
	}
	if e.Target.ChangeID != 0 {
		r.ChangeURL = changeURL(e.Target.ChangeID)
	}
	switch {
	case e.ErrorCode != "" || e.ErrorMessage != "":
		r.Detail = e.ErrorCode
		if e.ErrorMessage != "" {
			if r.Detail != "" {
				r.Detail += ": "
			}
			r.Detail += e.ErrorMessage
		}
	case e.AWSRequestID != "":
		r.Detail = "AWS request " + e.AWSRequestID
	}
	return r
}
