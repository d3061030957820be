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
	// Callers are the CloudTrail events that made the change, newest
	// first. Without any, WhoPending says CloudTrail is asked again after
	// NextLook, else WhoNote why nobody is named ("" when CloudTrail is
	// not asked at all).
	Callers    []DriftCaller
	WhoPending bool
	NextLook   components.Moment
	WhoNote    string
}

// DriftCaller is who made a change outside Rolegate, as CloudTrail names
// them.
type DriftCaller struct {
	ARN            string
	SourceIdentity string
	When           components.Moment
	SourceIP       string
	Added          []string
	Removed        []string
}

// DriftForm is the accept form as typed, with its error.
type DriftForm struct {
	Comment string
	Error   string
}
