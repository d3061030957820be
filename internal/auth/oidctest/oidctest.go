// Package oidctest runs the test OpenID provider (./provider, built from
// github.com/zitadel/oidc/v3) in its own process for Rolegate's tests,
// and signs users in through its HTML login page as a browser would.
// Only tests import it; the provider's code is in its own main package,
// never linked into the dashboard.
package oidctest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// User is a user of the provider.
type User struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Groups   []string `json:"groups"`
}

// Options configure the provider: its users and its one client.
type Options struct {
	Users        []User
	ClientID     string
	ClientSecret string
	RedirectURIs []string
	// Listen is the provider's address; "" is a free loopback port.
	Listen string
}

// Provider is the running provider.
type Provider struct {
	// Issuer is the provider's issuer URL (with its trailing slash).
	Issuer string
	client *http.Client
}

// Start builds the provider program and runs it until the test ends.
func Start(t testing.TB, o Options) *Provider {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "provider")
	build := exec.Command("go", "build", "-o", bin, "rolegate/internal/auth/oidctest/provider")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the OpenID provider: %v\n%s", err, out)
	}
	users, err := json.Marshal(o.Users)
	if err != nil {
		t.Fatal(err)
	}
	usersFile := filepath.Join(dir, "users.json")
	if err := os.WriteFile(usersFile, users, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	listen := o.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	cmd := exec.CommandContext(ctx, bin, "-listen", listen, "-users", usersFile, "-client-id", o.ClientID, "-client-secret", o.ClientSecret,
		"-redirect", strings.Join(o.RedirectURIs, ","))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("the OpenID provider did not start: %v", err)
	}
	issuer, ok := strings.CutPrefix(strings.TrimSpace(line), "issuer ")
	if !ok {
		t.Fatalf("the OpenID provider said %q", line)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return &Provider{Issuer: issuer, client: &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (p *Provider) control(t testing.TB, path string, q url.Values) {
	t.Helper()
	res, err := p.client.Post(p.Issuer+"control/"+path+"?"+q.Encode(), "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("provider control %s: status %d", path, res.StatusCode)
	}
}

// Delete makes the provider forget the user.
func (p *Provider) Delete(t testing.TB, username string) {
	p.control(t, "delete", url.Values{"username": {username}})
}

// SetGroups replaces the user's groups.
func (p *Provider) SetGroups(t testing.TB, username string, groups ...string) {
	p.control(t, "groups", url.Values{"username": {username}, "groups": {strings.Join(groups, ",")}})
}

// Rotate makes the provider sign with a new key from now on.
func (p *Provider) Rotate(t testing.TB) { p.control(t, "rotate", nil) }

// Login follows authURL (where the dashboard sent the browser) to the
// provider's login page, signs in there with the password, and returns
// the URL the provider sends the browser back to (the dashboard's
// callback, with the code and state).
func (p *Provider) Login(t testing.TB, authURL, username, password string) string {
	t.Helper()
	next := authURL
	for range 10 {
		if !strings.HasPrefix(next, p.Issuer) {
			return next
		}
		res, err := p.client.Get(next)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, err := res.Location()
		if err != nil {
			t.Fatalf("provider answered %s with status %d and no redirect", next, res.StatusCode)
		}
		if id := loc.Query().Get("authRequestID"); strings.HasSuffix(loc.Path, "/login/username") && id != "" {
			return p.submitLogin(t, id, username, password)
		}
		next = loc.String()
	}
	t.Fatalf("no login page reached from %s", authURL)
	return ""
}

func (p *Provider) submitLogin(t testing.TB, id, username, password string) string {
	t.Helper()
	res, err := p.client.PostForm(p.Issuer+"login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		t.Fatalf("provider login of %s: status %d: %s", username, res.StatusCode, body)
	}
	return p.Login(t, loc.String(), username, password)
}

// String names the provider in test output.
func (p *Provider) String() string { return fmt.Sprintf("provider %s", p.Issuer) }
