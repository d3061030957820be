package notify

import (
	"context"
	"database/sql"
	"time"

	"rolegate/audit"
)

// DriftMessage is the message of a drift: roles changed outside Rolegate.
// It is about a cluster, not a request: ChangeID is 0 and the link is the
// cluster's page. The change it names is the one found (added, removed,
// the new default).
func DriftMessage(account, region, cluster string, added, removed []string, def, base string, at time.Time) Message {
	return Message{
		Kind: KindDrift, Title: KindDrift.Title(), Account: account, Region: region, Cluster: cluster,
		Add: added, Remove: removed, Default: def, State: "changed outside Rolegate",
		Reason: "not made through Rolegate",
		Detail: "The cluster's roles differ from the last state in Rolegate's audit log.",
		Actor:  audit.System.Username, URL: ClusterURL(base, account, region, cluster), At: at.UTC(),
	}
}

// ClusterURL is the cluster page's address under base, the external URL.
func ClusterURL(base, account, region, cluster string) string {
	if account == "" {
		account = "-"
	}
	return pageURL(base, "clusters", account, region, cluster)
}

// NotifyDrift queues, inside tx, the notifications of a drift.detected
// event ev: the channels subscribed to alerts, and mail to the users who
// take alerts.
func (s *Service) NotifyDrift(ctx context.Context, tx *sql.Tx, ev audit.Event, added, removed []string, def string) error {
	t := ev.Target
	return s.enqueue(ctx, tx, ev.Seq, 0, nil, KindDrift, func(now time.Time) Message {
		return DriftMessage(t.Account, t.Region, t.Cluster, added, removed, def, s.o.BaseURL, now)
	})
}
