package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"rolegate/internal/auth"
)

// ssoParams are the parameters of the audit events of the action, oldest
// first.
func (a *testApp) ssoParams(t *testing.T, action string) []string {
	t.Helper()
	rows, err := a.db.Reader().QueryContext(context.Background(), `SELECT params FROM audit_events WHERE action = ? ORDER BY seq`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// signedInAs is the username the browser's session belongs to, "" when
// signed out.
func (b *browser) signedInAs(t *testing.T) string {
	t.Helper()
	res := b.get(t, "/account")
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return ""
	}
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

// Covered by the zitadel provider: first sign-in creates the user with the
// role of their groups, audited with provider and subject; admins are not
// asked for Rolegate's TOTP; the role is re-derived at the next sign-in.
func TestSSOSignInCreatesTheUserWithTheRoleOfTheirGroups(t *testing.T) {
	app := newSSOApp(t, func(o *testOptions, _ string) { o.adminMFA = true })
	login := app.newBrowser().get(t, "/login")
	body, _ := io.ReadAll(login.Body)
	login.Body.Close()
	if !strings.Contains(string(body), `data-testid="sso-corp"`) || !strings.Contains(string(body), "Sign in with Corp ID") {
		t.Fatal("the sign-in page has no button for the provider")
	}
	// The button's form is redirected to the provider: the CSP must let it.
	issuer, _ := url.Parse(app.corp.Issuer)
	if csp := login.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://"+issuer.Host+";") {
		t.Errorf("CSP %q does not let the sign-in form go to the provider", csp)
	}

	dana := app.ssoSignIn(t, "dana")
	u, err := app.users.ByUsername(context.Background(), "dana")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != auth.RoleRequester || u.DisplayName != "Dana Corp" {
		t.Errorf("dana: role %s, name %q; want requester (dbas beats staff), Dana Corp", u.Role, u.DisplayName)
	}
	if link, err := app.users.SSOLinkOf(context.Background(), u.ID); err != nil || link.Provider != "corp" || link.Subject != "s-dana" {
		t.Errorf("link %+v, %v", link, err)
	}
	if !strings.Contains(dana.signedInAs(t), "dana") {
		t.Error("dana is not signed in after the provider's sign-in")
	}
	created := app.ssoParams(t, "user.created")
	if len(created) != 1 || !strings.Contains(created[0], `"provider":"corp"`) || !strings.Contains(created[0], `"subject":"s-dana"`) {
		t.Errorf("user.created events %v, want one with provider and subject", created)
	}
	signIns := app.ssoParams(t, "auth.sign_in")
	if len(signIns) != 1 || !strings.Contains(signIns[0], `"subject":"s-dana"`) {
		t.Errorf("sign-in events %v", signIns)
	}

	// An admin by their groups lands on the dashboard without TOTP.
	app.ssoSignIn(t, "ada")
	if a, _ := app.users.ByUsername(context.Background(), "ada"); a == nil || a.Role != auth.RoleAdmin {
		t.Errorf("ada: %+v, want admin", a)
	}

	// Groups changed at the provider: the role follows at the next sign-in.
	app.corp.SetGroups(t, "dana", "dba-leads")
	app.ssoSignIn(t, "dana")
	if u, _ := app.users.ByUsername(context.Background(), "dana"); u.Role != auth.RoleApprover {
		t.Errorf("dana after the group change: %s, want approver", u.Role)
	}
	changed := app.ssoParams(t, "user.role_changed")
	if len(changed) != 1 || !strings.Contains(changed[0], `"previous_role":"requester"`) || !strings.Contains(changed[0], `"subject":"s-dana"`) {
		t.Errorf("role_changed events %v", changed)
	}
	if n := app.auditCount(t, "user.created"); n != 2 {
		t.Errorf("%d users created, want 2 (a second sign-in links to the same user)", n)
	}
}

// Covered by the zitadel provider: a key rotated by the provider is picked
// up without a restart.
func TestSSOPicksUpRotatedKeys(t *testing.T) {
	app := newSSOApp(t, nil)
	app.ssoSignIn(t, "dana")
	app.corp.Rotate(t)
	app.ssoSignIn(t, "dana")
	if n := app.auditCount(t, "auth.sign_in"); n != 2 {
		t.Errorf("%d sign-ins, want 2", n)
	}
}

// wantRefused checks a refused single sign-on: the status, the page, an
// auth.sso_refused event with the reason, and no session.
func wantRefused(t *testing.T, app *testApp, b *browser, res *http.Response, status int, reason string) string {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != status || !strings.Contains(string(body), `data-testid="sso-refused"`) {
		t.Errorf("%s: status %d, want %d with the refusal page", reason, res.StatusCode, status)
	}
	events := app.ssoParams(t, "auth.sso_refused")
	if len(events) == 0 || !strings.Contains(events[len(events)-1], `"reason":"`+reason+`"`) {
		t.Errorf("%s: refusal events %v", reason, events)
	}
	if who := b.signedInAs(t); who != "" {
		t.Errorf("%s: the browser has a session", reason)
	}
	return string(body)
}

// Covered by the zitadel provider: wrong state, replayed code, unmapped
// groups, a user the provider no longer knows.
func TestSSORefusals(t *testing.T) {
	app := newSSOApp(t, nil)

	t.Run("wrong state", func(t *testing.T) {
		b := app.newBrowser()
		back := app.corp.Login(t, b.ssoBegin(t, "corp"), "dana", "pw-dana")
		u, _ := url.Parse(back)
		q := u.Query()
		q.Set("state", "forged"+q.Get("state"))
		u.RawQuery = q.Encode()
		wantRefused(t, app.testApp, b, b.callback(t, u.String()), http.StatusForbidden, auth.SSOStateInvalid)
		// The state was used up: the genuine answer is refused as well.
		wantRefused(t, app.testApp, b, b.callback(t, back), http.StatusForbidden, auth.SSOStateInvalid)
	})

	t.Run("replayed code", func(t *testing.T) {
		first := app.newBrowser()
		back := app.corp.Login(t, first.ssoBegin(t, "corp"), "dana", "pw-dana")
		res := first.callback(t, back)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use of the code: %d", res.StatusCode)
		}
		// Another browser starts its own sign-in and sends the used code
		// with its own, valid state.
		thief := app.newBrowser()
		auth2, _ := url.Parse(thief.ssoBegin(t, "corp"))
		u, _ := url.Parse(back)
		q := u.Query()
		q.Set("state", auth2.Query().Get("state"))
		u.RawQuery = q.Encode()
		wantRefused(t, app.testApp, thief, thief.callback(t, u.String()), http.StatusForbidden, auth.SSOCodeRefused)
	})

	t.Run("unmapped groups", func(t *testing.T) {
		b := app.newBrowser()
		res := b.callback(t, app.corp.Login(t, b.ssoBegin(t, "corp"), "max", "pw-max"))
		body := wantRefused(t, app.testApp, b, res, http.StatusForbidden, auth.SSONoGroup)
		for _, g := range []string{"marketing", "staff", "dbas", "dba-leads", "rolegate-admins"} {
			if !strings.Contains(body, g) {
				t.Errorf("the page does not name group %s", g)
			}
		}
		if _, err := app.users.ByUsername(context.Background(), "max"); err == nil {
			t.Error("a user was created for max")
		}
	})

	t.Run("gone at the provider", func(t *testing.T) {
		vic := app.ssoSignIn(t, "vic")
		b := app.newBrowser()
		back := app.corp.Login(t, b.ssoBegin(t, "corp"), "vic", "pw-vic")
		app.corp.Delete(t, "vic")
		wantRefused(t, app.testApp, b, b.callback(t, back), http.StatusForbidden, auth.SSOGone)
		u, err := app.users.ByUsername(context.Background(), "vic")
		if err != nil || !u.Disabled {
			t.Fatalf("vic: %+v, %v; want disabled", u, err)
		}
		if who := vic.signedInAs(t); who != "" {
			t.Error("vic's earlier session still works")
		}
		disabled := app.ssoParams(t, "user.disabled")
		if len(disabled) != 1 || !strings.Contains(disabled[0], `"subject":"s-vic"`) {
			t.Errorf("user.disabled events %v", disabled)
		}
	})
}

// Covered by the zitadel provider: the authorisation matrix holds for
// users whose role comes from their provider's groups.
func TestEveryRouteEnforcesItsRoleOnTheServerForSSOUsers(t *testing.T) {
	var routes []*echo.Route
	app := newSSOApp(t, func(o *testOptions, _ string) { o.extra = func(e *echo.Echo) { routes = e.Routes() } })
	users := map[auth.Role]string{auth.RoleViewer: "vic", auth.RoleRequester: "dana", auth.RoleApprover: "lee", auth.RoleAdmin: "ada"}
	checkRouteMatrix(t, app.testApp, routes, func(t *testing.T, role auth.Role) *browser {
		b := app.ssoSignIn(t, users[role])
		if u, err := app.users.ByUsername(context.Background(), users[role]); err != nil || u.Role != role {
			t.Fatalf("%s: %+v, %v; want role %s from the groups", users[role], u, err, role)
		}
		return b
	})
}

// Covered by the zitadel provider (whose password login reports amr
// "pwd"): a provider that must report multi-factor authentication is
// refused a password-only sign-in; one that accepts "pwd" signs in.
func TestSSORequiredAMR(t *testing.T) {
	for _, tc := range []struct {
		amr    string
		signIn bool
	}{{"mfa", false}, {"pwd", true}} {
		t.Run(tc.amr, func(t *testing.T) {
			app := newSSOApp(t, func(o *testOptions, _ string) { o.sso[0].RequireAMR = []string{tc.amr} })
			if tc.signIn {
				app.ssoSignIn(t, "dana")
				return
			}
			b := app.newBrowser()
			wantRefused(t, app.testApp, b, b.callback(t, app.corp.Login(t, b.ssoBegin(t, "corp"), "dana", "pw-dana")), http.StatusForbidden, auth.SSOWeakAuth)
		})
	}
}

func TestAnSSOUsersAccountPageOffersNoPasswordToChange(t *testing.T) {
	app := newSSOApp(t, nil)
	dana := app.ssoSignIn(t, "dana")
	body := wantStatus(t, dana.get(t, "/account"), http.StatusOK, "account page")
	if strings.Contains(body, `action="/account/password"`) || !strings.Contains(body, `data-testid="no-password"`) {
		t.Fatal("an SSO user's account page offers a password form")
	}
	body = wantStatus(t, dana.postForm(t, "/account/password", url.Values{"current": {""}, "password": {"a long new passphrase"}}), http.StatusUnprocessableEntity, "a password for an SSO user")
	if !strings.Contains(body, `data-testid="no-password"`) || app.auditCount(t, "user.password_changed") != 0 {
		t.Fatal("an SSO user could set a local password")
	}
	// A refused notification address keeps the rest of the page.
	body = wantStatus(t, dana.postForm(t, "/account/notifications", url.Values{"email": {"not an address"}, "email_on": {"1"}}), http.StatusUnprocessableEntity, "a bad address")
	if !strings.Contains(body, `value="not an address"`) || !strings.Contains(body, `name="time_zone"`) {
		t.Fatal("the refused notification form loses what was typed or the rest of the account page")
	}
}
