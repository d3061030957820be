package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"rolegate/internal/store"
)

// User is one account of the dashboard.
type User struct {
	ID          int64
	Username    string
	DisplayName string
	Role        Role
	Disabled    bool
	MFAEnrolled bool
	// TimeZone is the IANA zone the user reads times in ("UTC" by default).
	TimeZone string
	// BreakGlass admins may sign in with their password when local
	// password sign-in is switched off.
	BreakGlass   bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	passwordHash string
	mfaSecret    string
}

// Errors of the user store.
var (
	ErrNotFound        = errors.New("no such user")
	ErrUsernameTaken   = errors.New("username already taken")
	ErrInvalidUsername = errors.New("username must be 2 to 64 characters: letters, digits, dot, dash or underscore, starting with a letter or digit")
	ErrInvalidName     = errors.New("display name must be 1 to 100 characters, without control characters")
	ErrLastAdmin       = errors.New("this is the last enabled admin; make another admin first")
	ErrNoSecondFactor  = errors.New("no second factor is enrolled")
	ErrUnknownTimeZone = errors.New("choose one of the listed time zones")
)

var usernamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{1,63}$`)

// CheckUsername validates a new username.
func CheckUsername(u string) error {
	if !usernamePattern.MatchString(u) {
		return ErrInvalidUsername
	}
	return nil
}

// CheckDisplayName validates a display name.
func CheckDisplayName(n string) error {
	if n == "" || utf8.RuneCountInString(n) > 100 || !utf8.ValidString(n) || strings.ContainsFunc(n, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ErrInvalidName
	}
	return nil
}

// Users reads and writes the users table.
type Users struct {
	db  *store.DB
	now func() time.Time
}

// NewUsers returns the user store of db.
func NewUsers(db *store.DB) *Users { return &Users{db: db, now: time.Now} }

const userColumns = `id, username, display_name, role, password_hash, disabled, mfa_secret, time_zone, break_glass, created_at, updated_at`

type scanner interface{ Scan(...any) error }

func scanUser(s scanner) (*User, error) {
	var us User
	var role, created, updated string
	var disabled, breakGlass int
	if err := s.Scan(&us.ID, &us.Username, &us.DisplayName, &role, &us.passwordHash, &disabled, &us.mfaSecret, &us.TimeZone, &breakGlass, &created, &updated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("read user: %w", err)
	}
	us.Role = Role(role)
	us.Disabled = disabled == 1
	us.BreakGlass = breakGlass == 1
	us.MFAEnrolled = us.mfaSecret != ""
	var err error
	if us.CreatedAt, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return nil, fmt.Errorf("user %d: created_at: %w", us.ID, err)
	}
	if us.UpdatedAt, err = time.Parse(time.RFC3339Nano, updated); err != nil {
		return nil, fmt.Errorf("user %d: updated_at: %w", us.ID, err)
	}
	return &us, nil
}

// ByUsername finds a user by name, case-insensitively.
func (u *Users) ByUsername(ctx context.Context, username string) (*User, error) {
	return scanUser(u.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE username = ?`, username))
}

// ByID finds a user by ID.
func (u *Users) ByID(ctx context.Context, id int64) (*User, error) {
	return scanUser(u.db.Reader().QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// byIDTx finds a user by ID inside a transaction.
func (u *Users) byIDTx(ctx context.Context, tx *sql.Tx, id int64) (*User, error) {
	return scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// List returns every user, by username.
func (u *Users) List(ctx context.Context) ([]*User, error) {
	rows, err := u.db.Reader().QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		us, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, us)
	}
	return out, rows.Err()
}

// HasPassword reports whether the user has a local password at all:
// users who sign in through single sign-on and service accounts have none.
func (us *User) HasPassword() bool { return us.passwordHash != "" }

// CheckPassword reports whether pw is the user's password.
func (us *User) CheckPassword(pw string) bool { return VerifyPassword(us.passwordHash, pw) }

// insert adds a checked account inside tx with the password's hash.
func (u *Users) insert(ctx context.Context, tx *sql.Tx, n NewUser, hash string) (*User, error) {
	var taken int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE username = ?`, n.Username).Scan(&taken); err != nil {
		return nil, fmt.Errorf("check username: %w", err)
	}
	if taken > 0 {
		return nil, ErrUsernameTaken
	}
	now := u.now().UTC().Format(time.RFC3339Nano)
	res, err := tx.ExecContext(ctx, `INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?)`, n.Username, n.DisplayName, string(n.Role), hash, now, now)
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	id, _ := res.LastInsertId()
	return u.byIDTx(ctx, tx, id)
}

func (u *Users) touch(ctx context.Context, tx *sql.Tx, id int64, set string, args ...any) error {
	args = append(args, u.now().UTC().Format(time.RFC3339Nano), id)
	res, err := tx.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = ? WHERE id = ?`, args...)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// otherAdmins counts enabled admins other than id.
func otherAdmins(ctx context.Context, tx *sql.Tx, id int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?`, id).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count admins: %w", err)
	}
	return n, nil
}

// endSessions deletes every session of the user.
func endSessions(ctx context.Context, tx *sql.Tx, userID int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

// Location is the user's time zone; UTC when it is unknown to this build.
func (us *User) Location() *time.Location {
	loc, err := LoadTimeZone(us.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// MFASecret is the user's TOTP secret, "" when not enrolled.
func (us *User) MFASecret() string { return us.mfaSecret }
