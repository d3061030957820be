package handlers_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/securecookie"

	"rolegate/internal/auth"
)

// signInRaw signs in with explicit cookies, for an app whose cookies are
// Secure (the test server is plain HTTP, so a cookie jar would drop them).
func signInRaw(t *testing.T, app *testApp, username string) *http.Response {
	t.Helper()
	res := app.get(t, "/login")
	res.Body.Close()
	var csrf *http.Cookie
	for _, c := range res.Cookies() {
		if strings.HasSuffix(c.Name, "rolegate_csrf") {
			csrf = c
		}
	}
	if csrf == nil {
		t.Fatal("no CSRF cookie")
	}
	form := url.Values{"username": {username}, "password": {testPassword(username)}, "_csrf": {csrf.Value}}
	req, _ := http.NewRequest(http.MethodPost, app.url+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: csrf.Name, Value: csrf.Value})
	res, err := newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: status %d", res.StatusCode)
	}
	return res
}

func findCookie(res *http.Response, suffix string) *http.Cookie {
	for _, c := range res.Cookies() {
		if strings.HasSuffix(c.Name, suffix) {
			return c
		}
	}
	return nil
}

func TestSessionCookieIsHostPrefixedSecureHttpOnly(t *testing.T) {
	t.Run("over TLS", func(t *testing.T) {
		app := newTestAppWith(t, func(o *testOptions) { o.https = true })
		app.ensureUser(t, "vera", auth.RoleViewer)
		res := signInRaw(t, app, "vera")
		c := findCookie(res, "rolegate")
		if c == nil {
			t.Fatalf("no session cookie in %v", res.Header["Set-Cookie"])
		}
		raw := strings.Join(res.Header["Set-Cookie"], "\n")
		if c.Name != "__Host-rolegate" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" ||
			(c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode) {
			t.Fatalf("session cookie %+v\n%s", c, raw)
		}
		if csrf := findCookie(app.get(t, "/login"), "rolegate_csrf"); csrf == nil || csrf.Name != "__Host-rolegate_csrf" || !csrf.Secure || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode {
			t.Fatalf("CSRF cookie %+v", csrf)
		}
	})
	t.Run("plain HTTP on loopback", func(t *testing.T) {
		app := newTestApp(t)
		app.ensureUser(t, "vera", auth.RoleViewer)
		c := findCookie(signInRaw(t, app, "vera"), "rolegate")
		if c == nil || c.Name != "rolegate" || c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie %+v", c)
		}
	})
}

func TestSignInIssuesNewSessionIDAndRetiresOldOne(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	before := b.sessionCookie(t)
	// Signing in again in the same browser replaces the session.
	res := b.postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}})
	res.Body.Close()
	after := b.sessionCookie(t)
	if before.Value == after.Value {
		t.Fatal("the session cookie did not change at sign-in")
	}
	wantSignInRedirect(t, app.getWithCookie(t, "/account", before), "the pre-login session cookie")
	wantStatus(t, app.getWithCookie(t, "/account", after), http.StatusOK, "the new session cookie")
}

func TestSessionIDIs256RandomBitsStoredOnlyAsHash(t *testing.T) {
	app := newTestApp(t)
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		b := app.signIn(t, "vera", auth.RoleViewer)
		var id string
		c := b.sessionCookie(t)
		if err := securecookie.DecodeMulti(c.Name, c.Value, &id, securecookie.CodecsFromPairs(app.keyPairs...)...); err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || len(raw) != 32 {
			t.Fatalf("session ID %q: %d bytes (%v), want 32 random bytes", id, len(raw), err)
		}
		if seen[id] {
			t.Fatal("a session ID repeated")
		}
		seen[id] = true
		// Only the SHA-256 of the ID is stored.
		var n int
		_ = app.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM sessions WHERE id_hash = ?`, auth.HashID(id)).Scan(&n)
		var raws int
		_ = app.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM sessions WHERE id_hash = ? OR CAST(data AS TEXT) LIKE ?`, id, "%"+id+"%").Scan(&raws)
		if n != 1 || raws != 0 {
			t.Fatalf("sessions table: %d rows by hash, %d with the raw ID", n, raws)
		}
	}
}

func TestSessionEndsAfterIdleTimeoutAndAbsoluteLifetime(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })

	b := app.signIn(t, "vera", auth.RoleViewer)
	clock.advance(29 * time.Minute)
	wantStatus(t, b.get(t, "/account"), http.StatusOK, "after 29 idle minutes")
	clock.advance(30*time.Minute + time.Second)
	res := b.get(t, "/account")
	wantSignInRedirect(t, res, "after 30 idle minutes")
	if !strings.Contains(res.Header.Get("Location"), "expired=1") {
		t.Errorf("Location %q does not say the session ended", res.Header.Get("Location"))
	}

	b = app.signIn(t, "vera", auth.RoleViewer)
	for i := 0; i < 11*4+3; i++ { // active every 15 minutes for 11 h 45 min
		clock.advance(15 * time.Minute)
		wantStatus(t, b.get(t, "/account"), http.StatusOK, "an active session within 12 h")
	}
	clock.advance(15 * time.Minute)
	wantSignInRedirect(t, b.get(t, "/account"), "an active session after 12 h")
	if n := app.sessionRows(t); n != 0 {
		t.Fatalf("%d session rows left after expiry", n)
	}
}

func TestSignOutDeletesServerSessionSoCopiedCookieFails(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	copied := b.sessionCookie(t)
	res := b.postForm(t, "/logout", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("logout: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.sessionRows(t); n != 0 {
		t.Fatalf("%d session rows after sign-out", n)
	}
	wantSignInRedirect(t, app.getWithCookie(t, "/account", copied), "the cookie copied before sign-out")
	wantSignInRedirect(t, b.get(t, "/account"), "the signed-out browser")
	if app.auditCount(t, "auth.sign_out") != 1 {
		t.Fatal("no sign-out audit event")
	}
}

func TestDisablingUserOrEndingSessionsSignsThemOut(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	veraID := app.ensureUser(t, "vera", auth.RoleViewer).ID
	ritaID := app.ensureUser(t, "rita", auth.RoleRequester).ID

	res := admin.postForm(t, "/admin/users/"+itoa(veraID)+"/disable", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.StatusCode)
	}
	wantSignInRedirect(t, vera.get(t, "/account"), "a disabled user's session")
	// A disabled user cannot sign in again: same message as a wrong password.
	res = app.newBrowser().postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}})
	if body := wantStatus(t, res, http.StatusUnauthorized, "disabled user signing in"); !strings.Contains(body, "Wrong username or password.") {
		t.Fatal("disabled sign-in lacks the generic message")
	}

	res = admin.postForm(t, "/admin/users/"+itoa(ritaID)+"/sessions/end", nil)
	res.Body.Close()
	wantSignInRedirect(t, rita.get(t, "/account"), "a session an admin ended")
	wantStatus(t, admin.get(t, "/account"), http.StatusOK, "the admin's own session")
	if app.auditCount(t, "user.disabled") != 1 || app.auditCount(t, "auth.sessions_ended") != 1 {
		t.Fatal("missing user.disabled or auth.sessions_ended events")
	}
}

func TestSessionCookieTamperedOrExpiredLeadsToSignIn(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	c := b.sessionCookie(t)
	for name, v := range map[string]string{
		"tampered": c.Value[:len(c.Value)-4] + "AAAA",
		"garbage":  "not-a-cookie",
		"empty":    "",
	} {
		res := app.getWithCookie(t, "/account", &http.Cookie{Name: c.Name, Value: v})
		wantSignInRedirect(t, res, name+" cookie")
		res = app.getWithCookie(t, "/login", &http.Cookie{Name: c.Name, Value: v})
		wantStatus(t, res, http.StatusOK, name+" cookie on the sign-in page")
	}
	// A cookie made with keys the server does not have.
	enc, err := securecookie.EncodeMulti(c.Name, "some-session-id", securecookie.CodecsFromPairs(testKeyPairs(t)...)...)
	if err != nil {
		t.Fatal(err)
	}
	wantSignInRedirect(t, app.getWithCookie(t, "/account", &http.Cookie{Name: c.Name, Value: enc}), "a cookie under other keys")
}

func TestSessionKeyRotationKeepsOldCookiesWorking(t *testing.T) {
	oldKeys := testKeyPairs(t)
	newKeys := testKeyPairs(t)
	// The server after rotation: the new pair first (encodes), the old kept.
	app := newTestAppWith(t, func(o *testOptions) { o.keyPairs = append(append([][]byte{}, newKeys...), oldKeys...) })
	b := app.signIn(t, "vera", auth.RoleViewer)
	c := b.sessionCookie(t)
	var id string
	if err := securecookie.DecodeMulti(c.Name, c.Value, &id, securecookie.CodecsFromPairs(newKeys...)...); err != nil {
		t.Fatalf("a new cookie does not decode with the new key alone: %v", err)
	}
	if err := securecookie.DecodeMulti(c.Name, c.Value, &id, securecookie.CodecsFromPairs(oldKeys...)...); err == nil {
		t.Fatal("a new cookie decodes with the old key: the old key still encodes")
	}
	// The same session as the server before rotation encoded it.
	oldValue, err := securecookie.EncodeMulti(c.Name, id, securecookie.CodecsFromPairs(oldKeys...)...)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, app.getWithCookie(t, "/account", &http.Cookie{Name: c.Name, Value: oldValue}), http.StatusOK, "an old-key cookie during rotation")
	// A key pair the server never had is refused.
	otherValue, _ := securecookie.EncodeMulti(c.Name, id, securecookie.CodecsFromPairs(testKeyPairs(t)...)...)
	wantSignInRedirect(t, app.getWithCookie(t, "/account", &http.Cookie{Name: c.Name, Value: otherValue}), "a cookie under unknown keys")
}
