package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
)

// apiAuditPage is a page of audit events, newest first. Older pages
// further back; Newer is the page of the events recorded after the newest
// of this one: keep it and ask for it again to follow the log.
type apiAuditPage struct {
	Events []audit.Event `json:"events"`
	Older  string        `json:"older,omitempty"`
	Newer  string        `json:"newer"`
}

// apiAuditList is the audit log with the audit page's filters (parsed by
// the same code) and keyset paging by cursor.
func (h *Handler) apiAuditList(c echo.Context) error {
	q := c.QueryParams()
	f, _, errs := parseAuditFilter(q, time.UTC)
	size := auditPageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.MaxPageSize {
			errs["limit"] = "Enter a page size from 1 to " + strconv.Itoa(audit.MaxPageSize) + "."
		}
		size = n
	}
	if len(errs) > 0 {
		return h.writeProblem(c, http.StatusUnprocessableEntity, "Some of the filters are not valid. See errors for each.", errs)
	}
	cursor := q.Get("cursor")
	page, err := h.audit.Query(c.Request().Context(), f, cursor, size)
	if errors.Is(err, audit.ErrBadCursor) {
		return h.writeProblem(c, http.StatusUnprocessableEntity, "Some of the filters are not valid. See errors for each.",
			map[string]string{"cursor": "This page link is not valid; start again from the newest events."})
	}
	if err != nil {
		return err
	}
	out := apiAuditPage{Events: page.Events, Older: page.Older, Newer: cursor}
	switch {
	case len(page.Events) > 0:
		out.Newer = audit.NewerThan(page.Events[0].Seq)
	case cursor == "":
		out.Newer = audit.NewerThan(0)
	}
	if out.Events == nil {
		out.Events = []audit.Event{}
	}
	return apiJSONResponse(c, http.StatusOK, out)
}

// apiAuditStream streams every event of the filter as JSON Lines, oldest
// first, and records the export.
func (h *Handler) apiAuditStream(c echo.Context) error {
	f, _, errs := parseAuditFilter(c.QueryParams(), time.UTC)
	if len(errs) > 0 {
		return h.writeProblem(c, http.StatusUnprocessableEntity, "Some of the filters are not valid. See errors for each.", errs)
	}
	rc := http.NewResponseController(c.Response())
	if err := rc.SetWriteDeadline(time.Now().Add(auditExportDeadline)); err != nil {
		h.log.Debug("api audit stream: write deadline not extended", "request_id", requestIDOf(c), "err", err)
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/jsonl; charset=utf-8")
	c.Response().WriteHeader(http.StatusOK)
	a := callerOf(c)
	n, err := h.audit.Export(c.Request().Context(), c.Response(), audit.JSONL, f, apiAuditActor(a), h.apiAuditOrigin(c))
	if err != nil {
		h.log.Error("api audit stream broke off", "request_id", requestIDOf(c), "events", n, "err", err)
	}
	return nil
}
