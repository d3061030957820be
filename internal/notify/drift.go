package notify

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"
	"strings"
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
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || base == "" {
		return "/clusters/" + url.PathEscape(account) + "/" + url.PathEscape(region) + "/" + url.PathEscape(cluster)
	}
	return u.JoinPath("clusters", account, region, cluster).String()
}

// NotifyDrift queues, inside tx, the notifications of a drift.detected
// event ev: the channels subscribed to alerts, and mail to the users who
// take alerts.
func (s *Service) NotifyDrift(ctx context.Context, tx *sql.Tx, ev audit.Event, added, removed []string, def string) error {
	users, err := loadUsers(ctx, tx)
	if err != nil {
		return err
	}
	channels, err := loadChannels(ctx, tx)
	if err != nil {
		return err
	}
	now := s.now()
	t := ev.Target
	msg := DriftMessage(t.Account, t.Region, t.Cluster, added, removed, def, s.o.BaseURL, now)
	queue := func(dest string, c Channel, u User, label string) error {
		d := Delivery{
			Key: newKey(), AuditSeq: ev.Seq, Kind: KindDrift, Dest: dest,
			ChannelID: c.ID, UserID: u.ID, Address: u.Email, Label: label, Message: msg, NextAt: now, CreatedAt: now,
		}
		return insertDelivery(ctx, tx, &d)
	}
	for _, c := range Subscribed(KindDrift, channels) {
		if err := queue("channel"+strconv.FormatInt(c.ID, 10), c, User{}, c.Name); err != nil {
			return err
		}
	}
	if mailer, ok := mailChannel(channels); ok {
		for _, rc := range Recipients(KindDrift, nil, users) {
			if rc.User.EmailOn && rc.User.Email != "" {
				if err := queue("mail"+strconv.FormatInt(rc.User.ID, 10), mailer, rc.User, rc.User.Username); err != nil {
					return err
				}
			}
		}
	}
	s.poke()
	return nil
}
