package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"rolegate/internal/auth"
)

func TestStateChangesFromAnotherOriginRefused(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	login := func(b *browser, headers map[string]string) *http.Response {
		form := url.Values{"username": {"vera"}, "password": {testPassword("vera")}, "_csrf": {b.csrfToken(t)}}
		return b.postRaw(t, "/login", form, headers)
	}
	refusals := 0
	for _, c := range []struct {
		name    string
		headers map[string]string
	}{
		{"foreign origin with a valid token", map[string]string{"Origin": "https://evil.example"}},
		{"our host on another scheme", map[string]string{"Origin": "https://" + app.url[len("http://"):]}},
		{"our host on another port", map[string]string{"Origin": "http://127.0.0.1:1"}},
		{"opaque origin", map[string]string{"Origin": "null"}},
		// Sec-Fetch-Site alone would let the form through without a token.
		{"foreign origin claiming same-origin", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantStatus(t, login(app.newBrowser(), c.headers), http.StatusForbidden, c.name)
			refusals++
			if n := app.auditCount(t, "auth.csrf_failed"); n != refusals {
				t.Fatalf("%d csrf_failed events, want %d", n, refusals)
			}
		})
	}
	if app.auditCount(t, "auth.sign_in") != 0 {
		t.Fatal("a sign-in from another origin went through")
	}
	for _, c := range []struct {
		name    string
		headers map[string]string
	}{
		{"our own origin", map[string]string{"Origin": app.url}},
		{"no origin", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := login(app.newBrowser(), c.headers)
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("%s: status %d, want 303", c.name, res.StatusCode)
			}
		})
	}
	if n := app.auditCount(t, "auth.csrf_failed"); n != refusals {
		t.Fatalf("%d csrf_failed events after the accepted posts, want %d", n, refusals)
	}
}
