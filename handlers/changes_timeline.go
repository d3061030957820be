package handlers

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
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
		e := page.Events[i]
		row := pages.TimelineRow{
			Seq: e.Seq, URL: "/audit/events/" + strconv.FormatInt(e.Seq, 10), At: fmtWhen(e.Time),
			Actor: e.Actor.Username, Action: e.Action.Description(), Outcome: string(e.Outcome),
			AWSRequestID: e.AWSRequestID, Error: e.ErrorMessage,
		}
		if e.ErrorCode != "" {
			row.Error = e.ErrorCode + ": " + e.ErrorMessage
		}
		rows = append(rows, row)
	}
	return rows
}
