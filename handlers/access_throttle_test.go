package handlers_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"testing"
	"time"

	"rolegate/handlers"
	"rolegate/internal/auth"
)

// wrongLogin posts a wrong password for username and returns the status.
func (b *browser) wrongLogin(t *testing.T, username string, headers map[string]string) int {
	t.Helper()
	form := url.Values{"username": {username}, "password": {"not the password at all"}, "_csrf": {b.csrfToken(t)}}
	res := b.postRaw(t, "/login", form, headers)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a wrong password: status %d", res.StatusCode)
	}
	return res.StatusCode
}

// rightLogin signs username in with the right password and returns the
// status (303 when signed in).
func (b *browser) rightLogin(t *testing.T, username string) int {
	t.Helper()
	res := b.postForm(t, "/login", url.Values{"username": {username}, "password": {testPassword(username)}})
	res.Body.Close()
	return res.StatusCode
}

// An anonymous client sending a wrong password for the owner's account
// every second, from the owner's own address, does not keep the owner out
// of the browser she signed in with before. Any other browser is held
// back, as it should be.
func TestSignInCannotBeJammedFromAnotherClient(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })
	owner := app.signIn(t, "olga", auth.RoleApprover)
	res := owner.postForm(t, "/logout", nil)
	res.Body.Close()
	app.ensureUser(t, "vera", auth.RoleViewer)
	vera := app.signIn(t, "vera", auth.RoleViewer) // a device cookie of another user
	attacker := app.newBrowser()

	throttled := 0
	for i := 1; i <= 600; i++ {
		if attacker.wrongLogin(t, "olga", nil) == http.StatusTooManyRequests {
			throttled++
		}
		clock.advance(time.Second)
		if i%60 == 0 {
			if got := owner.rightLogin(t, "olga"); got != http.StatusSeeOther {
				t.Fatalf("after %d s of guessing, the owner's sign-in: status %d, want 303", i, got)
			}
			res := owner.postForm(t, "/logout", nil)
			res.Body.Close()
		}
	}
	if throttled < 500 {
		t.Fatalf("the guessing client was throttled %d times in 600 tries", throttled)
	}
	// One more guess at this instant, and the address's budget for olga
	// is spent for now.
	attacker.wrongLogin(t, "olga", nil)
	if got := app.newBrowser().rightLogin(t, "olga"); got != http.StatusTooManyRequests {
		t.Fatalf("a browser new to olga, from the guessing address: status %d, want 429", got)
	}
	if got := vera.rightLogin(t, "olga"); got != http.StatusTooManyRequests {
		t.Fatalf("a browser with vera's device cookie: status %d, want 429", got)
	}
	// Nor does a device cookie sway the answer to a wrong password.
	if got := owner.wrongLogin(t, "olga", nil); got != http.StatusUnauthorized {
		t.Fatalf("the owner's wrong password: status %d, want 401", got)
	}
	if got := owner.wrongLogin(t, "nobody", nil); got != http.StatusTooManyRequests && got != http.StatusUnauthorized {
		t.Fatalf("an unknown user: status %d", got)
	}
}

// Re-authentication before approving cannot be jammed either.
func TestReauthCannotBeJammedFromAnotherClient(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })
	owner := app.signIn(t, "olga", auth.RoleApprover)
	attacker := app.newBrowser()
	for range 120 {
		attacker.wrongLogin(t, "olga", nil)
		clock.advance(time.Second)
	}
	res := owner.postForm(t, "/reauth", url.Values{"password": {testPassword("olga")}, "next": {"/changes"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/changes" {
		t.Fatalf("re-authentication under attack: status %d Location %q, want 303 to /changes", res.StatusCode, res.Header.Get("Location"))
	}
}

// Clients without a device cookie, spread over many addresses, still get
// at most 100 failures per account per hour, and the owner's browser
// still gets in.
func TestUnknownClientsGetAtMostAHundredFailuresPerAccountPerHour(t *testing.T) {
	l := handlers.DefaultLoginLimits()
	if perHour := l.AccountBurst + int(time.Hour/l.AccountEvery); perHour > 100 {
		t.Fatalf("the limits allow %d failures per account per hour", perHour)
	}
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) {
		o.now = clock.now
		o.trustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	owner := app.signIn(t, "olga", auth.RoleApprover)
	attacker := app.newBrowser()
	checked := 0
	for i := range 720 { // one guess every 5 s for an hour, from 240 addresses
		xff := map[string]string{"X-Forwarded-For": "198.51.100." + strconv.Itoa(i%240)}
		if attacker.wrongLogin(t, "olga", xff) == http.StatusUnauthorized {
			checked++
		}
		clock.advance(5 * time.Second)
	}
	if checked > 100 || checked < l.AccountBurst {
		t.Fatalf("%d wrong passwords checked in an hour, want between %d and 100", checked, l.AccountBurst)
	}
	if got := owner.rightLogin(t, "olga"); got != http.StatusSeeOther {
		t.Fatalf("the owner after an hour of spread guessing: status %d, want 303", got)
	}
}
