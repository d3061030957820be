package pages

import "rolegate/views/components"

// DriftPanel is a cluster's open drift: what changed outside Rolegate
// since the last audited state, and the two ways out.
type DriftPanel struct {
	Detected       components.Moment
	Added          []string
	Removed        []string
	DefaultChanged bool
	DefaultFrom    string
	DefaultTo      string
	// EventURL is the drift.detected event in the audit log.
	EventURL  string
	RevertURL string
	AcceptURL string
	CanRevert bool
	CanAccept bool
	Form      DriftForm
}

// DriftForm is the accept form as typed, with its error.
type DriftForm struct {
	Comment string
	Error   string
}
