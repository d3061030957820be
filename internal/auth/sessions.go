package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"rolegate/internal/store"
)

// Session value keys.
const (
	KeyUserID   = "uid"     // int64: the signed-in user
	KeyAuthTime = "auth_at" // int64 unix seconds: last password check
	KeyMFAUser  = "mfa_uid" // int64: password checked, second factor pending
	KeyMFAEnrol = "mfa_new" // string: TOTP secret being enrolled
	KeyFlash    = "_flash"  // flashes (gorilla's default key)
	// KeyKeptComment and KeyKeptFor: a comment typed into a form that a
	// re-authentication interrupted, and the page whose form it goes back
	// into (strings).
	KeyKeptComment = "kept_comment"
	KeyKeptFor     = "kept_for"
)

// ErrSessionGone is returned by Get/New for a cookie whose session expired,
// was deleted, or could not be decoded; the session returned is a new one.
var ErrSessionGone = errors.New("session expired or unknown")

// SessionStore is a gorilla sessions.Store kept in SQLite. The cookie holds
// only a securecookie-encoded random ID; the row holds its SHA-256, the
// user, the values and the idle and absolute limits.
type SessionStore struct {
	db     *store.DB
	codecs []securecookie.Codec
	// Options are the cookie attributes of new sessions.
	Options *sessions.Options
	idle    time.Duration
	max     time.Duration
	now     func() time.Time
	devices *Devices
	// seen remembers each session's last_seen (by ID hash) as last read or
	// written, so that Touch writes at most once per touchEvery instead of
	// on every request through the single writer connection.
	seen sync.Map
}

// touchEvery is how stale last_seen may get: the idle timeout is enforced
// to within this much.
func (s *SessionStore) touchEvery() time.Duration { return min(time.Minute, s.idle/30) }

// SessionConfig sets the store's limits and cookie.
type SessionConfig struct {
	// KeyPairs are hash/block key pairs; the first pair encodes, all decode.
	KeyPairs [][]byte
	Idle     time.Duration
	Max      time.Duration
	Secure   bool
	// Now is the clock (tests); time.Now when nil.
	Now func() time.Time
}

// NewSessionStore returns the store in db.
func NewSessionStore(db *store.DB, cfg SessionConfig) (*SessionStore, error) {
	if len(cfg.KeyPairs) < 2 || len(cfg.KeyPairs)%2 != 0 {
		return nil, errors.New("sessions: key pairs needed (hash and block key each)")
	}
	codecs := securecookie.CodecsFromPairs(cfg.KeyPairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(cfg.Max / time.Second))
		}
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &SessionStore{
		db:      db,
		codecs:  codecs,
		idle:    cfg.Idle,
		max:     cfg.Max,
		now:     now,
		devices: newDevices(cfg.KeyPairs, cfg.Secure),
		Options: &sessions.Options{
			Path:     "/",
			MaxAge:   int(cfg.Max / time.Second),
			Secure:   cfg.Secure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
	}, nil
}

// Now is the store's clock.
func (s *SessionStore) Now() time.Time { return s.now() }

// CookieName is the session cookie's name: with the __Host- prefix over
// TLS, so it cannot be set by a sibling domain or over plain HTTP.
func CookieName(secure bool) string {
	if secure {
		return "__Host-rolegate"
	}
	return "rolegate"
}

// Get returns the request's session, cached per request.
func (s *SessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the request's cookie, or returns a new one
// (with ErrSessionGone when a cookie was sent but did not lead to a live
// session).
func (s *SessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := sessions.NewSession(s, name)
	opts := *s.Options
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var id string
	if err := securecookie.DecodeMulti(name, c.Value, &id, s.codecs...); err != nil {
		return sess, fmt.Errorf("%w: %w", ErrSessionGone, err)
	}
	values, err := s.load(r.Context(), id)
	if err != nil {
		return sess, err
	}
	sess.ID = id
	sess.Values = values
	sess.IsNew = false
	return sess, nil
}

// HashID is how a session ID is stored and logged: hex SHA-256.
func HashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func (s *SessionStore) load(ctx context.Context, id string) (map[any]any, error) {
	var data []byte
	var lastSeen, expires int64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT data, last_seen, expires_at FROM sessions WHERE id_hash = ?`, HashID(id)).
		Scan(&data, &lastSeen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionGone
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := s.now().Unix()
	s.seen.Store(HashID(id), lastSeen)
	if now >= expires || now-lastSeen >= int64(s.idle/time.Second) {
		if err := s.deleteHash(ctx, HashID(id)); err != nil {
			return nil, err
		}
		return nil, ErrSessionGone
	}
	values := map[any]any{}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&values); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrSessionGone, err)
	}
	return values, nil
}

// Save writes the session row and the cookie. MaxAge < 0 deletes both.
// A session without an ID gets a fresh random one.
func (s *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.deleteHash(ctx, HashID(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(sess.Values); err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	var uid any
	if v, ok := sess.Values[KeyUserID].(int64); ok && v > 0 {
		uid = v
	}
	now := s.now().Unix()
	if sess.ID == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("session id: %w", err)
		}
		sess.ID = base64.RawURLEncoding.EncodeToString(b[:])
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id_hash, user_id, data, created_at, last_seen, expires_at)
				VALUES (?, ?, ?, ?, ?, ?)`, HashID(sess.ID), uid, buf.Bytes(), now, now, now+int64(s.max/time.Second))
			return err
		})
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
	} else {
		err := s.db.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET user_id = ?, data = ?, last_seen = ? WHERE id_hash = ?`,
				uid, buf.Bytes(), now, HashID(sess.ID))
			return err
		})
		if err != nil {
			return fmt.Errorf("save session: %w", err)
		}
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), sess.ID, s.codecs...)
	if err != nil {
		return fmt.Errorf("encode session cookie: %w", err)
	}
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Touch records activity on a live session without rewriting its values.
func (s *SessionStore) Touch(ctx context.Context, sess *sessions.Session) error {
	if sess.ID == "" {
		return nil
	}
	hash, now := HashID(sess.ID), s.now().Unix()
	if last, ok := s.seen.Load(hash); ok && now-last.(int64) < int64(s.touchEvery()/time.Second) {
		return nil
	}
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE id_hash = ?`, now, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	s.seen.Store(hash, now)
	return nil
}

// Destroy deletes the session's row; the caller then issues a new session
// (a fresh ID at sign-in) or an expired cookie (sign-out).
func (s *SessionStore) Destroy(ctx context.Context, sess *sessions.Session) error {
	if sess.ID == "" {
		return nil
	}
	err := s.deleteHash(ctx, HashID(sess.ID))
	sess.ID = ""
	return err
}

func (s *SessionStore) deleteHash(ctx context.Context, hash string) error {
	s.seen.Delete(hash)
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// Sweep deletes expired and idle sessions and returns how many.
func (s *SessionStore) Sweep(ctx context.Context) (int64, error) {
	s.seen.Clear() // forget swept sessions; the next Touch of a live one writes
	now := s.now().Unix()
	var n int64
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?`, now, now-int64(s.idle/time.Second))
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("sweep sessions: %w", err)
	}
	return n, nil
}

// CountUserSessions reports how many sessions the user has (admin page).
func (s *SessionStore) CountUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE user_id = ? AND expires_at > ?`, userID, s.now().Unix()).Scan(&n)
	return n, err
}
