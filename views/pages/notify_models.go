package pages

// NotifyChannelsPage is the administrators' page of notification channels.
type NotifyChannelsPage struct {
	Channels []ChannelRow
	Kinds    []string
	Topics   []string
	Form     ChannelForm
}

// ChannelRow is one channel as listed: never its URL or secret, only
// whether they are set.
type ChannelRow struct {
	ID        int64
	Name      string
	Kind      string
	Topics    []string
	Enabled   bool
	TargetSet bool
	SecretSet bool
	Username  string
	Sender    string
}

// ChannelForm is the add-channel form, or an edit of Editing. Target and
// Secret are write-only: the form never carries them back.
type ChannelForm struct {
	Editing  int64
	Name     string
	Kind     string
	Username string
	Sender   string
	Topics   []string
	Enabled  bool
	Errors   map[string]string
}

// NotifyPrefsForm is the account page's notification settings.
type NotifyPrefsForm struct {
	Email   string
	EmailOn bool
	Alerts  bool
	Error   string
}

// DeliverySummary is one notification of a request, in a line: "Waiting
// for approval: sent to #dba-approvals 10:02, mailed arno and anna".
type DeliverySummary struct {
	Title   string
	Summary string
	Rows    []DeliveryRow
}

// DeliveryRow is one notification to one destination.
type DeliveryRow struct {
	To       string
	How      string // "channel" or "mail"
	State    string // sent, pending, failed
	When     string
	Attempts int
	Error    string
}
