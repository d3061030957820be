package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"rolegate/audit"
)

// Directory administers the accounts. It is the one place that changes
// users: each change is committed with its audit event in one transaction,
// and the rules (the username, display name and password policy, and that
// the last enabled admin stays one) are checked here, whoever asks: the
// admin pages, the user's own pages, `rolegate user` or the demo set-up.
type Directory struct {
	users *Users
	audit *audit.Log
}

// NewDirectory returns the directory of the users' accounts, recording
// every change in log.
func NewDirectory(users *Users, log *audit.Log) *Directory {
	return &Directory{users: users, audit: log}
}

// NewUser is an account to create.
type NewUser struct {
	Username string
	// DisplayName defaults to the username.
	DisplayName string
	Role        Role
	Password    string
	// Demo marks, in the audit event, an account made by demo mode.
	Demo bool
}

// InvalidUser says, field by field, why a new account was refused. Each
// non-nil field is one of ErrInvalidUsername, ErrInvalidName, a ParseRole
// error or a CheckPassword error (wrapping ErrWeakPassword); every message
// is safe to show.
type InvalidUser struct {
	Username, DisplayName, Role, Password error
}

func (e *InvalidUser) fields() []error {
	var out []error
	for _, err := range []error{e.Username, e.DisplayName, e.Role, e.Password} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

func (e *InvalidUser) Error() string {
	var msgs []string
	for _, err := range e.fields() {
		msgs = append(msgs, err.Error())
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is find ErrWeakPassword and the other reasons.
func (e *InvalidUser) Unwrap() []error { return e.fields() }

// check applies the rules to a new account, filling in the display name.
func (n *NewUser) check() error {
	var e InvalidUser
	if n.DisplayName == "" {
		n.DisplayName = n.Username
	}
	e.Username = CheckUsername(n.Username)
	e.DisplayName = CheckDisplayName(n.DisplayName)
	if _, err := ParseRole(string(n.Role)); err != nil {
		e.Role = err
	}
	e.Password = CheckPassword(n.Password, n.Username)
	if len(e.fields()) > 0 {
		return &e
	}
	return nil
}

// Create adds an account after checking it: an *InvalidUser says what is
// wrong, ErrUsernameTaken that the name (in any case) is in use.
func (d *Directory) Create(ctx context.Context, by audit.Actor, from audit.Origin, n NewUser) (*User, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return nil, err
	}
	var u *User
	err = d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		if u, err = d.users.insert(ctx, tx, n, hash); err != nil {
			return err
		}
		extra := map[string]any{"role": string(n.Role)}
		if n.Demo {
			extra["demo"] = true
		}
		return d.record(ctx, tx, by, from, audit.UserCreated, u, extra)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// change runs fn on the user with the ID and records action, in one
// transaction.
func (d *Directory) change(ctx context.Context, by audit.Actor, from audit.Origin, id int64, action audit.Action, extra map[string]any,
	fn func(tx *sql.Tx, u *User) error) error {
	return d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := d.users.byIDTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(tx, u); err != nil {
			return err
		}
		return d.record(ctx, tx, by, from, action, u, extra)
	})
}

// record appends a user-administration event inside tx.
func (d *Directory) record(ctx context.Context, tx *sql.Tx, by audit.Actor, from audit.Origin, action audit.Action, target *User, extra map[string]any) error {
	params := map[string]any{"user_id": target.ID, "username": target.Username}
	for k, v := range extra {
		params[k] = v
	}
	_, err := d.audit.Append(ctx, tx, audit.Event{Actor: by, Origin: from, Action: action, Outcome: audit.Success, Params: audit.Params(params)})
	return err
}

// keepAnAdmin refuses, with ErrLastAdmin, to demote or disable u when u is
// the last enabled admin.
func keepAnAdmin(ctx context.Context, tx *sql.Tx, u *User) error {
	if u.Role != RoleAdmin || u.Disabled {
		return nil
	}
	n, err := otherAdmins(ctx, tx, u.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrLastAdmin
	}
	return nil
}

// SetRole changes a user's role; the last enabled admin keeps theirs
// (ErrLastAdmin).
func (d *Directory) SetRole(ctx context.Context, by audit.Actor, from audit.Origin, id int64, role Role) error {
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	return d.change(ctx, by, from, id, audit.UserRoleChanged, map[string]any{"role": string(role)}, func(tx *sql.Tx, u *User) error {
		if role != RoleAdmin {
			if err := keepAnAdmin(ctx, tx, u); err != nil {
				return err
			}
		}
		return d.users.touch(ctx, tx, u.ID, `role = ?`, string(role))
	})
}

// Disable disables a user and ends their sessions; the last enabled admin
// cannot be disabled (ErrLastAdmin).
func (d *Directory) Disable(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
	return d.change(ctx, by, from, id, audit.UserDisabled, nil, func(tx *sql.Tx, u *User) error {
		if err := keepAnAdmin(ctx, tx, u); err != nil {
			return err
		}
		if err := d.users.touch(ctx, tx, u.ID, `disabled = 1`); err != nil {
			return err
		}
		return endSessions(ctx, tx, u.ID)
	})
}

// Enable enables a disabled user.
func (d *Directory) Enable(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
	return d.change(ctx, by, from, id, audit.UserEnabled, nil, func(tx *sql.Tx, u *User) error {
		return d.users.touch(ctx, tx, u.ID, `disabled = 0`)
	})
}

// SetPassword resets another user's password (an admin or the shell) and
// ends their sessions. A password the policy refuses is an error wrapping
// ErrWeakPassword, with a message safe to show.
func (d *Directory) SetPassword(ctx context.Context, by audit.Actor, from audit.Origin, id int64, password string) error {
	return d.newPassword(ctx, by, from, id, password, audit.UserPasswordReset)
}

// ChangePassword is SetPassword for the user's own password, which they
// proved they know; it is recorded as a change, not a reset.
func (d *Directory) ChangePassword(ctx context.Context, by audit.Actor, from audit.Origin, id int64, password string) error {
	return d.newPassword(ctx, by, from, id, password, audit.UserPasswordChanged)
}

func (d *Directory) newPassword(ctx context.Context, by audit.Actor, from audit.Origin, id int64, password string, action audit.Action) error {
	return d.change(ctx, by, from, id, action, nil, func(tx *sql.Tx, u *User) error {
		if err := refuseSSOUser(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := refuseServiceAccount(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := CheckPassword(password, u.Username); err != nil {
			return err
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		if err := d.users.touch(ctx, tx, u.ID, `password_hash = ?`, hash); err != nil {
			return err
		}
		return endSessions(ctx, tx, u.ID)
	})
}

// EnrollMFA stores the TOTP secret the user just proved they hold and
// gives them RecoveryCodeCount new recovery codes, returned to be shown
// once, in one transaction.
func (d *Directory) EnrollMFA(ctx context.Context, by audit.Actor, from audit.Origin, id int64, secret string) ([]string, error) {
	if secret == "" {
		return nil, errors.New("enrol a second factor: no secret")
	}
	var codes []string
	err := d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := d.users.byIDTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := d.users.touch(ctx, tx, u.ID, `mfa_secret = ?`, secret); err != nil {
			return err
		}
		if err := d.record(ctx, tx, by, from, audit.MFAEnrolled, u, nil); err != nil {
			return err
		}
		if codes, err = replaceRecoveryCodes(ctx, tx, u.ID, d.users.now()); err != nil {
			return err
		}
		return d.record(ctx, tx, by, from, audit.UserRecoveryCodes, u, map[string]any{"count": RecoveryCodeCount})
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// ResetMFA removes the user's second factor and recovery codes and ends
// their sessions; they enrol again at their next sign-in.
func (d *Directory) ResetMFA(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
	return d.change(ctx, by, from, id, audit.UserMFAReset, nil, func(tx *sql.Tx, u *User) error {
		if err := d.users.touch(ctx, tx, u.ID, `mfa_secret = ''`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("delete recovery codes: %w", err)
		}
		return endSessions(ctx, tx, u.ID)
	})
}

// SetTimeZone sets the zone the user reads times in: one of TimeZones
// (ErrUnknownTimeZone otherwise).
func (d *Directory) SetTimeZone(ctx context.Context, by audit.Actor, from audit.Origin, id int64, zone string) error {
	if _, err := LoadTimeZone(zone); err != nil {
		return err
	}
	return d.change(ctx, by, from, id, audit.UserTimeZoneChanged, map[string]any{"time_zone": zone}, func(tx *sql.Tx, u *User) error {
		return d.users.touch(ctx, tx, u.ID, `time_zone = ?`, zone)
	})
}

// EndSessions signs the user out everywhere.
func (d *Directory) EndSessions(ctx context.Context, by audit.Actor, from audit.Origin, id int64) error {
	return d.change(ctx, by, from, id, audit.SessionsEnded, nil, func(tx *sql.Tx, u *User) error {
		return endSessions(ctx, tx, u.ID)
	})
}
