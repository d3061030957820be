package notify

import (
	"context"
	"database/sql"
	"net"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"rolegate/audit"
)

// ChannelForm is a channel as an administrator enters it. Target and
// Secret are write-only: empty on an edit keeps what is stored.
type ChannelForm struct {
	Name     string
	Kind     ChannelKind
	Target   string
	Secret   string
	Username string
	Sender   string
	Topics   []Topic
	Enabled  bool
}

// FieldErrors says what is wrong, per form field.
type FieldErrors map[string]string

// ValidationError is a refused form.
type ValidationError struct{ Fields FieldErrors }

func (e *ValidationError) Error() string { return "invalid notification settings" }

func (f ChannelForm) check(edit bool, stored Channel) FieldErrors {
	errs := FieldErrors{}
	if n := strings.TrimSpace(f.Name); n == "" || utf8.RuneCountInString(n) > 80 {
		errs["name"] = "give the channel a name of 1 to 80 characters, like #dba-approvals"
	}
	if !slices.Contains([]ChannelKind{ChannelSlack, ChannelWebhook, ChannelEmail}, f.Kind) {
		errs["kind"] = "choose Slack, signed webhook or email"
	}
	for _, t := range f.Topics {
		if !slices.Contains(AllTopics, t) {
			errs["topics"] = "choose among approvals, decisions and alerts"
		}
	}
	target, secret := f.Target, f.Secret
	if edit && target == "" {
		target = stored.Target
	}
	if edit && secret == "" {
		secret = stored.Secret
	}
	switch f.Kind {
	case ChannelSlack, ChannelWebhook:
		u, err := url.Parse(target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(target) > 2048 {
			errs["target"] = "enter the webhook's http(s) URL"
		}
		if f.Kind == ChannelWebhook && len(secret) < 16 {
			errs["secret"] = "enter a signing secret of at least 16 characters"
		}
	case ChannelEmail:
		if _, _, err := net.SplitHostPort(target); err != nil {
			errs["target"] = "enter the SMTP server as host:port, like smtp.example.com:587"
		}
		if _, err := mail.ParseAddress(f.Sender); err != nil {
			errs["sender"] = "enter the From address, like rolegate@example.com"
		}
	}
	return errs
}

// orTaken is err, or the refusal of a name another channel has.
func orTaken(err error) error {
	if err != nil {
		return err
	}
	return &ValidationError{Fields: FieldErrors{"name": "another channel has this name"}}
}

// Channels lists the configured channels; their Target and Secret are for
// sending only, never for a page.
func (s *Service) Channels(ctx context.Context) ([]Channel, error) {
	return loadChannels(ctx, s.o.DB.Reader())
}

// channelParams is what the audit log records of a channel: never its
// URL or secret, only whether they were set.
func channelParams(c Channel, targetSet, secretSet bool) []byte {
	return audit.Params(map[string]any{
		"channel_id": c.ID, "name": c.Name, "kind": c.Kind, "topics": c.Topics, "enabled": c.Enabled,
		"username": c.Username, "sender": c.Sender, "target_set": targetSet, "secret_set": secretSet,
	})
}

// AddChannel stores a new channel.
func (s *Service) AddChannel(ctx context.Context, actor audit.Actor, origin audit.Origin, f ChannelForm) (Channel, error) {
	if errs := f.check(false, Channel{}); len(errs) > 0 {
		return Channel{}, &ValidationError{Fields: errs}
	}
	c := Channel{Name: strings.TrimSpace(f.Name), Kind: f.Kind, Target: f.Target, Secret: f.Secret,
		Username: f.Username, Sender: f.Sender, Topics: f.Topics, Enabled: f.Enabled}
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		if taken, err := nameTaken(ctx, tx, c.Name, 0); err != nil || taken {
			return orTaken(err)
		}
		if err := insertChannel(ctx, tx, &c, s.now()); err != nil {
			return err
		}
		_, err := s.o.Audit.Append(ctx, tx, audit.Event{Actor: actor, Origin: origin, Action: audit.NotifyChannelAdded,
			Outcome: audit.Success, Params: channelParams(c, c.Target != "", c.Secret != "")})
		return err
	})
	return c, err
}

// UpdateChannel changes a channel; an empty Target or Secret keeps the
// stored one. Its kind does not change.
func (s *Service) UpdateChannel(ctx context.Context, actor audit.Actor, origin audit.Origin, id int64, f ChannelForm) (Channel, error) {
	var c Channel
	err := s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		stored, err := loadChannel(ctx, tx, id)
		if err != nil {
			return err
		}
		f.Kind = stored.Kind
		if errs := f.check(true, stored); len(errs) > 0 {
			return &ValidationError{Fields: errs}
		}
		c = stored
		c.Name, c.Username, c.Sender, c.Topics, c.Enabled = strings.TrimSpace(f.Name), f.Username, f.Sender, f.Topics, f.Enabled
		if f.Target != "" {
			c.Target = f.Target
		}
		if f.Secret != "" {
			c.Secret = f.Secret
		}
		if taken, err := nameTaken(ctx, tx, c.Name, c.ID); err != nil || taken {
			return orTaken(err)
		}
		if err := updateChannel(ctx, tx, c, s.now()); err != nil {
			return err
		}
		_, err = s.o.Audit.Append(ctx, tx, audit.Event{Actor: actor, Origin: origin, Action: audit.NotifyChannelChanged,
			Outcome: audit.Success, Params: channelParams(c, f.Target != "", f.Secret != "")})
		return err
	})
	return c, err
}

// Prefs are the user's notification settings.
func (s *Service) Prefs(ctx context.Context, userID int64) (Prefs, error) {
	return loadPrefs(ctx, s.o.DB.Reader(), userID)
}

// SetPrefs saves the actor's own notification settings.
func (s *Service) SetPrefs(ctx context.Context, actor audit.Actor, origin audit.Origin, p Prefs) error {
	p.Email = strings.TrimSpace(p.Email)
	if p.Email != "" {
		a, err := mail.ParseAddress(p.Email)
		if err != nil || a.Address != p.Email || len(p.Email) > 254 {
			return &ValidationError{Fields: FieldErrors{"email": "enter an address like arno@example.com"}}
		}
	}
	if p.EmailOn && p.Email == "" {
		return &ValidationError{Fields: FieldErrors{"email": "enter the address to mail you at"}}
	}
	return s.o.DB.Tx(ctx, func(tx *sql.Tx) error {
		if err := putPrefs(ctx, tx, actor.UserID, p, s.now()); err != nil {
			return err
		}
		_, err := s.o.Audit.Append(ctx, tx, audit.Event{Actor: actor, Origin: origin, Action: audit.NotifyPrefsChanged,
			Outcome: audit.Success, Params: audit.Params(map[string]any{"email": p.Email, "email_on": p.EmailOn, "alerts": p.Alerts})})
		return err
	})
}
