package handlers_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/auth/oidctest"
	"rolegate/internal/config"
)

type ssoTestOptions struct {
	// sso are the OpenID providers, as -oidc-config gives them.
	sso         []config.OIDCProvider
	localSignIn string
	// listener is the dashboard's, made before the app so that the
	// providers know its redirect URL.
	listener net.Listener
}

func (a *testApp) setupSSOTest(t *testing.T, o *testOptions, cfg *config.Config) {
	t.Helper()
	cfg.OIDC = o.sso
	if o.localSignIn != "" {
		cfg.LocalSignIn = o.localSignIn
	}
}

// The groups of the test provider and the roles they grant.
var corpRoles = map[string][]string{
	"viewer":    {"staff"},
	"requester": {"dbas"},
	"approver":  {"dba-leads"},
	"admin":     {"rolegate-admins"},
}

// corpUsers are the test provider's users; the password is "pw-" and the
// username.
func corpUsers() []oidctest.User {
	mk := func(id, name string, groups ...string) oidctest.User {
		return oidctest.User{ID: id, Username: name, Password: "pw-" + name, Name: strings.ToUpper(name[:1]) + name[1:] + " Corp",
			Email: name + "@corp.example", Groups: groups}
	}
	return []oidctest.User{
		mk("s-vic", "vic", "staff"),
		mk("s-dana", "dana", "dbas", "staff"),
		mk("s-lee", "lee", "dba-leads"),
		mk("s-lea", "lea", "dba-leads"),
		mk("s-ada", "ada", "rolegate-admins", "dbas"),
		mk("s-max", "max", "marketing"),
	}
}

// ssoApp is a dashboard whose provider "corp" is the test provider
// (github.com/zitadel/oidc/v3 in its own process).
type ssoApp struct {
	*testApp
	corp *oidctest.Provider
}

func listenLocal(t *testing.T) (net.Listener, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln, "http://" + ln.Addr().String()
}

func corpProvider(issuer, base string) config.OIDCProvider {
	return config.OIDCProvider{ID: "corp", Name: "Corp ID", Issuer: issuer, ClientID: "rolegate", ClientSecret: "corp-secret",
		RedirectURL: base + "/login/sso/corp/callback", Scopes: []string{"profile", "email"}, GroupsClaim: "groups", Roles: corpRoles}
}

func newSSOApp(t *testing.T, mod func(o *testOptions, base string)) *ssoApp {
	t.Helper()
	ln, base := listenLocal(t)
	corp := oidctest.Start(t, oidctest.Options{Users: corpUsers(), ClientID: "rolegate", ClientSecret: "corp-secret",
		RedirectURIs: []string{base + "/login/sso/corp/callback"}})
	app := newTestAppWith(t, func(o *testOptions) {
		o.listener = ln
		o.sso = []config.OIDCProvider{corpProvider(corp.Issuer, base)}
		if mod != nil {
			mod(o, base)
		}
	})
	return &ssoApp{testApp: app, corp: corp}
}

// ssoBegin presses the provider's button on the sign-in page and returns
// where the dashboard sends the browser.
func (b *browser) ssoBegin(t *testing.T, provider string) string {
	t.Helper()
	res := b.postForm(t, "/login/sso/"+provider, url.Values{"next": {"/"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in with %s: status %d", provider, res.StatusCode)
	}
	return res.Header.Get("Location")
}

// callback follows the provider's redirect back to the dashboard.
func (b *browser) callback(t *testing.T, to string) *http.Response {
	t.Helper()
	if !strings.HasPrefix(to, b.app.url) {
		t.Fatalf("provider sent the browser to %s, not to the dashboard", to)
	}
	return b.get(t, strings.TrimPrefix(to, b.app.url))
}

// ssoSignIn signs the provider's user in through its login page.
func (a *ssoApp) ssoSignIn(t *testing.T, username string) *browser {
	t.Helper()
	b := a.newBrowser()
	b.username = username
	res := b.callback(t, a.corp.Login(t, b.ssoBegin(t, "corp"), username, "pw-"+username))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("SSO sign-in of %s: status %d, Location %q", username, res.StatusCode, res.Header.Get("Location"))
	}
	return b
}

func auditSystem() audit.Actor    { return audit.System }
func originNone() audit.Origin    { return audit.Origin{} }
func contains(s, sub string) bool { return strings.Contains(s, sub) }
