package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"rolegate/internal/change"
)

// Message is what a notification says, stored in the outbox when the
// event commits. It holds no secret and no session or CSRF token: its only
// link is the request page under the external URL.
type Message struct {
	Kind     Kind   `json:"kind"`
	Title    string `json:"title"`
	ChangeID int64  `json:"change_id"`
	// BulkID is the bulk request of a message about a set; Clusters then
	// names every cluster it changes, and Cluster and Region are empty.
	BulkID   int64     `json:"bulk_id,omitempty"`
	Clusters []string  `json:"clusters,omitempty"`
	Account  string    `json:"account"`
	Region   string    `json:"region"`
	Cluster  string    `json:"cluster"`
	Add      []string  `json:"add"`
	Remove   []string  `json:"remove"`
	Default  string    `json:"default,omitempty"`
	Reason   string    `json:"reason"`
	State    string    `json:"state"`
	Detail   string    `json:"detail,omitempty"`
	Actor    string    `json:"actor,omitempty"`
	URL      string    `json:"url"`
	At       time.Time `json:"at"`
}

// RequestURL is the request page's address under base, the external URL.
func RequestURL(base string, id int64) string {
	return pageURL(base, "changes", strconv.FormatInt(id, 10))
}

// pageURL is the address of the page at the path elems under base, the
// external URL; a path from the root when no base is set.
func pageURL(base string, elems ...string) string {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || base == "" {
		esc := make([]string, len(elems))
		for i, e := range elems {
			esc[i] = url.PathEscape(e)
		}
		return "/" + strings.Join(esc, "/")
	}
	return u.JoinPath(elems...).String()
}

func newMessage(k Kind, r *change.Request, actor, base string, at time.Time) Message {
	detail := r.StateReason
	if detail == "" {
		detail = r.DecisionComment
	}
	return Message{
		Kind: k, Title: k.Title(), ChangeID: r.ID, Account: r.Account, Region: r.Region, Cluster: r.Cluster,
		Add: r.Add, Remove: r.Remove, Default: r.Default, Reason: r.Reason, State: r.State.Label(),
		Detail: detail, Actor: actor, URL: RequestURL(base, r.ID), At: at.UTC(),
	}
}

// Change is the change in words: "add A; remove B; default C".
func (m Message) Change() string {
	var parts []string
	if len(m.Add) > 0 {
		parts = append(parts, "add "+strings.Join(m.Add, ", "))
	}
	if len(m.Remove) > 0 {
		parts = append(parts, "remove "+strings.Join(m.Remove, ", "))
	}
	if m.Default != "" {
		parts = append(parts, "default "+m.Default)
	}
	if len(parts) == 0 {
		return "no role change"
	}
	return strings.Join(parts, "; ")
}

// Where is what the message is about, in words: the cluster, or the set
// of a bulk request ("5 clusters: a, b, c and 2 more").
func (m Message) Where() string {
	if m.BulkID != 0 {
		return setSummary(m.Clusters)
	}
	return m.Cluster + " (" + m.Region + ")"
}

// Link is what the message's link opens: its request, its bulk request, or
// the cluster for a message about a cluster (a drift).
func (m Message) Link() string {
	if m.BulkID != 0 {
		return "Open bulk request #" + strconv.FormatInt(m.BulkID, 10)
	}
	if m.ChangeID == 0 {
		return "Open cluster " + m.Cluster
	}
	return "Open request #" + strconv.FormatInt(m.ChangeID, 10)
}

// Subject is the mail subject.
func (m Message) Subject() string {
	if m.BulkID != 0 {
		return fmt.Sprintf("[Rolegate] %s: bulk #%d, %s", m.Title, m.BulkID, plural(len(m.Clusters), "cluster"))
	}
	if m.ChangeID == 0 {
		return fmt.Sprintf("[Rolegate] %s: %s (%s)", m.Title, m.Cluster, m.Region)
	}
	return fmt.Sprintf("[Rolegate] %s: #%d %s (%s)", m.Title, m.ChangeID, m.Cluster, m.Region)
}

// Text is the message as plain text.
func (m Message) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", m.Title)
	switch {
	case m.BulkID != 0:
		fmt.Fprintf(&b, "Bulk:     #%d (%s)\n", m.BulkID, m.State)
		fmt.Fprintf(&b, "Clusters: %s\n", m.Where())
	default:
		if m.ChangeID != 0 {
			fmt.Fprintf(&b, "Request:  #%d (%s)\n", m.ChangeID, m.State)
		}
		fmt.Fprintf(&b, "Cluster:  %s in %s\n", m.Cluster, m.Region)
	}
	fmt.Fprintf(&b, "Account:  %s\n", m.Account)
	fmt.Fprintf(&b, "Change:   %s\n", m.Change())
	fmt.Fprintf(&b, "Reason:   %s\n", m.Reason)
	if m.Detail != "" {
		fmt.Fprintf(&b, "Detail:   %s\n", m.Detail)
	}
	if m.Actor != "" {
		fmt.Fprintf(&b, "By:       %s\n", m.Actor)
	}
	fmt.Fprintf(&b, "\n%s\n", m.URL)
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
