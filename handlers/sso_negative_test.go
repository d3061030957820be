package handlers_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"rolegate/internal/auth"
	"rolegate/internal/auth/oidctest"
	"rolegate/internal/config"
)

// rogueIssuer is an issuer written for these tests only, for the answers a
// real provider cannot be made to give: an ID token signed with a key
// other than the published one, for another audience, or expired. It
// skips any login: /auth sends the browser straight back with a code.
type rogueIssuer struct {
	srv       *httptest.Server
	published *rsa.PrivateKey
	signer    *rsa.PrivateKey // signs the tokens; not published when it differs
	audience  string
	expiry    time.Duration

	mu     sync.Mutex
	nonces map[string]string // code → nonce
}

func newRogueIssuer(t *testing.T, mode string) *rogueIssuer {
	t.Helper()
	pub, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	r := &rogueIssuer{published: pub, signer: pub, audience: "rolegate", expiry: time.Hour, nonces: map[string]string{}}
	switch mode {
	case "bad signature":
		if r.signer, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	case "wrong audience":
		r.audience = "another-app"
	case "expired":
		r.expiry = -time.Hour
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		base := r.srv.URL
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": base, "authorization_endpoint": base + "/auth", "token_endpoint": base + "/token",
			"jwks_uri": base + "/keys", "userinfo_endpoint": base + "/userinfo",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &r.published.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /auth", func(w http.ResponseWriter, req *http.Request) {
		q := req.URL.Query()
		code := rand.Text()
		r.mu.Lock()
		r.nonces[code] = q.Get("nonce")
		r.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := url.Values{"code": {code}, "state": {q.Get("state")}}
		back.RawQuery = v.Encode()
		http.Redirect(w, req, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, req *http.Request) {
		_ = req.ParseForm()
		r.mu.Lock()
		nonce, ok := r.nonces[req.PostForm.Get("code")]
		delete(r.nonces, req.PostForm.Get("code"))
		r.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		now := time.Now()
		claims, _ := json.Marshal(map[string]any{
			"iss": r.srv.URL, "sub": "rogue-1", "aud": r.audience, "iat": now.Unix(), "exp": now.Add(r.expiry).Unix(),
			"auth_time": now.Unix(), "nonce": nonce, "groups": []string{"rolegate-admins"}, "preferred_username": "mallory",
		})
		sig, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: r.signer}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		jws, _ := sig.Sign(claims)
		idt, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 3600, "id_token": idt})
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"sub":"rogue-1"}`))
	})
	r.srv = httptest.NewServer(mux)
	t.Cleanup(r.srv.Close)
	return r
}

func rogueProvider(issuer, base string) config.OIDCProvider {
	return config.OIDCProvider{ID: "rogue", Name: "Rogue", Issuer: issuer, ClientID: "rolegate", ClientSecret: "x",
		RedirectURL: base + "/login/sso/rogue/callback", GroupsClaim: "groups", Roles: corpRoles}
}

// Covered by the in-test rogue issuer: ID tokens that fail verification
// are refused with a page, an audit event and no session, and no user is
// created.
func TestSSORefusesTokensThatFailVerification(t *testing.T) {
	for _, mode := range []string{"bad signature", "wrong audience", "expired"} {
		t.Run(mode, func(t *testing.T) {
			rogue := newRogueIssuer(t, mode)
			ln, base := listenLocal(t)
			app := newTestAppWith(t, func(o *testOptions) {
				o.listener = ln
				o.sso = []config.OIDCProvider{rogueProvider(rogue.srv.URL, base)}
			})
			b := app.newBrowser()
			res, err := b.client.Get(b.ssoBegin(t, "rogue"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			wantRefused(t, app, b, b.callback(t, res.Header.Get("Location")), http.StatusForbidden, auth.SSOTokenInvalid)
			if _, err := app.users.ByUsername(context.Background(), "mallory"); err == nil {
				t.Error("a user was created from a token that failed verification")
			}
		})
	}
}

// TestSSORogueIssuerIsAcceptedWhenHonest shows that the refusals above are
// the tokens' fault: the same issuer with a correct token signs in.
func TestSSORogueIssuerIsAcceptedWhenHonest(t *testing.T) {
	rogue := newRogueIssuer(t, "honest")
	ln, base := listenLocal(t)
	app := newTestAppWith(t, func(o *testOptions) {
		o.listener = ln
		o.sso = []config.OIDCProvider{rogueProvider(rogue.srv.URL, base)}
	})
	b := app.newBrowser()
	res, err := b.client.Get(b.ssoBegin(t, "rogue"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res = b.callback(t, res.Header.Get("Location"))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("honest token: status %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// A provider that is down: the dashboard starts, the button answers with a
// clear page (503) and an audit event, and a break-glass admin still signs
// in with their password while other password users are refused.
func TestSSOProviderDownLeavesBreakGlassSignIn(t *testing.T) {
	down, base := listenLocal(t)
	downURL := "http://" + down.Addr().String()
	down.Close() // nothing answers there
	ln, base := listenLocal(t)
	app := newTestAppWith(t, func(o *testOptions) {
		o.listener = ln
		o.localSignIn = config.LocalSignInBreakGlass
		o.sso = []config.OIDCProvider{corpProvider(downURL+"/", base)}
	})
	b := app.newBrowser()
	res := b.postForm(t, "/login/sso/corp", url.Values{})
	wantRefused(t, app, b, res, http.StatusServiceUnavailable, auth.SSOUnavailable)

	root := app.ensureUser(t, "root", auth.RoleAdmin)
	if err := app.directory.SetBreakGlass(context.Background(), auditSystem(), originNone(), root.ID, true); err != nil {
		t.Fatal(err)
	}
	app.signIn(t, "root", auth.RoleAdmin)

	app.ensureUser(t, "rita", auth.RoleRequester)
	rita := app.newBrowser()
	res = rita.postForm(t, "/login", url.Values{"username": {"rita"}, "password": {testPassword("rita")}})
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("password sign-in of a user without break-glass: status %d, want 403", res.StatusCode)
	}
	if who := rita.signedInAs(t); who != "" {
		t.Error("rita signed in with a password although local sign-in is off")
	}
	failed := app.ssoParams(t, "auth.sign_in_failed")
	if len(failed) == 0 || !contains(failed[len(failed)-1], "local sign-in off") {
		t.Errorf("sign-in failures %v", failed)
	}
	// Taking the mark away is audited, and ends password sign-in for root.
	if err := app.directory.SetBreakGlass(context.Background(), auditSystem(), originNone(), root.ID, false); err != nil {
		t.Fatal(err)
	}
	if n := app.auditCount(t, "user.break_glass_changed"); n != 2 {
		t.Errorf("%d break-glass events, want 2", n)
	}
	res = app.newBrowser().postForm(t, "/login", url.Values{"username": {"root"}, "password": {testPassword("root")}})
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("root without the mark: status %d, want 403", res.StatusCode)
	}
}

// A provider that was down when the dashboard started is discovered at the
// first sign-in after it came up, without a restart.
func TestSSODiscoveryIsRetriedWhenTheProviderComesUp(t *testing.T) {
	spot, _ := listenLocal(t)
	addr := spot.Addr().String()
	spot.Close()
	ln, base := listenLocal(t)
	app := newTestAppWith(t, func(o *testOptions) {
		o.listener = ln
		o.sso = []config.OIDCProvider{corpProvider("http://"+addr+"/", base)}
	})
	b := app.newBrowser()
	wantRefused(t, app, b, b.postForm(t, "/login/sso/corp", url.Values{}), http.StatusServiceUnavailable, auth.SSOUnavailable)

	corp := oidctest.Start(t, oidctest.Options{Users: corpUsers(), ClientID: "rolegate", ClientSecret: "corp-secret",
		RedirectURIs: []string{base + "/login/sso/corp/callback"}, Listen: addr})
	s := &ssoApp{testApp: app, corp: corp}
	s.ssoSignIn(t, "dana")
}
