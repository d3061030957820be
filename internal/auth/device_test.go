package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/securecookie"
)

func testPairs() [][]byte {
	return [][]byte{securecookie.GenerateRandomKey(64), securecookie.GenerateRandomKey(32)}
}

// issued returns the device cookie d gives the browser for username.
func issued(t *testing.T, d *Devices, username string) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := d.Issue(w, username); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != "rolegate_device" || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode || cs[0].Path != "/" {
		t.Fatalf("device cookies %v", cs)
	}
	return cs[0]
}

func presenting(c *http.Cookie) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/login", nil)
	r.AddCookie(c)
	return r
}

func TestDeviceCookieNamesItsUserOnly(t *testing.T) {
	pairs := testPairs()
	d := newDevices(pairs, false)
	c := issued(t, d, "Olga")
	id := d.Check(presenting(c), "olga")
	if id == "" || d.Check(presenting(c), "OLGA") != id {
		t.Fatal("the device cookie is not recognised for its user")
	}
	if other := issued(t, d, "olga"); d.Check(presenting(other), "olga") == id {
		t.Fatal("two sign-ins got the same device ID")
	}
	if d.Check(presenting(c), "vera") != "" {
		t.Fatal("olga's device cookie counts for vera")
	}
	if d.Check(httptest.NewRequest(http.MethodPost, "/login", nil), "olga") != "" {
		t.Fatal("no cookie, yet a device")
	}
	tampered := *c
	tampered.Value = c.Value[:len(c.Value)-2] + "AA"
	if d.Check(presenting(&tampered), "olga") != "" {
		t.Fatal("a tampered device cookie is accepted")
	}
	if newDevices(testPairs(), false).Check(presenting(c), "olga") != "" {
		t.Fatal("a device cookie signed with other keys is accepted")
	}
	// A session cookie's value is signed under another name.
	sess, err := securecookie.EncodeMulti("rolegate", deviceValue{User: "olga", ID: "x"}, securecookie.CodecsFromPairs(pairs...)...)
	if err != nil {
		t.Fatal(err)
	}
	if d.Check(presenting(&http.Cookie{Name: "rolegate_device", Value: sess}), "olga") != "" {
		t.Fatal("a value signed for another cookie passes for a device cookie")
	}
	// Key rotation: the old pair still reads cookies it signed.
	rotated := newDevices(append(testPairs(), pairs...), false)
	if rotated.Check(presenting(c), "olga") != id {
		t.Fatal("a device cookie signed with the previous keys is lost at rotation")
	}
	if s := newDevices(pairs, true); s.name != "__Host-rolegate_device" {
		t.Fatalf("cookie name over TLS %q", s.name)
	}
}
