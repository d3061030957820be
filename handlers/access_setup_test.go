package handlers_test

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/handlers"
	"rolegate/internal/app"
	"rolegate/internal/auth"
	"rolegate/internal/config"
)

type accessTest struct {
	users     *auth.Users
	directory *auth.Directory
	sessions  *auth.SessionStore
	keyPairs  [][]byte
}

type accessTestOptions struct {
	// keyPairs replace the generated session keys (rotation tests).
	keyPairs [][]byte
	// now is the sessions' clock (expiry tests).
	now      func() time.Time
	adminMFA bool
	limits   handlers.LoginLimits
	// bodyTimeout replaces the 10 s body deadline (slow-body tests).
	bodyTimeout time.Duration
	// trustedProxies make X-Forwarded-For name the client (tests that
	// need many client addresses), as -trusted-proxies does.
	trustedProxies []netip.Prefix
}

// testKeyPairs makes one random session key pair.
func testKeyPairs(t *testing.T) [][]byte {
	t.Helper()
	line, err := auth.NewKeyPairLine()
	if err != nil {
		t.Fatal(err)
	}
	p, err := auth.ParseKeyPairs(line)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setupAccessTest gives the app its session keys (as -session-keys does),
// the sessions' clock, the sign-in limits, and admins who sign in with a
// password alone unless the test asks for their second factor.
func (a *testApp) setupAccessTest(t *testing.T, o *testOptions, cfg *config.Config, ao *app.Options) {
	t.Helper()
	pairs := o.keyPairs
	if pairs == nil {
		pairs = testKeyPairs(t)
	}
	var line []string
	for i := 0; i+1 < len(pairs); i += 2 {
		line = append(line, hex.EncodeToString(pairs[i])+":"+hex.EncodeToString(pairs[i+1]))
	}
	cfg.SessionKeys = strings.Join(line, ",")
	a.keyPairs = pairs
	ao.Now = o.now
	ao.LoginLimits = o.limits
	ao.PasswordOnlyAdmins = !o.adminMFA
	ao.Pace.BodyRead = o.bodyTimeout
	cfg.TrustedProxies = o.trustedProxies
}

// testPassword is the password signIn gives each user.
func testPassword(username string) string { return "correct-staple-" + username + "-battery" }

// ensureUser creates the user with the role if new and returns it.
func (a *testApp) ensureUser(t *testing.T, username string, role auth.Role) *auth.User {
	t.Helper()
	ctx := context.Background()
	if u, err := a.users.ByUsername(ctx, username); err == nil {
		return u
	} else if !errors.Is(err, auth.ErrNotFound) {
		t.Fatal(err)
	}
	u, err := a.directory.Create(ctx, audit.System, audit.Origin{}, auth.NewUser{
		Username: username, DisplayName: strings.ToUpper(username[:1]) + username[1:] + " Test", Role: role, Password: testPassword(username),
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is one person's cookie-keeping client.
type browser struct {
	app      *testApp
	client   *http.Client
	username string
}

// newBrowser is an anonymous visitor.
func (a *testApp) newBrowser() *browser { return &browser{app: a, client: newClient()} }

// signIn creates the user with the role (if new) and signs them in through
// the sign-in form, returning their browser.
func (a *testApp) signIn(t *testing.T, username string, role auth.Role) *browser {
	t.Helper()
	a.ensureUser(t, username, role)
	b := a.newBrowser()
	b.username = username
	res := b.postForm(t, "/login", url.Values{"username": {username}, "password": {testPassword(username)}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("sign in %s: status %d, Location %q", username, res.StatusCode, res.Header.Get("Location"))
	}
	return b
}

func (b *browser) get(t *testing.T, path string) *http.Response {
	t.Helper()
	res, err := b.client.Get(b.app.url + path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// csrfToken is the browser's CSRF token, fetched with a GET when it has
// none yet.
func (b *browser) csrfToken(t *testing.T) string {
	t.Helper()
	u, _ := url.Parse(b.app.url)
	find := func() string {
		for _, c := range b.client.Jar.Cookies(u) {
			if strings.HasSuffix(c.Name, "rolegate_csrf") {
				return c.Value
			}
		}
		return ""
	}
	if tok := find(); tok != "" {
		return tok
	}
	res := b.get(t, "/login")
	res.Body.Close()
	tok := find()
	if tok == "" {
		t.Fatal("no CSRF cookie after GET /login")
	}
	return tok
}

// postForm posts the form with the browser's CSRF token added.
func (b *browser) postForm(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", b.csrfToken(t))
	return b.postRaw(t, path, f, nil)
}

// postRaw posts the form as is, with extra headers.
func (b *browser) postRaw(t *testing.T, path string, form url.Values, headers map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.app.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
