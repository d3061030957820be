package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rolegate/internal/auth"
	"rolegate/internal/store"
)

// querier is what the store functions run on.
type querier = store.Querier

// ErrNotFound: no such channel.
var ErrNotFound = errors.New("not found")

func loadUsers(ctx context.Context, q querier) ([]User, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.username, u.display_name, u.role, u.disabled,
		COALESCE(p.email, ''), COALESCE(p.email_on, 0), COALESCE(p.alerts, 0)
		FROM users u LEFT JOIN notify_prefs p ON p.user_id = u.id ORDER BY u.id`)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var role string
		if err := rows.Scan(&u.ID, &u.Username, &u.Name, &role, &u.Disabled, &u.Email, &u.EmailOn, &u.Alerts); err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		u.Role = auth.Role(role)
		out = append(out, u)
	}
	return out, rows.Err()
}

const channelColumns = `id, name, kind, target, secret, username, sender, topics, enabled`

func scanChannel(s interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var kind, topics string
	if err := s.Scan(&c.ID, &c.Name, &kind, &c.Target, &c.Secret, &c.Username, &c.Sender, &topics, &c.Enabled); err != nil {
		return c, err
	}
	c.Kind = ChannelKind(kind)
	if err := json.Unmarshal([]byte(topics), &c.Topics); err != nil {
		return c, fmt.Errorf("channel %d: topics: %w", c.ID, err)
	}
	return c, nil
}

func loadChannels(ctx context.Context, q querier) ([]Channel, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+channelColumns+` FROM notify_channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("load channels: %w", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("load channels: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func loadChannel(ctx context.Context, q querier, id int64) (Channel, error) {
	c, err := scanChannel(q.QueryRowContext(ctx, `SELECT `+channelColumns+` FROM notify_channels WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("channel %d: %w", id, ErrNotFound)
	}
	return c, err
}

// nameTaken reports whether another channel than id is called name.
func nameTaken(ctx context.Context, q querier, name string, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM notify_channels WHERE name = ? AND id <> ?`, name, id).Scan(&n)
	return n > 0, err
}

func topicsJSON(t []Topic) string {
	if t == nil {
		t = []Topic{}
	}
	b, _ := json.Marshal(t)
	return string(b)
}

func insertChannel(ctx context.Context, tx *sql.Tx, c *Channel, now time.Time) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO notify_channels (name, kind, target, secret, username, sender, topics, enabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Name, string(c.Kind), c.Target, c.Secret, c.Username, c.Sender, topicsJSON(c.Topics), c.Enabled, store.FormatTime(now), store.FormatTime(now))
	if err != nil {
		return fmt.Errorf("insert channel: %w", err)
	}
	c.ID, err = res.LastInsertId()
	return err
}

func updateChannel(ctx context.Context, tx *sql.Tx, c Channel, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE notify_channels SET name = ?, target = ?, secret = ?, username = ?, sender = ?, topics = ?, enabled = ?, updated_at = ?
		WHERE id = ?`, c.Name, c.Target, c.Secret, c.Username, c.Sender, topicsJSON(c.Topics), c.Enabled, store.FormatTime(now), c.ID)
	if err != nil {
		return fmt.Errorf("update channel %d: %w", c.ID, err)
	}
	return nil
}

// Prefs are one user's notification settings.
type Prefs struct {
	Email   string
	EmailOn bool
	Alerts  bool
}

func loadPrefs(ctx context.Context, q querier, userID int64) (Prefs, error) {
	var p Prefs
	err := q.QueryRowContext(ctx, `SELECT email, email_on, alerts FROM notify_prefs WHERE user_id = ?`, userID).Scan(&p.Email, &p.EmailOn, &p.Alerts)
	if errors.Is(err, sql.ErrNoRows) {
		return Prefs{}, nil
	}
	if err != nil {
		return p, fmt.Errorf("load notification settings of user %d: %w", userID, err)
	}
	return p, nil
}

func putPrefs(ctx context.Context, tx *sql.Tx, userID int64, p Prefs, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notify_prefs (user_id, email, email_on, alerts, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, email_on = excluded.email_on, alerts = excluded.alerts, updated_at = excluded.updated_at`,
		userID, p.Email, p.EmailOn, p.Alerts, store.FormatTime(now))
	if err != nil {
		return fmt.Errorf("save notification settings of user %d: %w", userID, err)
	}
	return nil
}

// DeliveryState is where one notification to one destination stands.
type DeliveryState string

// Delivery states.
const (
	Pending DeliveryState = "pending" // not delivered yet; the worker retries
	Sent    DeliveryState = "sent"
	Failed  DeliveryState = "failed" // the receiver refused it (4xx) or retries ran out
)

// Delivery is one outbox row: one notification to one destination.
type Delivery struct {
	ID        int64
	Key       string
	AuditSeq  int64
	ChangeID  int64
	Kind      Kind
	Dest      string
	ChannelID int64
	UserID    int64
	Address   string
	Label     string
	Message   Message
	State     DeliveryState
	Attempts  int
	NextAt    time.Time
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
}

const deliveryColumns = `id, idem_key, audit_seq, change_id, kind, dest, channel_id, user_id, address, label, payload,
	state, attempts, next_at, last_error, created_at, sent_at`

func scanDelivery(s interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var kind, payload, state, next, created, sent string
	if err := s.Scan(&d.ID, &d.Key, &d.AuditSeq, &d.ChangeID, &kind, &d.Dest, &d.ChannelID, &d.UserID, &d.Address, &d.Label, &payload,
		&state, &d.Attempts, &next, &d.LastError, &created, &sent); err != nil {
		return d, err
	}
	d.Kind, d.State = Kind(kind), DeliveryState(state)
	if err := json.Unmarshal([]byte(payload), &d.Message); err != nil {
		return d, fmt.Errorf("outbox row %d: payload: %w", d.ID, err)
	}
	var err error
	for _, t := range []struct {
		text string
		to   *time.Time
	}{{next, &d.NextAt}, {created, &d.CreatedAt}, {sent, &d.SentAt}} {
		if *t.to, err = store.ParseTime(t.text); err != nil {
			return d, fmt.Errorf("outbox row %d: %w", d.ID, err)
		}
	}
	return d, nil
}

func insertDelivery(ctx context.Context, tx *sql.Tx, d *Delivery) error {
	payload, err := json.Marshal(d.Message)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO notify_outbox (idem_key, audit_seq, change_id, kind, dest, channel_id, user_id, address, label, payload, state, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
		d.Key, d.AuditSeq, d.ChangeID, string(d.Kind), d.Dest, d.ChannelID, d.UserID, d.Address, d.Label, string(payload), store.FormatTime(d.NextAt), store.FormatTime(d.CreatedAt))
	if err != nil {
		return fmt.Errorf("queue notification: %w", err)
	}
	d.ID, err = res.LastInsertId()
	return err
}

func queryDeliveries(ctx context.Context, q querier, where string, args ...any) ([]Delivery, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM notify_outbox o WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// dueDeliveries are the pending rows due at now that are first in line:
// no earlier pending row of the same request waits for the same
// destination.
func dueDeliveries(ctx context.Context, q querier, now time.Time, limit int) ([]Delivery, error) {
	return queryDeliveries(ctx, q, `o.state = 'pending' AND o.next_at <= ?
		AND NOT EXISTS (SELECT 1 FROM notify_outbox p WHERE p.state = 'pending' AND p.dest = o.dest AND p.change_id = o.change_id AND p.id < o.id)
		ORDER BY o.id LIMIT ?`, store.FormatTime(now), limit)
}

func markDelivery(ctx context.Context, q querier, d Delivery) error {
	_, err := q.ExecContext(ctx, `UPDATE notify_outbox SET state = ?, attempts = ?, next_at = ?, last_error = ?, sent_at = ? WHERE id = ? AND state = 'pending'`,
		string(d.State), d.Attempts, store.FormatTime(d.NextAt), d.LastError, store.FormatTime(d.SentAt), d.ID)
	if err != nil {
		return fmt.Errorf("record delivery %d: %w", d.ID, err)
	}
	return nil
}

// expiringIDs are the pending requests that expire before until and whose
// requester has not been reminded.
func expiringIDs(ctx context.Context, q querier, now, until time.Time) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM change_requests WHERE state = 'pending' AND expires_at > ? AND expires_at <= ?
		AND id NOT IN (SELECT change_id FROM notify_expiry_warnings) ORDER BY id`, store.FormatTime(now), store.FormatTime(until))
	if err != nil {
		return nil, fmt.Errorf("find expiring requests: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// markWarned records the reminder; false when one was already recorded.
func markWarned(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO notify_expiry_warnings (change_id, warned_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, store.FormatTime(now))
	if err != nil {
		return false, fmt.Errorf("record expiry reminder of request %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// OutboxStats is where the outbox stands, per channel kind (a mail to a
// user counts under the email channel it goes through).
type OutboxStats struct {
	// Pending are the deliveries waiting to be sent, retries included.
	Pending map[ChannelKind]int
	// Settled are the deliveries that were sent or failed for good, by
	// state (Sent, Failed). The outbox keeps every row, so these only grow.
	Settled map[ChannelKind]map[DeliveryState]int
	// OldestPending is when the oldest waiting delivery was queued; zero
	// when none waits.
	OldestPending time.Time
}

// outboxStats reads the outbox's figures: the counts by channel and state
// from the index notify_outbox_channel_state alone, the oldest pending
// row through the partial index of pending rows, and the channels' kinds
// from their small table.
func outboxStats(ctx context.Context, q querier) (OutboxStats, error) {
	st := OutboxStats{Pending: map[ChannelKind]int{}, Settled: map[ChannelKind]map[DeliveryState]int{}}
	channels, err := loadChannels(ctx, q)
	if err != nil {
		return st, err
	}
	kinds := map[int64]ChannelKind{}
	for _, c := range channels {
		kinds[c.ID] = c.Kind
	}
	rows, err := q.QueryContext(ctx, `SELECT channel_id, state, count(*) FROM notify_outbox GROUP BY channel_id, state`)
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var state string
		var n int
		if err := rows.Scan(&id, &state, &n); err != nil {
			return st, err
		}
		k := kinds[id]
		if DeliveryState(state) == Pending {
			st.Pending[k] += n
			continue
		}
		if st.Settled[k] == nil {
			st.Settled[k] = map[DeliveryState]int{}
		}
		st.Settled[k][DeliveryState(state)] += n
	}
	if err := rows.Err(); err != nil {
		return st, err
	}
	var oldest string
	if err := q.QueryRowContext(ctx, `SELECT coalesce(min(created_at), '') FROM notify_outbox WHERE state = 'pending'`).Scan(&oldest); err != nil {
		return st, err
	}
	if st.OldestPending, err = store.ParseTime(oldest); err != nil {
		return st, fmt.Errorf("outbox: oldest pending: %w", err)
	}
	return st, nil
}
