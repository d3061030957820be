package audit

import "strconv"

// VerifiedParams are the parameters of an audit.verified event.
type VerifiedParams struct {
	OK             bool    `json:"ok"`
	Checked        int64   `json:"checked"`
	HeadSeq        int64   `json:"head_seq"`
	HeadHash       string  `json:"head_hash"`
	FirstBad       int64   `json:"first_bad,omitempty"`
	Anchor         string  `json:"anchor,omitempty"`
	AnchorsChecked bool    `json:"anchors_checked"`
	Anchors        int     `json:"anchors,omitempty"`
	Witness        bool    `json:"witness,omitempty"`
	Faults         []Fault `json:"faults,omitempty"`
	DurationMS     int64   `json:"duration_ms"`
}

// VerifiedEvent is the audit.verified event recording a verification
// (the first ten faults are kept in its parameters).
func VerifiedEvent(r Report, by Actor, from Origin) Event {
	v := VerifiedParams{OK: r.OK(), Checked: r.Checked, HeadSeq: r.HeadSeq, HeadHash: r.HeadHash,
		FirstBad: r.FirstBad(), AnchorsChecked: r.AnchorsChecked, Anchors: r.Anchors, Witness: r.WitnessChecked, DurationMS: r.Duration.Milliseconds()}
	if r.Anchor != nil {
		v.Anchor = FormatAnchor(*r.Anchor)
	}
	v.Faults = r.Faults[:min(10, len(r.Faults))]
	e := Event{Actor: by, Origin: from, Action: AuditVerified, Outcome: Success, Params: Params(v)}
	if !r.OK() {
		e.Outcome = Failure
		e.ErrorMessage = "the audit chain is damaged from seq " + strconv.FormatInt(r.FirstBad(), 10)
		if r.FirstBad() == 0 {
			e.ErrorMessage = "the audit anchors are damaged: " + string(r.Faults[0].Kind)
		}
	}
	return e
}
