package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"rolegate/internal/auth"
	"rolegate/internal/config"
)

// An admin marks another admin break-glass on the admin page (audited);
// only then does that admin's password sign in with local passwords off.
func TestBreakGlassFlagFromTheAdminPage(t *testing.T) {
	app := newSSOApp(t, func(o *testOptions, _ string) { o.localSignIn = config.LocalSignInBreakGlass })
	root := app.ensureUser(t, "root", auth.RoleAdmin)
	vera := app.ensureUser(t, "vera", auth.RoleViewer)
	ada := app.ssoSignIn(t, "ada")

	tryRoot := func() int {
		res := app.newBrowser().postForm(t, "/login", url.Values{"username": {"root"}, "password": {testPassword("root")}})
		res.Body.Close()
		return res.StatusCode
	}
	if s := tryRoot(); s != http.StatusForbidden {
		t.Fatalf("root before the mark: %d, want 403", s)
	}
	wantStatus(t, ada.postForm(t, "/admin/users/"+itoa(vera.ID)+"/break-glass", url.Values{"break_glass": {"on"}}), http.StatusConflict, "break-glass for a viewer")
	res := ada.postForm(t, "/admin/users/"+itoa(root.ID)+"/break-glass", url.Values{"break_glass": {"on"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("marking root: %d", res.StatusCode)
	}
	if u, _ := app.users.ByID(context.Background(), root.ID); !u.BreakGlass {
		t.Fatal("root is not marked")
	}
	if s := tryRoot(); s != http.StatusSeeOther {
		t.Errorf("root after the mark: %d, want 303", s)
	}
	if n := app.auditCount(t, "user.break_glass_changed"); n != 1 {
		t.Errorf("%d break-glass events, want 1", n)
	}
}

// An SSO user gets no password: it would let them sign in around their
// provider.
func TestSSOUsersGetNoPassword(t *testing.T) {
	app := newSSOApp(t, nil)
	app.ssoSignIn(t, "dana")
	dana, err := app.users.ByUsername(context.Background(), "dana")
	if err != nil {
		t.Fatal(err)
	}
	admin := app.signIn(t, "root", auth.RoleAdmin)
	wantStatus(t, admin.postForm(t, "/admin/users/"+itoa(dana.ID)+"/password", url.Values{"password": {"a-long-enough-passphrase-here"}}), http.StatusConflict, "a password for an SSO user")
	res := app.newBrowser().postForm(t, "/login", url.Values{"username": {"dana"}, "password": {"a-long-enough-passphrase-here"}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("password sign-in of an SSO user: %d, want 401", res.StatusCode)
	}
}
