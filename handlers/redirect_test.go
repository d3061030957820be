package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"rolegate/internal/auth"
)

// hostileTargets are redirect targets a link or a form could carry that
// must not take anyone off the site, back to the sign-in pages, or put
// anything but a path in the Location header.
var hostileTargets = []string{
	"//evil.example/",
	"https://evil.example/",
	"/\\evil.example",
	"\\\\evil.example",
	"javascript:alert(1)",
	"/logout",
	"/login?next=/login",
	"evil.example",
	"/%0d%0aSet-Cookie:x=1",
	"/clusters\r\nSet-Cookie: x=1",
	"/clusters\\evil",
	"",
}

// Every place that redirects to a target taken from the request (after
// signing in, after re-authenticating, after refreshing the cluster list)
// applies the same rules: hostile targets fall back to the place's own
// page, and a good target is kept as given.
func TestRedirectTargetsFromTheRequestStayOnTheSite(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	places := []struct {
		name     string
		post     func(target string) *http.Response
		fallback string
		good     string
	}{
		{"sign-in next", func(target string) *http.Response {
			return app.newBrowser().postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}, "next": {target}})
		}, "/", "/changes?state=pending"},
		{"re-authentication next", func(target string) *http.Response {
			return vera.postForm(t, "/reauth", url.Values{"password": {testPassword("vera")}, "next": {target}})
		}, "/", "/account"},
		{"cluster refresh back", func(target string) *http.Response {
			return vera.postForm(t, "/clusters/refresh", url.Values{"back": {target}})
		}, "/clusters", "/clusters?sort=name&page=2"},
	}
	for _, p := range places {
		t.Run(p.name, func(t *testing.T) {
			for _, target := range append(hostileTargets, p.good) {
				res := p.post(target)
				res.Body.Close()
				want := p.fallback
				if target == p.good {
					want = p.good
				}
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
					t.Errorf("target %q: %d, Location %q, want %q", target, res.StatusCode, res.Header.Get("Location"), want)
				}
			}
		})
	}
}
