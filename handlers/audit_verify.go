package handlers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/views/pages"
)

// auditVerifyPage is GET /audit/verify: the newest verification, from
// this process or else from the newest audit.verified event.
func (h *Handler) auditVerifyPage(c echo.Context) error {
	if r, ok := h.audit.LastVerification(); ok {
		return h.render(c, http.StatusOK, pages.AuditVerify(auditVerifyView(r, zoneOf(c))))
	}
	p := pages.AuditVerifyPage{}
	page, err := h.audit.Query(c.Request().Context(), audit.Filter{Action: audit.AuditVerified}, "", 1)
	if err != nil {
		return err
	}
	if len(page.Events) == 1 {
		e := page.Events[0]
		var v audit.VerifiedParams
		if err := json.Unmarshal(e.Params, &v); err == nil {
			p = pages.AuditVerifyPage{
				Has: true, OK: e.Outcome == audit.Success, At: fmtWhen(e.Time, zoneOf(c)),
				By: e.Actor.Username, Checked: v.Checked, HeadSeq: v.HeadSeq, HeadHash: v.HeadHash,
				FirstBad: v.FirstBad, Anchor: v.Anchor, AnchorsChecked: v.AnchorsChecked, Anchors: v.Anchors,
				EventURL: auditEventURL(e.Seq),
			}
			for _, f := range v.Faults {
				p.Faults = append(p.Faults, auditFaultRow(f))
			}
		}
	}
	return h.render(c, http.StatusOK, pages.AuditVerify(p))
}

// auditVerify is POST /audit/verify: verify the whole chain now, record
// the result and show it.
func (h *Handler) auditVerify(c echo.Context) error {
	ctx := c.Request().Context()
	r, err := h.audit.Verify(ctx)
	if err != nil {
		return err
	}
	e, err := h.audit.Record(ctx, audit.VerifiedEvent(r, h.auditActor(c), h.auditOrigin(c)))
	if err != nil {
		return err
	}
	p := auditVerifyView(r, zoneOf(c))
	p.JustRan = true
	p.By = h.auditActor(c).Username
	p.EventURL = auditEventURL(e.Seq)
	return h.render(c, http.StatusOK, pages.AuditVerify(p))
}

func auditVerifyView(r audit.Report, loc *time.Location) pages.AuditVerifyPage {
	p := pages.AuditVerifyPage{
		Has: true, OK: r.OK(), At: fmtWhen(r.At, loc), Duration: r.Duration.Round(time.Millisecond).String(),
		Checked: r.Checked, HeadSeq: r.HeadSeq, HeadHash: r.HeadHash, FirstBad: r.FirstBad(),
		AnchorsChecked: r.AnchorsChecked, MoreFaults: r.FaultsTruncated,
		Instance: r.Instance, Anchors: r.Anchors, Recorded: r.AnchorsRecorded, Notes: r.Notes,
	}
	if r.WitnessChecked {
		p.Witness = strconv.Itoa(r.WitnessObjects) + " anchors held by the witness, compared with the anchor file"
	}
	if r.Anchor != nil {
		p.Anchor = audit.FormatAnchor(*r.Anchor)
	}
	for _, f := range r.Faults {
		p.Faults = append(p.Faults, auditFaultRow(f))
	}
	return p
}

func auditFaultRow(f audit.Fault) pages.AuditFaultRow {
	row := pages.AuditFaultRow{Kind: string(f.Kind), Range: strconv.FormatInt(f.Seq, 10), Detail: f.Detail}
	if f.To > f.Seq {
		row.Range += "–" + strconv.FormatInt(f.To, 10)
	}
	if f.Seq == 0 {
		row.Range = "–"
	}
	if f.Kind == audit.Altered || f.Kind == audit.BrokenLink || f.Kind == audit.AnchorMismatch {
		row.URL = auditEventURL(f.Seq)
	}
	return row
}
