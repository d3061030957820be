package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TokenPrefix starts every personal access token, so that a token pasted
// where it should not be (a log, a repository) is recognised by secret
// scanners and people.
const TokenPrefix = "rgp_"

// Scope is what a token may do through the API. A token never does more
// than its user's role allows: the effective role is the smaller of the
// two (Scope.Role).
type Scope string

// The scopes. Read reads clusters, change requests and the audit log;
// Request also proposes and cancels the user's own change requests.
// Approving is never done with a token.
const (
	ScopeRead    Scope = "read"
	ScopeRequest Scope = "request"
)

// Errors of tokens. The messages are safe to show.
var (
	ErrTokenInvalid   = errors.New("the token is not valid")
	ErrTokenExpired   = errors.New("the token has expired")
	ErrTokenRevoked   = errors.New("the token was revoked")
	ErrTokenNotFound  = errors.New("no such token")
	ErrTokenForbidden = errors.New("you may not make or revoke this token")
)

// ParseScope accepts exactly one of the scope names.
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case ScopeRead, ScopeRequest:
		return Scope(s), nil
	}
	return "", fmt.Errorf("choose read or request")
}

// Role is the role a token of scope s acts with for a user of role r: a
// read token is a viewer, a request token a requester, and neither more
// than r.
func (s Scope) Role(r Role) Role {
	if s == ScopeRequest && r.AtLeast(RoleRequester) {
		return RoleRequester
	}
	if r.AtLeast(RoleViewer) {
		return RoleViewer
	}
	return ""
}

// ScopesFor lists the scopes a user of role r may give a token.
func ScopesFor(r Role) []Scope {
	switch {
	case r.CanRequest():
		return []Scope{ScopeRead, ScopeRequest}
	case r.AtLeast(RoleViewer):
		return []Scope{ScopeRead}
	}
	return nil
}

// Token is a personal access token as stored: never its secret.
type Token struct {
	ID        int64
	UserID    int64
	Name      string
	Scope     Scope
	Prefix    string // the secret's first characters, to tell tokens apart
	CreatedBy int64  // who made it (an admin for a service account's token)
	CreatedAt time.Time
	ExpiresAt time.Time
	LastUsed  time.Time // zero when never used
	RevokedAt time.Time // zero while not revoked
}

// Usable reports whether the token may be used at now.
func (t *Token) Usable(now time.Time) error {
	switch {
	case !t.RevokedAt.IsZero():
		return ErrTokenRevoked
	case !now.Before(t.ExpiresAt):
		return ErrTokenExpired
	}
	return nil
}

// AuditRef is how the audit log names the token an API request used, in
// the event's origin where a browser's session hash goes.
func (t *Token) AuditRef() string { return fmt.Sprintf("token:%d", t.ID) }

// NewToken is a token to make.
type NewToken struct {
	Name  string
	Scope Scope
	// Days is how long the token lasts, from its creation; required and at
	// most the maximum lifetime.
	Days int
}

// MaxTokenName bounds a token's name.
const MaxTokenName = 100

// InvalidToken says, field by field, why a new token was refused; every
// message is safe to show.
type InvalidToken struct {
	Name, Scope, Days error
}

func (e *InvalidToken) fields() []error {
	var out []error
	for _, err := range []error{e.Name, e.Scope, e.Days} {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}

func (e *InvalidToken) Error() string {
	var msgs []string
	for _, err := range e.fields() {
		msgs = append(msgs, err.Error())
	}
	return "invalid token: " + strings.Join(msgs, "; ")
}

// check applies the rules to a token for a user of role r lasting at most
// maxDays.
func (n NewToken) check(r Role, maxDays int) error {
	var e InvalidToken
	name := strings.TrimSpace(n.Name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenName || !utf8.ValidString(name) ||
		strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		e.Name = fmt.Errorf("name the token: 1 to %d characters, without control characters", MaxTokenName)
	}
	if _, err := ParseScope(string(n.Scope)); err != nil {
		e.Scope = err
	} else if n.Scope == ScopeRequest && !r.CanRequest() {
		e.Scope = errors.New("your role cannot request changes, so a token of yours cannot either: choose read")
	}
	if n.Days < 1 || n.Days > maxDays {
		e.Days = fmt.Errorf("enter a number of days from 1 to %d", maxDays)
	}
	if len(e.fields()) > 0 {
		return &e
	}
	return nil
}

// tokenEncoding writes secrets in lower-case base32 without padding, so
// that they survive shells, URLs and copy-paste.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newTokenSecret returns a secret of 256 random bits after TokenPrefix.
func newTokenSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("token secret: %w", err)
	}
	return TokenPrefix + tokenEncoding.EncodeToString(b[:]), nil
}

// tokenSecretLen is the length of every secret newTokenSecret makes.
var tokenSecretLen = len(TokenPrefix) + tokenEncoding.EncodedLen(32)

// looksLikeToken reports whether s has the shape of a secret.
func looksLikeToken(s string) bool {
	if len(s) != tokenSecretLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	_, err := tokenEncoding.DecodeString(s[len(TokenPrefix):])
	return err == nil
}

// tokenHash is what the database keeps of a secret. Secrets carry 256
// random bits, so a fast hash suffices: there is nothing to guess from a
// copy of the database.
func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte("rolegate api token\x00" + secret))
	return hex.EncodeToString(sum[:])
}

// tokenDisplayPrefix is the part of the secret kept to tell tokens apart.
func tokenDisplayPrefix(secret string) string { return secret[:len(TokenPrefix)+6] }
