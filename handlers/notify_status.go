package handlers

import (
	"strings"

	"github.com/labstack/echo/v4"

	"rolegate/internal/notify"
	"rolegate/views/pages"
)

// deliverySummaries says, per notification of the request, who it reached
// and what is still on its way: "sent to #dba-approvals 10:02, mailed arno
// and anna". Nil when notifications are not set up or cannot be read.
func (h *Handler) deliverySummaries(c echo.Context, changeID int64) []pages.DeliverySummary {
	if h.notify == nil {
		return nil
	}
	ds, err := h.notify.Deliveries(c.Request().Context(), changeID)
	if err != nil {
		h.log.Error("reading the notifications of a change request", "request_id", requestIDOf(c), "change", changeID, "err", err)
		return nil
	}
	var out []pages.DeliverySummary
	var seqs []int64
	groups := map[int64][]notify.Delivery{}
	for _, d := range ds {
		if _, ok := groups[d.AuditSeq]; !ok {
			seqs = append(seqs, d.AuditSeq)
		}
		groups[d.AuditSeq] = append(groups[d.AuditSeq], d)
	}
	for _, seq := range seqs {
		g := groups[seq]
		s := pages.DeliverySummary{Title: g[0].Kind.Title()}
		var parts, mailed []string
		for _, d := range g {
			how := "channel"
			if d.UserID != 0 {
				how = "mail"
			}
			s.Rows = append(s.Rows, pages.DeliveryRow{To: d.Label, How: how, State: string(d.State), When: fmtWhen(d.SentAt, zoneOf(c)).Text, Attempts: d.Attempts, Error: d.LastError})
			switch {
			case d.State == notify.Sent && how == "mail":
				mailed = append(mailed, d.Label)
			case d.State == notify.Sent:
				parts = append(parts, "sent to "+d.Label+" "+d.SentAt.In(zoneOf(c)).Format("15:04"))
			case d.State == notify.Pending && how == "mail":
				parts = append(parts, "mail to "+d.Label+" on its way")
			case d.State == notify.Pending:
				parts = append(parts, "on its way to "+d.Label)
			default:
				parts = append(parts, "failed for "+d.Label)
			}
		}
		if len(mailed) > 0 {
			parts = append(parts, "mailed "+andList(mailed))
		}
		s.Summary = strings.Join(parts, ", ")
		out = append(out, s)
	}
	return out
}

// andList is "a", "a and b", "a, b and c".
func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
