package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
)

func TestAdminManagesUsers(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	// ada herself was created (and recorded) by the test's set-up.
	created := app.auditCount(t, "user.created")

	// Bad input: 422, the field message and the input kept.
	res := admin.postForm(t, "/admin/users", url.Values{"username": {"-bad name"}, "display_name": {"Kept Name"}, "role": {"approver"}, "password": {"a fine long password"}})
	body := wantStatus(t, res, http.StatusUnprocessableEntity, "a bad username")
	if !strings.Contains(body, `data-testid="username-error"`) || !strings.Contains(body, `value="Kept Name"`) {
		t.Fatal("no field message or the input was lost")
	}
	res = admin.postForm(t, "/admin/users", url.Values{"username": {"nina"}, "display_name": {"Nina New"}, "role": {"approver"}, "password": {"nina's first password"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	body = wantStatus(t, admin.get(t, "/admin/users"), http.StatusOK, "users page")
	if !strings.Contains(body, `data-username="nina"`) || !strings.Contains(body, "User nina created.") {
		t.Fatal("the new user or the flash is missing")
	}
	res = admin.postForm(t, "/admin/users", url.Values{"username": {"NINA"}, "role": {"viewer"}, "password": {"another password here"}})
	if body := wantStatus(t, res, http.StatusUnprocessableEntity, "a taken username"); !strings.Contains(body, "taken") {
		t.Fatal("no taken message")
	}
	nina, err := app.users.ByUsername(context.Background(), "nina")
	if err != nil {
		t.Fatal(err)
	}
	id := "/admin/users/" + itoa(nina.ID)
	for _, step := range []struct {
		path string
		form url.Values
	}{
		{id + "/role", url.Values{"role": {"requester"}}},
		{id + "/disable", nil},
		{id + "/enable", nil},
		{id + "/password", url.Values{"password": {"nina's second password"}}},
		{id + "/mfa/reset", nil},
	} {
		res := admin.postForm(t, step.path, step.form)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", step.path, res.StatusCode)
		}
	}
	wantStatus(t, admin.postForm(t, id+"/password", url.Values{"password": {"short"}}), http.StatusUnprocessableEntity, "a short reset password")
	wantStatus(t, admin.postForm(t, id+"/role", url.Values{"role": {"root"}}), http.StatusUnprocessableEntity, "an unknown role")

	// nina signs in with the reset password and has the new role.
	b := app.newBrowser()
	res = b.postForm(t, "/login", url.Values{"username": {"nina"}, "password": {"nina's second password"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("nina's sign-in: %d", res.StatusCode)
	}
	if body := readBody(t, b.get(t, "/account")); !strings.Contains(body, `data-testid="account-role">requester<`) {
		t.Fatal("nina's role is not requester")
	}
	for action, want := range map[string]int{"user.created": created + 1, "user.role_changed": 1, "user.disabled": 1, "user.enabled": 1, "user.password_reset": 1, "user.mfa_reset": 1} {
		if got := app.auditCount(t, action); got != want {
			t.Errorf("%s: %d events, want %d", action, got, want)
		}
	}
}

func TestAdminCannotRemoveTheLastAdmin(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	id := "/admin/users/" + itoa(app.ensureUser(t, "ada", auth.RoleAdmin).ID)
	body := wantStatus(t, admin.postForm(t, id+"/disable", nil), http.StatusConflict, "disabling the last admin")
	if !strings.Contains(body, "last enabled admin") {
		t.Fatal("no reason given")
	}
	wantStatus(t, admin.postForm(t, id+"/role", url.Values{"role": {"approver"}}), http.StatusConflict, "demoting the last admin")
	wantStatus(t, admin.get(t, "/admin/users"), http.StatusOK, "still admin")
	// With a second admin, the first may step down.
	app.ensureUser(t, "adam", auth.RoleAdmin)
	res := admin.postForm(t, id+"/role", url.Values{"role": {"approver"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("demoting with another admin: %d", res.StatusCode)
	}
	wantStatus(t, admin.get(t, "/admin/users"), http.StatusForbidden, "the former admin")
}

func TestUserChangesOwnPassword(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	other := app.signIn(t, "vera", auth.RoleViewer)
	wantStatus(t, b.postForm(t, "/account/password", url.Values{"current": {"wrong"}, "password": {"vera's new passphrase"}}), http.StatusUnprocessableEntity, "a wrong current password")
	wantStatus(t, b.postForm(t, "/account/password", url.Values{"current": {testPassword("vera")}, "password": {"short"}}), http.StatusUnprocessableEntity, "a short new password")
	res := b.postForm(t, "/account/password", url.Values{"current": {testPassword("vera")}, "password": {"vera's new passphrase"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("change: %d", res.StatusCode)
	}
	wantStatus(t, b.get(t, "/account"), http.StatusOK, "the session that changed the password")
	wantSignInRedirect(t, other.get(t, "/account"), "another session of the same user")
	if app.auditCount(t, "user.password_changed") != 1 {
		t.Fatal("no password_changed event")
	}
}

func TestExpiredSessionsAreSwept(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })
	app.signIn(t, "vera", auth.RoleViewer)
	app.signIn(t, "rita", auth.RoleRequester)
	if n, err := app.sessions.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("swept %d live sessions (%v)", n, err)
	}
	clock.advance(31 * time.Minute)
	if n, err := app.sessions.Sweep(context.Background()); err != nil || n != 2 {
		t.Fatalf("swept %d, want 2 (%v)", n, err)
	}
	if app.sessionRows(t) != 0 {
		t.Fatal("rows left")
	}
}

func TestSignInRedirectsBackToTheAskedPageOnly(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	res := app.get(t, "/account?tab=x")
	res.Body.Close()
	if loc := res.Header.Get("Location"); loc != "/login?next=%2Faccount%3Ftab%3Dx" {
		t.Fatalf("Location %q", loc)
	}
	for next, want := range map[string]string{"/account?tab=x": "/account?tab=x", "//evil.example/": "/", "https://evil.example/": "/", "/\\evil.example": "/", "/logout": "/"} {
		b := app.newBrowser()
		res := b.postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}, "next": {next}})
		res.Body.Close()
		if got := res.Header.Get("Location"); got != want {
			t.Errorf("next %q: Location %q, want %q", next, got, want)
		}
	}
	// htmx requests get HX-Redirect instead of a redirect.
	req, _ := http.NewRequest(http.MethodGet, app.url+"/account", nil)
	req.Header.Set("HX-Request", "true")
	res, err := newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.HasPrefix(res.Header.Get("HX-Redirect"), "/login?next=") {
		t.Fatalf("htmx: status %d HX-Redirect %q", res.StatusCode, res.Header.Get("HX-Redirect"))
	}
}
