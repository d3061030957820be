package pages

import "rolegate/views/components"

// RoleRow is one IAM role of a cluster as a page shows it.
type RoleRow struct {
	ARN       string
	Status    string // ApplyStatus: adding, in-sync, removing
	IsDefault bool
}

// CheckRow is one line of the pre-flight checklist.
type CheckRow struct {
	Key    string // names the check for tests and styles
	Name   string
	Status string // pass, fail, warn, not checked
	Detail string
}

// ResultRole is one role of the set a change results in.
type ResultRole struct {
	ARN        string
	Change     string // added, removed, kept
	IsDefault  bool   // the default after the change
	WasDefault bool   // the default before the change
}

// ChangePreview is the resulting role set and the checks of a draft.
type ChangePreview struct {
	Roles       []ResultRole
	Default     string
	OldDefault  string
	Risk        string
	RiskReasons []string
	Approvals   int
	Checks      []CheckRow
	// Problems are the messages that would stop the submit, in one list
	// for the live preview (the form shows them beside each field).
	Problems []string
}

// ChangeFormPage is the new-change form for one cluster.
type ChangeFormPage struct {
	// Account is the cluster's account as people know it ("analytics
	// (111122223333)"), or "account not known".
	Account      string
	Region       string
	Cluster      string
	ClusterURL   string
	Status       string
	Availability string
	Roles        []RoleRow
	Default      string
	Quota        int

	ActionURL  string
	PreviewURL string

	// What the user typed, kept across a refused submit.
	Add     string
	Remove  map[string]bool
	SetDef  string
	Reason  string
	Ticket  string
	Errors  map[string]string
	Preview *ChangePreview
	// DefaultChoices are the roles that can become the default: the current
	// roles and the well-formed ARNs being added.
	DefaultChoices []string
	// DefaultOffered names DefaultChoices in a few characters; the form
	// sends it back, so that the live preview replaces the list (and takes
	// the focus from it) only when the choices changed.
	DefaultOffered string
	// DefaultStale says the page's list is not DefaultChoices any more.
	DefaultStale bool
	// Open are the cluster's open requests; a new one needs ConfirmOpen.
	Open        []OpenRequest
	ConfirmOpen bool
	// Picker finds roles in the account's IAM.
	Picker RolePicker
}

// ApprovalRow is one approval on a request page.
type ApprovalRow struct {
	Approver string
	At       components.Moment
	Comment  string
	Valid    bool // bound to the request's current hash
}

// TimelineRow is one audit event of a request.
type TimelineRow struct {
	Seq          int64
	URL          string
	At           components.Moment
	Actor        string
	Action       string
	Outcome      string
	AWSRequestID string
	Error        string
}

// ChangePage is one change request.
type ChangePage struct {
	ID          int64
	State       string
	StateTone   string
	Live        bool // the page follows the request until it settles
	StatusURL   string
	Account     string // as on ChangeFormPage
	Region      string
	Cluster     string
	ClusterURL  string
	Requester   string
	Created     components.Moment
	CreatedAgo  string // relative hint: "5 min ago"
	Expires     components.Moment
	ExpiresIn   string
	Reason      string
	Ticket      string
	Hash        string
	Risk        string
	RiskReasons []string
	Required    int
	Approvals   []ApprovalRow
	Valid       int
	Diff        []ResultRole
	Default     string
	OldDefault  string
	Checks      []CheckRow
	Blockers    []string
	StateReason string
	Attempts    string
	NextAt      components.Moment
	AWSRequest  string
	Decider     string
	Decided     components.Moment
	Decision    string
	LiveRoles   []RoleRow
	LiveDefault string
	Timeline    []TimelineRow
	AuditURL    string
	// Notifications: who was told what, and whether it reached them.
	Notifications []DeliverySummary

	ResubmittedFrom int64
	SupersededBy    int64
	// BulkID is the bulk request the request is a member of, zero for one
	// made on its own.
	BulkID int64
	// Siblings are the other open requests on the same cluster.
	Siblings []OpenRequest

	CanApprove  bool
	CanReject   bool
	CanCancel   bool
	CanResubmit bool
	// Errors carries a field message for the approve or reject comment.
	Errors map[string]string
	// The comments as typed, kept across a refused decision.
	Comment       string
	RejectComment string
	// CommentKept: Comment was typed before a re-authentication and kept
	// through it; the approval was not sent.
	CommentKept bool
}

// ChangeRow is one line of the queue.
type ChangeRow struct {
	ID         int64
	URL        string
	Account    string // as on ChangeFormPage
	Region     string
	Cluster    string
	Requester  string
	Summary    string
	Risk       string
	Approvals  string
	State      string
	StateTone  string
	Created    components.Moment
	CreatedAgo string // relative hint: "5 min ago"
	ExpiresIn  string
	// BulkURL is the bulk request the request is a member of; "" for one
	// made on its own.
	BulkURL string
	BulkID  int64
}

// ChangeListPage is the queue of change requests.
type ChangeListPage struct {
	Rows []ChangeRow
	// Filter values as typed.
	State     string
	Account   string // an account ID
	Region    string
	Cluster   string
	Requester string
	Mine      bool
	States    []string
	// Accounts to filter by, when Rolegate manages more than one.
	Accounts  []AccountOption
	OlderURL  string
	NewerURL  string
	Errors    map[string]string
	CanCreate bool
}

// OpenRequest is one of a cluster's open requests, with what it would
// change, as the cluster page, the new-change form and its siblings' pages
// show it.
type OpenRequest struct {
	ID        int64
	URL       string
	State     string
	StateTone string
	Requester string
	Created   components.Moment
	// Changes are the request's lines: "+ ARN", "− ARN", "default → ARN".
	Changes []string
}
