package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"rolegate/audit"
)

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

// recoveryEncoding is Crockford's base32 in lower case: digits and letters
// without i, l, o and u, which people mistake for others.
var recoveryEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// newRecoveryCode returns a code of 80 random bits as four groups of four
// characters, e.g. "k7pq-2xdm-9aft-wr3e".
func newRecoveryCode() (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("recovery code: %w", err)
	}
	s := recoveryEncoding.EncodeToString(b[:])
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], nil
}

// normalRecoveryCode is the code as stored: lower case, without the dashes
// and spaces people type or paste.
func normalRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' || r == '\t' {
			return -1
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, strings.TrimSpace(code))
}

// recoveryHash is what the database keeps of a code. The codes carry 80
// random bits, so SHA-256 suffices: there is nothing to guess from a copy
// of the database, and a slow password hash would only slow sign-in.
func recoveryHash(code string) string {
	sum := sha256.Sum256([]byte("rolegate recovery code\x00" + normalRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}

// LooksLikeRecoveryCode tells a recovery code from a TOTP code as typed.
func LooksLikeRecoveryCode(code string) bool { return len(normalRecoveryCode(code)) == 16 }

// replaceRecoveryCodes deletes the user's codes and stores the hashes of
// RecoveryCodeCount new ones inside tx, returning the codes.
func replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID int64, now time.Time) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = ?`, userID); err != nil {
		return nil, fmt.Errorf("delete recovery codes: %w", err)
	}
	codes := make([]string, 0, RecoveryCodeCount)
	at := now.UTC().Format(time.RFC3339Nano)
	for len(codes) < RecoveryCodeCount {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)`,
			userID, recoveryHash(c), at); err != nil {
			return nil, fmt.Errorf("store recovery code: %w", err)
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// RecoveryCodesLeft counts the user's unused recovery codes.
func (u *Users) RecoveryCodesLeft(ctx context.Context, userID int64) (int, error) {
	var n int
	err := u.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recovery codes: %w", err)
	}
	return n, nil
}

// RegenerateRecoveryCodes replaces the user's recovery codes with new
// ones, returned to be shown once; the old ones stop working. The user
// must have a second factor.
func (d *Directory) RegenerateRecoveryCodes(ctx context.Context, by audit.Actor, from audit.Origin, id int64) ([]string, error) {
	var codes []string
	err := d.change(ctx, by, from, id, audit.UserRecoveryCodes, map[string]any{"count": RecoveryCodeCount}, func(tx *sql.Tx, u *User) error {
		if !u.MFAEnrolled {
			return ErrNoSecondFactor
		}
		var err error
		codes, err = replaceRecoveryCodes(ctx, tx, u.ID, d.users.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// UseRecoveryCode spends one of the user's unused recovery codes and
// records its use (never the code), in one transaction. It reports false,
// recording nothing, for a code that is not one of theirs or was used.
func (d *Directory) UseRecoveryCode(ctx context.Context, by audit.Actor, from audit.Origin, id int64, code string) (bool, error) {
	if !LooksLikeRecoveryCode(code) {
		return false, nil
	}
	used := false
	err := d.users.db.Tx(ctx, func(tx *sql.Tx) error {
		u, err := d.users.byIDTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !u.MFAEnrolled {
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`,
			d.users.now().UTC().Format(time.RFC3339Nano), u.ID, recoveryHash(code))
		if err != nil {
			return fmt.Errorf("use recovery code: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL`, u.ID).Scan(&left); err != nil {
			return fmt.Errorf("count recovery codes: %w", err)
		}
		used = true
		return d.record(ctx, tx, by, from, audit.UserRecoveryCodeUsed, u, map[string]any{"codes_left": left})
	})
	if err != nil {
		return false, err
	}
	return used, nil
}
