package auth_test

import (
	"context"
	"log/slog"
	"net/url"
	"testing"

	"rolegate/internal/auth"
	"rolegate/internal/auth/oidctest"
)

// BenchmarkSSORoundTrip is one sign-in through the test provider (in its
// own process, over loopback): Begin, the provider's login page and
// redirects, then Finish (code exchange with PKCE, ID token verification,
// userinfo). Rolegate's own HTTP, session and database work is not in it.
func BenchmarkSSORoundTrip(b *testing.B) {
	const redirect = "http://127.0.0.1:9/login/sso/corp/callback"
	corp := oidctest.Start(b, oidctest.Options{ClientID: "rolegate", ClientSecret: "s", RedirectURIs: []string{redirect},
		Users: []oidctest.User{{ID: "s-dana", Username: "dana", Password: "pw-dana", Groups: []string{"dbas"}}}})
	ctx := context.Background()
	sso := auth.NewSSO(ctx, []auth.ProviderConfig{{ID: "corp", Issuer: corp.Issuer, ClientID: "rolegate", ClientSecret: "s",
		RedirectURL: redirect, GroupsClaim: "groups"}}, nil, slog.New(slog.DiscardHandler), nil)
	b.ResetTimer()
	for b.Loop() {
		st, err := sso.Begin(ctx, "corp", 0)
		if err != nil {
			b.Fatal(err)
		}
		back, err := url.Parse(corp.Login(b, st.URL, "dana", "pw-dana"))
		if err != nil || back.Query().Get("state") != st.State {
			b.Fatalf("came back to %v (%v)", back, err)
		}
		id, err := sso.Finish(ctx, "corp", back.Query().Get("code"), st.Verifier, st.Nonce)
		if err != nil || id.Subject != "s-dana" {
			b.Fatalf("finish: %+v, %v", id, err)
		}
	}
}
