package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/views/pages"
)

// auditEvent is GET /audit/events/:seq: every field of one event, its
// snapshot and the difference from the cluster's previous snapshot.
func (h *Handler) auditEvent(c echo.Context) error {
	seq, err := strconv.ParseInt(c.Param("seq"), 10, 64)
	if err != nil || seq <= 0 {
		return httpError(http.StatusNotFound, "", err)
	}
	ctx := c.Request().Context()
	e, err := h.audit.Get(ctx, seq)
	if errors.Is(err, audit.ErrNotFound) {
		return httpError(http.StatusNotFound, "There is no audit event with this number.", err)
	}
	if err != nil {
		return err
	}
	p := pages.AuditEventPage{
		Seq:        e.Seq,
		Action:     string(e.Action),
		ActionDesc: e.Action.Description(),
		Outcome:    string(e.Outcome),
		Fields:     auditFields(e, zoneOf(c)),
		Params:     indentJSON(e.Params),
	}
	if head, _, err := h.audit.Head(ctx); err == nil && head > e.Seq {
		p.NextEventURL = auditEventURL(e.Seq + 1)
	}
	if e.Seq > 1 {
		p.PrevEventURL = auditEventURL(e.Seq - 1)
	}
	if e.Target.Cluster != "" {
		p.HistoryURL = auditHistoryURL(e.Target.Account, e.Target.Region, e.Target.Cluster)
	}
	if len(e.Snapshot) > 0 {
		p.Snapshot = indentJSON(e.Snapshot)
		prev, ok, err := h.audit.PreviousSnapshot(ctx, e.Target.Account, e.Target.Region, e.Target.Cluster, e.Seq)
		if err != nil {
			return err
		}
		if ok {
			p.HasPrev, p.PrevSeq, p.PrevURL = true, prev.Seq, auditEventURL(prev.Seq)
			d, err := audit.DiffSnapshots(prev.Snapshot, e.Snapshot)
			if err != nil {
				h.log.Warn("audit snapshot diff", "request_id", requestIDOf(c), "seq", e.Seq, "err", err)
				p.DiffError = "The two snapshots could not be compared; both are shown in full on their event pages."
			}
			p.RolesAdded, p.RolesRemoved = d.RolesAdded, d.RolesRemoved
			for _, fc := range d.Changes {
				p.Diff = append(p.Diff, pages.AuditDiffRow{Path: fc.Path, Kind: string(fc.Kind), Before: fc.Before, After: fc.After, Role: fc.Role})
			}
		}
	}
	return h.render(c, http.StatusOK, pages.AuditEvent(p))
}

func auditFields(e audit.Event, loc *time.Location) []pages.AuditField {
	var fs []pages.AuditField
	add := func(label, value string, mono bool) {
		if value != "" {
			fs = append(fs, pages.AuditField{Label: label, Value: value, Mono: mono})
		}
	}
	add("Sequence", strconv.FormatInt(e.Seq, 10), false)
	if when := fmtWhen(e.Time, loc); when.ISO != "" {
		fs = append(fs, pages.AuditField{Label: "Time", Value: when.Text, When: when})
	}
	// The exact value the chain hashes, for auditors comparing records.
	add("Recorded time", e.Time.UTC().Format(audit.TimeFormat), true)
	actor := e.Actor.Username
	if e.Actor.Role != "" {
		actor += " (" + e.Actor.Role + ")"
	}
	if e.Actor.UserID != 0 {
		actor += ", user #" + strconv.FormatInt(e.Actor.UserID, 10)
	}
	if e.Actor.TokenID != 0 {
		actor += ", API token #" + strconv.FormatInt(e.Actor.TokenID, 10)
	}
	add("Actor", actor, false)
	add("Action", string(e.Action), true)
	add("Outcome", string(e.Outcome), false)
	add("Account", e.Target.Account, false)
	add("Region", e.Target.Region, false)
	if e.Target.Cluster != "" {
		fs = append(fs, pages.AuditField{Label: "Cluster", Value: e.Target.Cluster, URL: auditHistoryURL(e.Target.Account, e.Target.Region, e.Target.Cluster)})
	}
	if e.Target.ChangeID != 0 {
		fs = append(fs, pages.AuditField{Label: "Change request", Value: "#" + strconv.FormatInt(e.Target.ChangeID, 10), URL: changeURL(e.Target.ChangeID)})
	}
	add("AWS request ID", e.AWSRequestID, true)
	add("Error code", e.ErrorCode, true)
	add("Error message", e.ErrorMessage, false)
	add("Client IP", e.Origin.ClientIP, true)
	add("User agent", e.Origin.UserAgent, false)
	add("Request ID", e.Origin.RequestID, true)
	add("Session (hash)", e.Origin.SessionHash, true)
	add("Previous hash", e.PrevHash, true)
	add("Hash", e.Hash, true)
	if e.HashOK() {
		add("Hash check", "matches the event's contents (run Verify for the whole chain)", false)
	} else {
		add("Hash check", "DOES NOT match the event's contents: this event was changed", false)
	}
	return fs
}

// indentJSON makes stored JSON readable; text that is not JSON is shown
// as it is.
func indentJSON(raw []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
