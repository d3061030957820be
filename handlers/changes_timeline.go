package handlers

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/views/pages"
)

// changeTimeline is the request's audit events, oldest first: each step,
// each apply attempt and its outcome, linked to the full event.
func (h *Handler) changeTimeline(c echo.Context, id int64) []pages.TimelineRow {
	page, err := h.audit.Query(c.Request().Context(), audit.Filter{ChangeID: id}, "", audit.MaxPageSize)
	if err != nil {
		h.log.Warn("reading a change request's audit events", "request_id", requestIDOf(c), "change", id, "err", err)
		return nil
	}
	rows := make([]pages.TimelineRow, 0, len(page.Events))
	for i := len(page.Events) - 1; i >= 0; i-- {
		rows = append(rows, timelineRow(page.Events[i], zoneOf(c)))
	}
	return rows
}

func timelineRow(e audit.Event, loc *time.Location) pages.TimelineRow {
	row := pages.TimelineRow{
		Seq: e.Seq, URL: "/audit/events/" + strconv.FormatInt(e.Seq, 10), At: fmtWhen(e.Time, loc),
		Actor: e.Actor.Username, Action: e.Action.Description(), Outcome: string(e.Outcome),
		AWSRequestID: e.AWSRequestID, Error: e.ErrorMessage,
	}
	if e.ErrorCode != "" {
		row.Error = e.ErrorCode + ": " + e.ErrorMessage
	}
	return row
}

// clusterActivity fills the cluster page's change requests and latest
// audit events. A failure leaves them empty (the page still shows the
// cluster) and is logged.
func (h *Handler) clusterActivity(c echo.Context, account string, p *pages.ClusterPage) {
	ctx := c.Request().Context()
	// The change service reads the account as the cluster's: requests
	// stored without one are the home account's.
	p.Open = h.openRequests(c, account, p.Region, p.ID, 0)
	reqs, err := h.changes.List(ctx, change.ListFilter{Account: account, Region: p.Region, Cluster: p.ID, Limit: 10})
	p.ChangesURL = h.changesOfCluster(account, p.Region, p.ID)
	// Events before accounts were configured name none: only a configured
	// account narrows the history (it tells apart clusters of one name).
	if !h.inv.Configured(account) {
		account = ""
	}
	p.HistoryURL = auditHistoryURL(account, p.Region, p.ID)
	if err != nil {
		h.log.Warn("listing a cluster's change requests", "request_id", requestIDOf(c), "err", err)
	}
	for _, r := range reqs {
		p.Changes = append(p.Changes, h.changeRow(r, zoneOf(c)))
	}
	page, err := h.audit.Query(ctx, audit.Filter{Account: account, Region: p.Region, Cluster: p.ID}, "", 10)
	if err != nil {
		h.log.Warn("reading a cluster's audit events", "request_id", requestIDOf(c), "err", err)
		return
	}
	for _, e := range page.Events {
		p.History = append(p.History, timelineRow(e, zoneOf(c)))
	}
}
