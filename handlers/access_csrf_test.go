package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

// csrfSetCookies are the response's Set-Cookie values for the CSRF cookie.
func csrfSetCookies(res *http.Response) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range res.Cookies() {
		if strings.HasSuffix(c.Name, "rolegate_csrf") {
			out = append(out, c)
		}
	}
	return out
}

// A CSRF token known before signing in (planted, or read off a shared
// machine) must not be the one of the signed-in session, nor survive
// signing out: sign-in and sign-out each answer with exactly one new token.
func TestCSRFTokenRotatesAtSignInAndSignOut(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	b := app.newBrowser()
	anon := b.csrfToken(t)

	res := b.postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: status %d", res.StatusCode)
	}
	set := csrfSetCookies(res)
	if len(set) != 1 || set[0].Value == "" || set[0].Value == anon || set[0].MaxAge < 0 {
		t.Fatalf("sign-in CSRF cookies %v, want one new token (before: %s)", set, anon)
	}
	signedIn := b.csrfToken(t)
	if signedIn != set[0].Value {
		t.Fatalf("browser keeps %s, the sign-in answer set %s", signedIn, set[0].Value)
	}
	// The new token works for the next form, the old one no longer does.
	old := b.postRaw(t, "/account/password", url.Values{"_csrf": {anon}}, nil)
	wantStatus(t, old, http.StatusForbidden, "a form with the pre-sign-in token")

	res = b.postForm(t, "/logout", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: status %d", res.StatusCode)
	}
	set = csrfSetCookies(res)
	if len(set) != 1 || set[0].Value == "" || set[0].Value == signedIn || set[0].Value == anon {
		t.Fatalf("sign-out CSRF cookies %v, want one new token (signed in: %s)", set, signedIn)
	}
	if after := b.csrfToken(t); after != set[0].Value {
		t.Fatalf("browser keeps %s after sign-out, want %s", after, set[0].Value)
	}
}
