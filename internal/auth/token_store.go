package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

// Tokens keeps the personal access tokens of the API. Making and revoking
// a token is committed with its audit event; using one is recorded by
// the request it serves, whose events name the token (Token.AuditRef).
type Tokens struct {
	db      *store.DB
	users   *Users
	audit   *audit.Log
	maxDays int
	now     func() time.Time
}

// DefaultTokenMaxDays is the longest a token may last when the setting is
// left zero.
const DefaultTokenMaxDays = 90

// lastUsedEvery is how stale a token's last use may be before a request
// writes it again, so that a busy pipeline does not write on every call.
const lastUsedEvery = time.Minute

// NewTokens returns the token store of the users' database; tokens last at
// most maxDays (DefaultTokenMaxDays when zero).
func NewTokens(users *Users, log *audit.Log, maxDays int, now func() time.Time) *Tokens {
	if maxDays <= 0 {
		maxDays = DefaultTokenMaxDays
	}
	if now == nil {
		now = time.Now
	}
	return &Tokens{db: users.db, users: users, audit: log, maxDays: maxDays, now: now}
}

// MaxDays is the longest lifetime a new token may have.
func (t *Tokens) MaxDays() int { return t.maxDays }

const tokenColumns = `id, user_id, name, scope, prefix, coalesce(created_by, 0), created_at, expires_at, coalesce(last_used_at, ''), coalesce(revoked_at, '')`

func scanToken(s scanner) (*Token, error) {
	var tk Token
	var scope, created, expires, used, revoked string
	if err := s.Scan(&tk.ID, &tk.UserID, &tk.Name, &scope, &tk.Prefix, &tk.CreatedBy, &created, &expires, &used, &revoked); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrTokenNotFound
		}
		return nil, fmt.Errorf("read token: %w", err)
	}
	tk.Scope = Scope(scope)
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&tk.CreatedAt, created}, {&tk.ExpiresAt, expires}, {&tk.LastUsed, used}, {&tk.RevokedAt, revoked}} {
		if *f.dst, err = store.ParseTime(f.src); err != nil {
			return nil, fmt.Errorf("token %d: %w", tk.ID, err)
		}
	}
	return &tk, nil
}

// List returns the user's tokens, newest first, revoked and expired ones
// included.
func (t *Tokens) List(ctx context.Context, userID int64) ([]*Token, error) {
	rows, err := t.db.Reader().QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*Token
	for rows.Next() {
		tk, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, tk)
	}
	return out, rows.Err()
}

// Create makes a token for owner and returns its secret, to be shown once,
// with the token as stored. A personal token is made by its owner; a
// service account's tokens by an admin (ErrTokenForbidden otherwise). An
// *InvalidToken says what is wrong with n.
func (t *Tokens) Create(ctx context.Context, by audit.Actor, from audit.Origin, owner *User, n NewToken) (string, *Token, error) {
	if owner.Disabled {
		return "", nil, ErrTokenForbidden
	}
	service, err := t.users.IsService(ctx, owner.ID)
	if err != nil {
		return "", nil, err
	}
	if service && !Role(by.Role).CanAdminister() || !service && by.UserID != owner.ID {
		return "", nil, ErrTokenForbidden
	}
	if err := n.check(owner.Role, t.maxDays); err != nil {
		return "", nil, err
	}
	secret, err := newTokenSecret()
	if err != nil {
		return "", nil, err
	}
	now := t.now().UTC()
	var tk *Token
	err = t.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (user_id, name, scope, secret_hash, prefix, created_by, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, owner.ID, strings.TrimSpace(n.Name), string(n.Scope), tokenHash(secret), tokenDisplayPrefix(secret),
			nullUser(by.UserID), store.FormatTime(now), store.FormatTime(now.AddDate(0, 0, n.Days)))
		if err != nil {
			return fmt.Errorf("store token: %w", err)
		}
		id, _ := res.LastInsertId()
		if tk, err = scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id)); err != nil {
			return err
		}
		return t.record(ctx, tx, by, from, audit.TokenCreated, owner, tk)
	})
	if err != nil {
		return "", nil, err
	}
	return secret, tk, nil
}

// Revoke ends the token id of the owner: by is the owner, or an admin for
// a service account's token (ErrTokenForbidden otherwise). Revoking a
// revoked token changes nothing and records nothing.
func (t *Tokens) Revoke(ctx context.Context, by audit.Actor, from audit.Origin, owner *User, id int64) error {
	service, err := t.users.IsService(ctx, owner.ID)
	if err != nil {
		return err
	}
	if service && !Role(by.Role).CanAdminister() || !service && by.UserID != owner.ID {
		return ErrTokenForbidden
	}
	return t.db.Tx(ctx, func(tx *sql.Tx) error {
		tk, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ? AND user_id = ?`, id, owner.ID))
		if err != nil {
			return err
		}
		if !tk.RevokedAt.IsZero() {
			return nil
		}
		tk.RevokedAt = t.now().UTC()
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, store.FormatTime(tk.RevokedAt), tk.ID); err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		return t.record(ctx, tx, by, from, audit.TokenRevoked, owner, tk)
	})
}

// Authenticate finds the token of secret and its user. An unknown or
// malformed secret, or one of a disabled user, is ErrTokenInvalid; a known
// one past its expiry or revoked is ErrTokenExpired or ErrTokenRevoked,
// returned with the token and user so that the refusal can name them. A
// use refreshes the token's last use (at most once a minute).
func (t *Tokens) Authenticate(ctx context.Context, secret string) (*Token, *User, error) {
	if !looksLikeToken(secret) {
		return nil, nil, ErrTokenInvalid
	}
	tk, err := scanToken(t.db.Reader().QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE secret_hash = ?`, tokenHash(secret)))
	if errors.Is(err, ErrTokenNotFound) {
		return nil, nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	u, err := t.users.ByID(ctx, tk.UserID)
	if errors.Is(err, ErrNotFound) || err == nil && u.Disabled {
		return nil, nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	now := t.now()
	if err := tk.Usable(now); err != nil {
		return tk, u, err
	}
	if now.Sub(tk.LastUsed) >= lastUsedEvery {
		tk.LastUsed = now.UTC()
		if _, err := t.db.Writer().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, store.FormatTime(tk.LastUsed), tk.ID); err != nil {
			return nil, nil, fmt.Errorf("note token use: %w", err)
		}
	}
	return tk, u, nil
}

// record appends a token event inside tx; never the secret.
func (t *Tokens) record(ctx context.Context, tx *sql.Tx, by audit.Actor, from audit.Origin, action audit.Action, owner *User, tk *Token) error {
	_, err := t.audit.Append(ctx, tx, audit.Event{Actor: by, Origin: from, Action: action, Outcome: audit.Success,
		Params: audit.Params(map[string]any{
			"user_id": owner.ID, "username": owner.Username, "token_id": tk.ID, "token_name": tk.Name,
			"scope": string(tk.Scope), "prefix": tk.Prefix, "expires_at": store.FormatTime(tk.ExpiresAt),
		})})
	return err
}

func nullUser(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
