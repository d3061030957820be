package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
)

// Covered by the zitadel provider: an SSO approver whose sign-in is older
// than -reauth-after authenticates again at the provider (prompt=login,
// max_age) before approving, and an auth_time that is not recent enough
// is refused.
func TestSSOReauthenticationBeforeApproving(t *testing.T) {
	clock := &testClock{t: time.Now().Add(-16 * time.Minute)}
	app := newSSOApp(t, func(o *testOptions, _ string) { o.now = clock.now })
	app.seedCluster(t, "fresh", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	id := rita.submit(t, "fresh", changeForm([]string{roleA}, nil, "", "COPY from the new landing bucket"))

	lee := app.ssoSignIn(t, "lee")
	clock.advance(16 * time.Minute)
	next := "/changes/" + itoa(id)
	res := lee.approve(t, id)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/reauth?next="+url.QueryEscape(next) {
		t.Fatalf("stale sign-in: %d %q, want 303 to /reauth", res.StatusCode, res.Header.Get("Location"))
	}
	page := wantStatus(t, lee.get(t, "/reauth?next="+url.QueryEscape(next)), http.StatusOK, "the re-auth page")
	if !strings.Contains(page, `data-testid="reauth-sso"`) {
		t.Fatal("the re-auth page offers no provider sign-in to an SSO user")
	}

	reauth := func() *http.Response {
		t.Helper()
		res := lee.postForm(t, "/reauth/sso", url.Values{"next": {next}})
		res.Body.Close()
		to, err := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || err != nil {
			t.Fatalf("POST /reauth/sso: %d %q", res.StatusCode, res.Header.Get("Location"))
		}
		if q := to.Query(); q.Get("prompt") != "login" || q.Get("max_age") != "900" {
			t.Errorf("re-auth request %s lacks prompt=login and max_age=900", to)
		}
		return lee.callback(t, app.corp.Login(t, to.String(), "lee", "pw-lee"))
	}
	res = reauth()
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != next {
		t.Fatalf("re-auth at the provider: %d %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), next)
	}
	res = lee.approve(t, id)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != next {
		t.Fatalf("approving after re-auth: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	events := app.ssoParams(t, "auth.reauthenticated")
	if len(events) != 1 || !strings.Contains(events[0], `"provider":"corp"`) || !strings.Contains(events[0], `"subject":"s-lee"`) {
		t.Errorf("reauthenticated events %v", events)
	}

	// The dashboard's clock runs 16 minutes past the provider's auth_time:
	// that authentication is too old to count.
	clock.advance(16 * time.Minute)
	res = reauth()
	body := wantStatus(t, res, http.StatusForbidden, "an old auth_time")
	if !strings.Contains(body, `data-testid="sso-refused"`) {
		t.Error("no refusal page for an old auth_time")
	}
	refused := app.ssoParams(t, "auth.sso_refused")
	if len(refused) != 1 || !strings.Contains(refused[0], auth.SSOStale) {
		t.Errorf("refusals %v", refused)
	}
}
