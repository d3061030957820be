package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/store"
)

// Requests reads change requests; the change service is one.
type Requests interface {
	Get(ctx context.Context, id int64) (*change.Request, error)
}

// Options configure a Service.
type Options struct {
	DB     *store.DB
	Audit  *audit.Log
	Logger *slog.Logger
	// BaseURL is the external URL that links in messages start with.
	BaseURL string
	// RemindBefore is how long before its expiry a pending request's
	// requester is reminded; 24 h when zero.
	RemindBefore time.Duration
	// Backoff is the first wait after a failed delivery, doubling up to
	// MaxBackoff; MaxAttempts bounds the attempts of one delivery. The
	// defaults (2 s, 10 min, 60) keep retrying for more than eight hours.
	Backoff     time.Duration
	MaxBackoff  time.Duration
	MaxAttempts int
	// Timeout bounds one delivery; 10 s when zero.
	Timeout time.Duration
	// HTTPClient sends webhooks; one that follows no redirect when nil.
	HTTPClient *http.Client
	// MailTLS is the TLS configuration for STARTTLS (its roots); nil uses
	// the system's.
	MailTLS *tls.Config
	Now     func() time.Time
}

// Service queues notifications in the outbox and delivers them.
type Service struct {
	o    Options
	send sender
	wake chan struct{}
}

// New returns a Service; defaults fill unset options.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RemindBefore <= 0 {
		o.RemindBefore = 24 * time.Hour
	}
	if o.Backoff <= 0 {
		o.Backoff = 2 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 60
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	s := &Service{o: o, wake: make(chan struct{}, 1)}
	s.send = sender{http: o.HTTPClient, mailTLS: o.MailTLS, timeout: o.Timeout, now: s.now}
	return s
}

func (s *Service) now() time.Time { return s.o.Now().UTC() }

// poke wakes the worker without blocking.
func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Notify queues, inside tx, the notifications that ev (just appended to
// the audit log in tx) causes about r, and wakes the worker. It is the
// change service's Notifier.
func (s *Service) Notify(ctx context.Context, tx *sql.Tx, ev audit.Event, r *change.Request) error {
	k, ok := KindOf(ev, r)
	if !ok {
		return nil
	}
	return s.enqueue(ctx, tx, ev.Seq, r.ID, r, k, func(now time.Time) Message {
		return newMessage(k, r, ev.Actor.Username, s.o.BaseURL, now)
	})
}

// enqueue queues, inside tx, one delivery of message to every channel
// subscribed to k and one mail to every user who takes k (of request r,
// nil for a notification about a cluster), all keyed to the audit event
// seq and to the request changeID (0 for a cluster or a bulk request), and
// wakes the sender.
func (s *Service) enqueue(ctx context.Context, tx *sql.Tx, seq, changeID int64, r *change.Request, k Kind, message func(now time.Time) Message) error {
	users, err := loadUsers(ctx, tx)
	if err != nil {
		return err
	}
	channels, err := loadChannels(ctx, tx)
	if err != nil {
		return err
	}
	now := s.now()
	msg := message(now)
	queue := func(dest string, c Channel, u User, label string) error {
		d := Delivery{
			Key: newKey(), AuditSeq: seq, ChangeID: changeID, Kind: k, Dest: dest,
			ChannelID: c.ID, UserID: u.ID, Address: u.Email, Label: label, Message: msg, NextAt: now, CreatedAt: now,
		}
		return insertDelivery(ctx, tx, &d)
	}
	for _, c := range Subscribed(k, channels) {
		if err := queue("channel"+strconv.FormatInt(c.ID, 10), c, User{}, c.Name); err != nil {
			return err
		}
	}
	if mailer, ok := mailChannel(channels); ok {
		for _, rc := range Recipients(k, r, users) {
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

// newKey is a fresh idempotency key: 128 random bits, so that receivers
// fed by several Rolegate databases never see two notifications under one
// key.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "rolegate-" + hex.EncodeToString(b)
}

// mailChannel is the enabled SMTP channel that mails people.
func mailChannel(channels []Channel) (Channel, bool) {
	for _, c := range channels {
		if c.Kind == ChannelEmail && c.Enabled {
			return c, true
		}
	}
	return Channel{}, false
}

// Deliveries are the notifications of one change request, oldest first.
func (s *Service) Deliveries(ctx context.Context, changeID int64) ([]Delivery, error) {
	return queryDeliveries(ctx, s.o.DB.Reader(), `o.change_id = ? ORDER BY o.id`, changeID)
}

// OutboxStats reads where the outbox stands (for the metrics), through
// the read-only pool.
func (s *Service) OutboxStats(ctx context.Context) (OutboxStats, error) {
	return outboxStats(ctx, s.o.DB.Reader())
}

// Run is the delivery worker: until ctx ends it delivers what is due on
// every poke and tick, and queues the expiry reminders due (reading
// requests from requests) at most once a minute. What a crashed process
// left pending is simply due.
func (s *Service) Run(ctx context.Context, tick time.Duration, requests Requests) {
	t := time.NewTicker(tick)
	defer t.Stop()
	var reminded time.Time
	// A poke comes from inside the transaction that queued the rows:
	// reading on the writer waits for its commit instead of missing them.
	// A tick reads on a reader, leaving the writer to the others.
	q := s.o.DB.Writer()
	for {
		var errs []error
		if now := time.Now(); now.Sub(reminded) >= time.Minute {
			reminded = now
			errs = append(errs, s.Remind(ctx, requests))
		}
		errs = append(errs, s.step(ctx, q))
		if err := errors.Join(errs...); err != nil && ctx.Err() == nil {
			s.o.Logger.Error("notification worker step", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			q = s.o.DB.Writer()
		case <-t.C:
			q = s.o.DB.Reader()
		}
	}
}

// Step delivers every notification that is due, first in line per
// request and destination.
func (s *Service) Step(ctx context.Context) error { return s.step(ctx, s.o.DB.Reader()) }

func (s *Service) step(ctx context.Context, q querier) error {
	for ctx.Err() == nil {
		n, err := s.deliverDue(ctx, q)
		if err != nil || n == 0 {
			return err
		}
	}
	return nil
}

// deliverDue makes one pass over the due rows, read with q, and returns
// how many it delivered.
func (s *Service) deliverDue(ctx context.Context, q querier) (int, error) {
	due, err := dueDeliveries(ctx, q, s.now(), 100)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	channels, err := loadChannels(ctx, s.o.DB.Reader())
	if err != nil {
		return 0, err
	}
	byID := map[int64]Channel{}
	for _, c := range channels {
		byID[c.ID] = c
	}
	held := map[string]bool{} // request and destination that failed this pass
	delivered := 0
	for _, d := range due {
		line := strconv.FormatInt(d.ChangeID, 10) + "/" + d.Dest
		if held[line] || ctx.Err() != nil {
			continue
		}
		c, ok := byID[d.ChannelID]
		var sendErr error
		switch {
		case !ok || !c.Enabled:
			sendErr = permanent("the channel is disabled")
		default:
			sendErr = s.send.send(ctx, c, d)
		}
		if ctx.Err() != nil {
			return delivered, nil // shutting down: the row stays due
		}
		d.Attempts++
		switch {
		case sendErr == nil:
			d.State, d.SentAt, d.LastError = Sent, s.now(), ""
			delivered++
		case isPermanent(sendErr) || d.Attempts >= s.o.MaxAttempts:
			d.State, d.LastError = Failed, safeMessage(sendErr)
			if !isPermanent(sendErr) {
				d.LastError += fmt.Sprintf(" (gave up after %d attempts)", d.Attempts)
			}
			s.o.Logger.Warn("notification failed", "delivery", d.ID, "key", d.Key, "change_id", d.ChangeID, "to", d.Label, "err", sendErr)
		default:
			d.NextAt, d.LastError = s.now().Add(s.backoff(d.Attempts)), safeMessage(sendErr)
			held[line] = true
			s.o.Logger.Info("notification will be retried", "delivery", d.ID, "key", d.Key, "to", d.Label, "attempt", d.Attempts, "next_at", d.NextAt, "err", sendErr)
		}
		if err := markDelivery(ctx, s.o.DB.Writer(), d); err != nil {
			return delivered, err
		}
	}
	return delivered, nil
}

func (s *Service) backoff(attempts int) time.Duration {
	d := s.o.Backoff
	for i := 1; i < attempts && d < s.o.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.o.MaxBackoff)
}

// Remind tells requesters whose pending request expires within
// RemindBefore, once per request, with an audit event.
func (s *Service) Remind(ctx context.Context, requests Requests) error {
	now := s.now()
	ids, err := expiringIDs(ctx, s.o.DB.Reader(), now, now.Add(s.o.RemindBefore))
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		r, err := requests.Get(ctx, id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		err = s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
			first, err := markWarned(ctx, tx, id, now)
			if err != nil || !first {
				return err
			}
			ev, err := s.o.Audit.Append(ctx, tx, audit.Event{
				Actor: audit.System, Action: audit.ChangeExpiring, Outcome: audit.Success,
				Target: audit.Target{Account: r.Account, Region: r.Region, Cluster: r.Cluster, ChangeID: r.ID},
				Params: audit.Params(map[string]any{"expires_at": r.ExpiresAt.UTC().Format(time.RFC3339), "change_hash": r.Hash}),
			})
			if err != nil {
				return err
			}
			return s.Notify(ctx, tx, ev, r)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("expiry reminder of request %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}
