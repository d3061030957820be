package notify

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
)

// namedClusters is how many clusters a bulk message names before "and K
// more".
const namedClusters = 3

// KindOfBulk is the notification a bulk.* event about b causes, if any. b
// is the bulk request as the event leaves it.
func KindOfBulk(ev audit.Event, b *change.Bulk) (Kind, bool) {
	switch ev.Action {
	case audit.BulkSubmitted:
		return KindBulkSubmitted, true
	case audit.BulkApproved:
		if b.State == change.BulkPending {
			return KindBulkSecondNeeded, true
		}
		return KindBulkApproved, true
	case audit.BulkRejected:
		return KindBulkRejected, true
	case audit.BulkStale:
		return KindBulkStale, true
	case audit.BulkFinished:
		if ev.Outcome == audit.Success {
			return KindBulkInSync, true
		}
		return KindBulkFailed, true
	}
	return "", false
}

// NotifyBulk queues, inside tx, the one notification that ev (a bulk.*
// event just appended in tx) causes about the set b, whose member requests
// are members. It is the change service's Notifier for bulk requests.
func (s *Service) NotifyBulk(ctx context.Context, tx *sql.Tx, ev audit.Event, b *change.Bulk, members []*change.Request) error {
	k, ok := KindOfBulk(ev, b)
	if !ok {
		return nil
	}
	return s.enqueue(ctx, tx, ev.Seq, 0, representative(b, members), k, func(now time.Time) Message {
		return BulkMessage(k, b, members, ev.Actor.Username, s.o.BaseURL, now)
	})
}

// representative is the member request whose requester and approvals are
// the set's: a pending one (all pending members share the set's
// approvals), else any.
func representative(b *change.Bulk, members []*change.Request) *change.Request {
	for _, r := range members {
		if r.State == change.Pending {
			return r
		}
	}
	if len(members) > 0 {
		return members[0]
	}
	return &change.Request{RequesterID: b.RequesterID}
}

// BulkMessage is the message of an event of kind k about the set b: it
// names the set (how many clusters, the first few), the delta, the reason,
// and links the bulk request's page.
func BulkMessage(k Kind, b *change.Bulk, members []*change.Request, actor, base string, at time.Time) Message {
	changed := b.Changed()
	names := make([]string, len(changed))
	var accounts []string
	for i, m := range changed {
		names[i] = m.Name()
		if !slices.Contains(accounts, m.Account) {
			accounts = append(accounts, m.Account)
		}
	}
	state, detail := b.State.Label(), b.StateReason
	if detail == "" {
		detail = b.DecisionComment
	}
	switch k {
	case KindBulkInSync, KindBulkFailed:
		state, detail = "finished", b.Progress(members).Overall
	case KindBulkSubmitted:
		if b.ResubmittedFrom != 0 {
			detail = fmt.Sprintf("Resubmission of bulk request #%d.", b.ResubmittedFrom)
		}
	}
	if n := len(b.Members) - len(changed); n > 0 && detail == "" {
		detail = fmt.Sprintf("%d more chosen clusters already have the change; nothing is sent to them.", n)
	}
	return Message{
		Kind: k, Title: k.Title(), BulkID: b.ID, Clusters: names, Account: strings.Join(accounts, ", "),
		Add: b.Add, Remove: b.Remove, Default: b.Default, Reason: b.Reason, State: state,
		Detail: detail, Actor: actor, URL: BulkURL(base, b.ID), At: at.UTC(),
	}
}

// BulkURL is the bulk request page's address under base, the external URL.
func BulkURL(base string, id int64) string {
	return pageURL(base, "bulk", strconv.FormatInt(id, 10))
}

// setSummary names a set of clusters: "5 clusters: a, b, c and 2 more".
func setSummary(names []string) string {
	what := plural(len(names), "cluster")
	if len(names) <= namedClusters {
		return what + ": " + strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s: %s and %d more", what, strings.Join(names[:namedClusters], ", "), len(names)-namedClusters)
}
