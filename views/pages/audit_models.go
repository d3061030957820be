package pages

import "rolegate/views/components"

// AuditFilterForm is the audit filter as the user typed it, kept across a
// refused search.
type AuditFilterForm struct {
	From, To, Actor, Action, Account, Region, Cluster, Change, Bulk, Outcome, RoleARN string
}

// AuditOption is one choice of a select.
type AuditOption struct {
	Value, Label string
}

// AuditRow is one event in the results table.
type AuditRow struct {
	Seq        int64
	URL        string
	Time       components.Moment
	Actor      string
	ActorRole  string
	Action     string
	ActionDesc string
	Account    string
	Region     string
	Cluster    string
	HistoryURL string // the cluster's own history
	ChangeID   int64
	ChangeURL  string
	Outcome    string
	Detail     string // error code and message, or the AWS request ID
}

// AuditListPage is the audit history with its filters.
type AuditListPage struct {
	// Zone is the zone the user reads times in, and types From and To in.
	Zone     string
	Form     AuditFilterForm
	Errors   map[string]string
	Actions  []AuditOption
	Outcomes []string
	Rows     []AuditRow
	// Searched is false when the filter was refused (no results shown).
	Searched  bool
	NewerURL  string
	OlderURL  string
	FirstURL  string
	CSVURL    string
	JSONLURL  string
	Filtering bool // some filter is set
}

// AuditField is one labelled value of an event.
type AuditField struct {
	Label, Value, URL string
	Mono              bool
	// When, when set, is the value as a moment in the reader's zone.
	When components.Moment
}

// AuditDiffRow is one field that differs between two snapshots.
type AuditDiffRow struct {
	Path, Kind, Before, After string
	Role                      bool
}

// AuditEventPage shows every field of one event.
type AuditEventPage struct {
	Seq        int64
	Action     string
	ActionDesc string
	Outcome    string
	Fields     []AuditField
	Params     string // indented JSON
	Snapshot   string // indented JSON, "" when none
	// The difference from the same cluster's previous snapshot.
	HasPrev      bool
	PrevSeq      int64
	PrevURL      string
	Diff         []AuditDiffRow
	RolesAdded   []string
	RolesRemoved []string
	DiffError    string
	HistoryURL   string
	PrevEventURL string
	NextEventURL string
}

// AuditFaultRow is one fault of a verification.
type AuditFaultRow struct {
	Kind, Range, Detail, URL string
}

// AuditVerifyPage shows the newest verification of the chain.
type AuditVerifyPage struct {
	Has            bool // a verification is known
	OK             bool
	JustRan        bool
	At             components.Moment
	By             string
	Duration       string
	Checked        int64
	HeadSeq        int64
	HeadHash       string
	FirstBad       int64
	Anchor         string // the newest anchor, "" when none
	AnchorsChecked bool
	Instance       string // the log's instance ID
	Anchors        int    // anchors checked against the chain
	Recorded       int64  // anchors the database records as written
	Witness        string // how the witness was compared, "" when none
	Notes          []string
	Faults         []AuditFaultRow
	MoreFaults     bool
	EventURL       string // the audit.verified event recording it
}
