package pages

// BulkFormPage is the bulk-change form: the frozen set of clusters, one
// change for all of them, and, once previewed, what it does to each.
type BulkFormPage struct {
	// Clusters are the chosen clusters, carried as hidden fields so that
	// the set shown is the set submitted.
	Clusters []BulkCluster
	// FromFilter says the set is everything a filter of the cluster list
	// matched; Back returns to that list.
	FromFilter bool
	Back       string
	Limit      int

	Add, Remove, Default, Reason, Ticket string
	// Errors are the form's messages by field ("add", "reason", "form"…).
	Errors map[string]string

	// Preview is what the change does to each cluster; nil until previewed.
	Preview []BulkPreviewRow
	Summary string
	// Blocked: some cluster cannot take the change as it is.
	Blocked bool
}

// BulkCluster is one chosen cluster.
type BulkCluster struct {
	Value   string // account/region/cluster, as the form posts it
	Cluster string
	Region  string
	Account string // as people read it
}

// BulkPreviewRow is what the change does to one cluster.
type BulkPreviewRow struct {
	BulkCluster
	Status string
	Tone   string // ok, warn, bad, muted
	// Change lists what would be sent ("+ role", "− role", "default → role").
	Change []string
	Note   string
	Risk   string
	// Problem says why the cluster blocks the submission.
	Problem string
	// Checks are the member's pre-flight checks; Failing counts those
	// that fail (the list is open when any does).
	Checks  []CheckRow
	Failing int
}

// BulkPage is a bulk request: the change, the set with each member's
// progress, the overall state and the decision.
type BulkPage struct {
	ID          int64
	Hash        string
	State       string
	StateTone   string
	Overall     string
	OverallTone string
	// Live: members are still moving; the status polls itself.
	Live      bool
	StatusURL string

	Requester string
	Reason    string
	Ticket    string
	Add       []string
	Remove    []string
	Default   string
	Risk      string

	ApprovalsRequired int
	Approvals         int
	Approvers         []string

	Members []BulkMemberRow
	Counts  string

	CanApprove  bool
	CanReject   bool
	CanCancel   bool
	CanResubmit bool
	// WhyNot says why the viewer cannot approve, when they are an approver.
	WhyNot string

	Errors        map[string]string
	Comment       string
	RejectComment string

	ResubmittedFrom int64
	SupersededBy    int64
	// AuditURL is the audit log of the set and of every member request.
	AuditURL string
}

// BulkMemberRow is one member of a bulk request and how far it got.
type BulkMemberRow struct {
	Cluster    string
	Region     string
	Account    string
	ClusterURL string
	ChangeURL  string // "" for a no-op member
	ChangeID   int64
	Outcome    string
	// Change is what is sent to the cluster, or why nothing is.
	Change    string
	State     string
	StateTone string
	// Progress says plainly where the member stands: done, waiting for the
	// cluster (and why), failed (and why).
	Progress string
}

// BulkListPage lists bulk requests, newest first.
type BulkListPage struct {
	Rows []BulkListRow
}

// BulkListRow is one bulk request in the list.
type BulkListRow struct {
	ID        int64
	URL       string
	Requester string
	Reason    string
	Clusters  int
	Changed   int
	State     string
	StateTone string
	Overall   string
}

// orList joins names for a sentence: "a", "a and b", "a, b and c".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	out := names[0]
	for _, n := range names[1 : len(names)-1] {
		out += ", " + n
	}
	return out + " and " + names[len(names)-1]
}
