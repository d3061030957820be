package pages

import "rolegate/views/components"

// ClusterListPage is the list of every cluster of every region.
type ClusterListPage struct {
	Rows []ClusterRow
	// Pick puts a tick box on every row, for a bulk change; BulkAllURL
	// opens the bulk form on every cluster the filter matches. Both are
	// for requesters only.
	Pick       bool
	BulkAllURL string
	// Matching is how many clusters match the filter; Total how many there are.
	Matching, Total int
	Page, Pages     int
	PrevURL         string
	NextURL         string

	// The filter as typed.
	Q         string
	Account   string // an account ID
	Region    string
	Status    string
	NotInSync bool
	Open      bool   // only clusters with open change requests
	Drifted   bool   // only clusters changed outside Rolegate
	Tag       string // only clusters carrying this tag (key=value)
	Sort      string
	Desc      bool

	// Accounts to filter by, when Rolegate manages more than one.
	Accounts []AccountOption
	Regions  []string
	Statuses []string
	// Tags are the tags (key=value) that make changes need two approvers.
	Tags []string
	// SortURLs maps a column key to the URL that sorts by it.
	SortURLs map[string]string

	// AccountBanners name the accounts whose role could not be assumed.
	AccountBanners []AccountBanner
	Banners        []RegionBanner
	// DataTime is when the oldest region shown was swept, and DataAge how
	// long ago.
	DataTime components.Moment
	DataAge  string
	// RefreshURL takes a POST with CSRF; Back is where it returns.
	RefreshURL string
	Back       string
}

// AccountOption is an account in the list's filter.
type AccountOption struct{ ID, Name string }

// AccountBanner tells that no cluster of an account could be read.
type AccountBanner struct {
	ID, Name string
	Reason   string
}

// RegionBanner tells that one region could not be read.
type RegionBanner struct {
	Account string // its account's name, when there are several
	Region  string
	Message string
	// LastGood is the age of the data still shown for the region, or "".
	LastGood string
	Clusters int
}

// ClusterRow is one cluster in the list.
type ClusterRow struct {
	// Pick is the cluster as the bulk form takes it (account/region/id).
	Pick         string
	Account      string // ID; "" when unknown
	AccountName  string // what people call it; "" when not configured
	Region       string
	ID           string
	URL          string
	Status       string
	Availability string
	NodeType     string
	Nodes        int
	Roles        int
	Default      string
	// Unsynced are the roles whose ApplyStatus is not in-sync.
	Unsynced []RoleRow
	// Open marks the cluster's open change requests.
	Open OpenMarker
	// Drifted: its roles changed outside Rolegate (an open drift).
	Drifted bool
	// ApprovalTags are the cluster's values of the tags that decide
	// approval; TwoApprovers says one of them makes changes need two.
	ApprovalTags []ApprovalTag
	TwoApprovers bool
}

// OpenMarker is the badge of a cluster's open change requests; Count 0
// shows none.
type OpenMarker struct {
	Count int
	URL   string
}

// ApprovalTag is a cluster's tag whose key decides approval.
type ApprovalTag struct {
	Key, Value   string
	TwoApprovers bool // the value is the one that needs two approvers
}

// ClusterPage is one cluster in full.
type ClusterPage struct {
	// Account is the cluster's account as people know it ("analytics
	// (111122223333)"), or "account not known".
	Account      string
	Region       string
	ID           string
	Status       string
	Availability string
	ModifyStatus string
	Endpoint     string
	Version      string
	NodeType     string
	Nodes        int
	Encrypted    string
	KMSKey       string
	VPC          string
	Zone         string
	Maintenance  string
	Created      components.Moment
	Database     string
	Public       string
	MultiAZ      string
	Namespace    string
	Pending      []string
	Tags         []TagRow

	Roles ClusterRoles

	// Warning says that the live read failed and cached data is shown.
	Warning string
	// Drift is the cluster's open drift, nil when none.
	Drift *DriftPanel

	CanRequest   bool
	NewChangeURL string
	SnapshotURL  string
	Snapshot     string // indented JSON

	// Open are the cluster's open requests, oldest first.
	Open []OpenRequest

	// The cluster's change requests (newest first) and its latest audit
	// events, each with a link to the whole list.
	Changes    []ChangeRow
	ChangesURL string
	History    []TimelineRow
	HistoryURL string
}

// TagRow is one tag of a cluster.
type TagRow struct{ Key, Value string }

// ClusterRoles is the live roles fragment of a cluster page: it polls
// itself while Live (some role is not in-sync).
type ClusterRoles struct {
	URL     string
	Live    bool
	Roles   []RoleRow
	Default string
	// Fetched is when the API reported these roles.
	Fetched components.Moment
}
