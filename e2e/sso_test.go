//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"rolegate/internal/auth/oidctest"
)

// startSSOServer runs a second dashboard (demo mode) whose sign-in page
// offers the test OpenID provider, itself in its own process.
func startSSOServer(t *testing.T) (*server, *oidctest.Provider) {
	t.Helper()
	tmp := t.TempDir()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	base := "http://127.0.0.1:" + port
	redirect := base + "/login/sso/corp/callback"
	corp := oidctest.Start(t, oidctest.Options{ClientID: "rolegate", ClientSecret: "corp-secret", RedirectURIs: []string{redirect},
		Users: []oidctest.User{{ID: "s-dana", Username: "dana", Password: "pw-dana", Name: "Dana Corp", Email: "dana@corp.example", Groups: []string{"dbas"}}}})
	cfg, _ := json.Marshal(map[string]any{"providers": []map[string]any{{
		"id": "corp", "name": "Corp ID", "issuer": corp.Issuer, "client_id": "rolegate", "client_secret_env": "CORP_SECRET",
		"redirect_url": redirect, "scopes": []string{"profile", "email"},
		"roles": map[string][]string{"viewer": {"staff"}, "requester": {"dbas"}, "approver": {"dba-leads"}, "admin": {"rolegate-admins"}},
	}}})
	cfgFile := filepath.Join(tmp, "oidc.json")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(tmp, "rolegate")
	build := exec.Command("go", "build", "-o", bin, "./cmd/web")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/web: %v\n%s", err, out)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := &server{url: base, exited: make(chan struct{}), stdout: filepath.Join(tmp, "sso.stdout"), stderr: filepath.Join(tmp, "sso.stderr")}
	outf, _ := os.Create(s.stdout)
	errf, _ := os.Create(s.stderr)
	s.cmd = exec.Command(bin, "-demo", "-listen", "127.0.0.1:"+port, "-db", filepath.Join(tmp, "data", "demo.db"), "-oidc-config", cfgFile)
	s.cmd.Dir = tmp
	s.cmd.Env = append(serverEnv(), "CORP_SECRET=corp-secret")
	s.cmd.Stdout, s.cmd.Stderr = outf, errf
	dieWithParent(s.cmd)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		outf.Close()
		errf.Close()
		close(s.exited)
	}()
	t.Cleanup(s.stop)
	if err := s.waitHealthy(60 * 1e9); err != nil {
		s.dumpLog(os.Stderr)
		t.Fatal(err)
	}
	return s, corp
}

// TestSSOSignInThroughTheProvidersLoginPage: Dana presses the provider's
// button, signs in on the provider's own login page (zitadel/oidc's
// example server, in its own process) and lands on the dashboard as a
// requester, the role of her group.
func TestSSOSignInThroughTheProvidersLoginPage(t *testing.T) {
	needSuite(t)
	srv, corp := startSSOServer(t)
	b := newTab(t, "dana")
	// The provider's login page (not Rolegate's) has no favicon.
	b.allowConsole(regexp.QuoteMeta(corp.Issuer + "favicon.ico"))
	resp := run(b, chromedp.NavigateResponse(srv.url+"/login"))
	if resp == nil || resp.Status != 200 {
		b.fail("GET /login of the SSO dashboard: %v", resp)
	}
	b.checkPage("the sign-in page with a provider button")

	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(tid("sso-corp"), chromedp.NodeVisible)); err != nil {
		b.fail("pressing the provider's button: %v", err)
	}
	if loc := b.location(); strings.HasPrefix(loc, srv.url) || !strings.Contains(loc, "/login/username") {
		b.fail("the provider's button led to %s, not the provider's login page", loc)
	}
	b.do(
		chromedp.SendKeys(chromedp.CSS("#username"), "dana", chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#password"), "pw-dana", chromedp.NodeVisible),
	)
	ctx2, cancel2 := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel2()
	resp, err := chromedp.RunResponse(ctx2, chromedp.Click(chromedp.CSS(`button[type="submit"]`), chromedp.NodeVisible))
	if err != nil || resp == nil || resp.Status != 200 {
		b.fail("signing in at the provider: %v %v", resp, err)
	}
	if loc := b.location(); loc != srv.url+"/clusters" {
		b.fail("after the provider's sign-in the tab shows %s, want the dashboard", loc)
	}
	b.checkPage("the dashboard after single sign-on")
	if got := b.text(tid("current-user")); !strings.Contains(got, "Dana Corp") || !strings.Contains(got, "requester") {
		b.fail("the header shows %q, want Dana Corp (requester)", got)
	}
}
