package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"rolegate/audit"
	"rolegate/internal/store"
)

// NewServiceAccount is a service account to create: a user without a
// password, for pipelines, which acts only through tokens an admin makes.
type NewServiceAccount struct {
	Username    string
	DisplayName string // defaults to the username
	Role        Role
}

// CreateServiceAccount adds a service account after checking its name and
// role: an *InvalidUser says what is wrong, ErrUsernameTaken that the
// name is in use. Its password hash is empty, which no password matches,
// so it can never sign in to the pages.
func (d *Directory) CreateServiceAccount(ctx context.Context, by audit.Actor, from audit.Origin, n NewServiceAccount) (*User, error) {
	if n.DisplayName == "" {
		n.DisplayName = n.Username
	}
	var e InvalidUser
	e.Username = CheckUsername(n.Username)
	e.DisplayName = CheckDisplayName(n.DisplayName)
	if _, err := ParseRole(string(n.Role)); err != nil {
		e.Role = err
	}
	if len(e.fields()) > 0 {
		return nil, &e
	}
	var u *User
	err := d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = d.users.insert(ctx, tx, NewUser{Username: n.Username, DisplayName: n.DisplayName, Role: n.Role}, ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_accounts (user_id, created_at) VALUES (?, ?)`,
			u.ID, store.FormatTime(d.users.now())); err != nil {
			return fmt.Errorf("mark service account: %w", err)
		}
		return d.record(ctx, tx, by, from, audit.UserCreated, u, map[string]any{"role": string(n.Role), "service": true})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// ErrServiceAccount refuses a password for a service account, which acts
// only through API tokens.
var ErrServiceAccount = errors.New("a service account has no password: it acts only through API tokens")

// refuseServiceAccount returns ErrServiceAccount when the user is one.
func refuseServiceAccount(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM service_accounts WHERE user_id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("service account: %w", err)
	}
	if n > 0 {
		return ErrServiceAccount
	}
	return nil
}

// IsService reports whether the user is a service account.
func (u *Users) IsService(ctx context.Context, id int64) (bool, error) {
	var n int
	if err := u.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM service_accounts WHERE user_id = ?`, id).Scan(&n); err != nil {
		return false, fmt.Errorf("service account: %w", err)
	}
	return n > 0, nil
}

// ServiceAccounts is the set of the users that are service accounts.
func (u *Users) ServiceAccounts(ctx context.Context) (map[int64]bool, error) {
	rows, err := u.db.Reader().QueryContext(ctx, `SELECT user_id FROM service_accounts`)
	if err != nil {
		return nil, fmt.Errorf("service accounts: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("service accounts: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}
