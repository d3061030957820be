package auth

import (
	"crypto/rand"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// DeviceCookieAge is how long a device cookie is honoured after the
// sign-in that issued it; every sign-in issues a new one.
const DeviceCookieAge = 90 * 24 * time.Hour

// Devices are the device cookies of OWASP's "Slow Down Online Guessing
// Attacks with Device Cookies": a browser that signs in successfully gets
// a cookie, signed (and encrypted) with the session keys, naming the user
// and a random device ID. A later sign-in attempt for that user from that
// browser is throttled on the device's own budget, so that guesses from
// elsewhere cannot lock the owner out. The cookie proves nothing else: it
// never signs anybody in.
type Devices struct {
	codecs []securecookie.Codec
	name   string
	secure bool
}

type deviceValue struct {
	User string `json:"u"`
	ID   string `json:"d"`
}

// newDevices builds the cookie codecs from the session key pairs: the
// first pair signs, every pair reads, as for sessions. The cookie name is
// part of what is signed, so a session cookie cannot pass for a device
// cookie.
func newDevices(keyPairs [][]byte, secure bool) *Devices {
	codecs := securecookie.CodecsFromPairs(keyPairs...)
	for _, c := range codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.MaxAge(int(DeviceCookieAge / time.Second))
			sc.SetSerializer(securecookie.JSONEncoder{})
		}
	}
	name := "rolegate_device"
	if secure {
		name = "__Host-rolegate_device"
	}
	return &Devices{codecs: codecs, name: name, secure: secure}
}

// Devices are the store's device cookies, signed with its keys.
func (s *SessionStore) Devices() *Devices { return s.devices }

// Issue gives the browser a new device cookie for username.
func (d *Devices) Issue(w http.ResponseWriter, username string) error {
	v := deviceValue{User: strings.ToLower(username), ID: rand.Text()}
	encoded, err := securecookie.EncodeMulti(d.name, v, d.codecs...)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: d.name, Value: encoded, Path: "/", MaxAge: int(DeviceCookieAge / time.Second),
		Secure: d.secure, HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

// Check returns the device ID of the request's device cookie when the
// cookie is valid and names username, and "" otherwise (no cookie, a
// forged, expired or re-keyed one, or one of another user).
func (d *Devices) Check(r *http.Request, username string) string {
	c, err := r.Cookie(d.name)
	if err != nil || username == "" {
		return ""
	}
	var v deviceValue
	if err := securecookie.DecodeMulti(d.name, c.Value, &v, d.codecs...); err != nil {
		return ""
	}
	if v.ID == "" || v.User != strings.ToLower(username) {
		return ""
	}
	return v.ID
}
