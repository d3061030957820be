package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"rolegate/audit"
	"rolegate/internal/store"
)

// ErrDisabled is a sign-in of a disabled account.
var ErrDisabled = errors.New("account disabled")

// ErrSSOUser refuses a password to a user who signs in through their
// provider: a password would let them sign in around it.
var ErrSSOUser = errors.New("this user signs in through their identity provider and has no password here")

// refuseSSOUser is ErrSSOUser when the user is linked to a provider.
func refuseSSOUser(ctx context.Context, tx *sql.Tx, userID int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sso_identities WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return fmt.Errorf("read sso identity: %w", err)
	}
	if n > 0 {
		return ErrSSOUser
	}
	return nil
}

// SSOLink is the provider identity a user signs in with.
type SSOLink struct {
	Provider, Subject string
}

// SSOLinkOf is the provider identity of the user, ErrNotFound for a user
// who signs in with a password.
func (u *Users) SSOLinkOf(ctx context.Context, userID int64) (SSOLink, error) {
	var l SSOLink
	err := u.db.Reader().QueryRowContext(ctx, `SELECT provider, subject FROM sso_identities WHERE user_id = ?`, userID).Scan(&l.Provider, &l.Subject)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, fmt.Errorf("read sso identity: %w", err)
	}
	return l, nil
}

func linkedUser(ctx context.Context, tx *sql.Tx, provider, subject string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT user_id FROM sso_identities WHERE provider = ? AND subject = ?`, provider, subject).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("read sso identity: %w", err)
	}
	return id, nil
}

// SignInSSO is the user the provider's identity signs in as, with the
// role its groups grant: created (and linked) at the first sign-in, its
// role re-derived at each. Each change is recorded with the provider and
// subject; a disabled user is ErrDisabled.
func (d *Directory) SignInSSO(ctx context.Context, from audit.Origin, id Identity, role Role) (*User, error) {
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	var u *User
	err := d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		sso := map[string]any{"provider": id.Provider, "subject": id.Subject, "source": "sso"}
		now := store.FormatTime(d.users.now())
		uid, err := linkedUser(ctx, tx, id.Provider, id.Subject)
		switch {
		case errors.Is(err, ErrNotFound):
			if u, err = d.createSSOUser(ctx, tx, id, role); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO sso_identities (provider, subject, user_id, created_at, last_sign_in) VALUES (?, ?, ?, ?, ?)`,
				id.Provider, id.Subject, u.ID, now, now); err != nil {
				return fmt.Errorf("link sso identity: %w", err)
			}
			return d.record(ctx, tx, audit.System, from, audit.UserCreated, u, withRole(sso, role))
		case err != nil:
			return err
		}
		if u, err = d.users.byIDTx(ctx, tx, uid); err != nil {
			return err
		}
		if u.Disabled {
			return ErrDisabled
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sso_identities SET last_sign_in = ? WHERE user_id = ?`, now, u.ID); err != nil {
			return fmt.Errorf("update sso identity: %w", err)
		}
		if u.Role == role {
			return nil
		}
		extra := withRole(sso, role)
		extra["previous_role"] = string(u.Role)
		if err := d.users.touch(ctx, tx, u.ID, `role = ?`, string(role)); err != nil {
			return err
		}
		u.Role = role
		return d.record(ctx, tx, audit.System, from, audit.UserRoleChanged, u, extra)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func withRole(m map[string]any, role Role) map[string]any {
	out := map[string]any{"role": string(role)}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// DisableSSO disables the user linked to the provider's subject and ends
// their sessions, because the provider no longer vouches for them; false
// when no enabled user is linked.
func (d *Directory) DisableSSO(ctx context.Context, from audit.Origin, provider, subject, reason string) (bool, error) {
	done := false
	err := d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		uid, err := linkedUser(ctx, tx, provider, subject)
		if errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		u, err := d.users.byIDTx(ctx, tx, uid)
		if err != nil || u.Disabled {
			return err
		}
		if err := d.users.touch(ctx, tx, u.ID, `disabled = 1`); err != nil {
			return err
		}
		if err := endSessions(ctx, tx, u.ID); err != nil {
			return err
		}
		done = true
		return d.record(ctx, tx, audit.System, from, audit.UserDisabled, u,
			map[string]any{"provider": provider, "subject": subject, "source": "sso", "reason": reason})
	})
	return done, err
}

// createSSOUser inserts the user of a new identity, with a username made
// from what the provider calls them and no password.
func (d *Directory) createSSOUser(ctx context.Context, tx *sql.Tx, id Identity, role Role) (*User, error) {
	base := SSOUsername(id)
	display := strings.TrimSpace(id.Name)
	if CheckDisplayName(display) != nil {
		display = base
	}
	for i := 1; i <= 100; i++ {
		name := base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			name = base[:min(len(base), 64-len(suffix))] + suffix
		}
		u, err := d.users.insert(ctx, tx, NewUser{Username: name, DisplayName: display, Role: role}, "")
		if errors.Is(err, ErrUsernameTaken) {
			continue
		}
		return u, err
	}
	return nil, fmt.Errorf("no free username for %q", base)
}

// SSOUsername is the username a new identity's user gets (before making it
// unique): the provider's preferred username, else the e-mail address's
// local part, else the subject, keeping only the characters usernames
// allow.
func SSOUsername(id Identity) string {
	src := id.PreferredUsername
	if src == "" {
		src, _, _ = strings.Cut(id.Email, "@")
	}
	if src == "" {
		src = id.Subject
	}
	var b strings.Builder
	for _, r := range src {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '.' || r == '-' || r == '_' || r == '@':
			if b.Len() > 0 {
				if r == '@' {
					r = '.'
				}
				b.WriteRune(r)
			}
		}
		if b.Len() >= 56 {
			break
		}
	}
	name := strings.ToLower(b.String())
	if len(name) < 2 {
		name = "sso-user" + name
	}
	return name
}

// SetBreakGlass marks an admin as one who may sign in with their password
// when local password sign-in is switched off, or takes the mark away.
func (d *Directory) SetBreakGlass(ctx context.Context, by audit.Actor, from audit.Origin, id int64, on bool) error {
	return d.change(ctx, by, from, id, audit.UserBreakGlass, map[string]any{"break_glass": on}, func(tx *sql.Tx, u *User) error {
		if on && u.Role != RoleAdmin {
			return ErrBreakGlassAdmin
		}
		v := 0
		if on {
			v = 1
		}
		return d.users.touch(ctx, tx, u.ID, `break_glass = ?`, v)
	})
}

// ErrBreakGlassAdmin refuses the break-glass mark to a user who is not an
// admin.
var ErrBreakGlassAdmin = errors.New("only admins can be break-glass accounts")
