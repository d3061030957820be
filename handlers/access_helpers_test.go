package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for session expiry.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sessionCookie is the browser's session cookie.
func (b *browser) sessionCookie(t *testing.T) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(b.app.url)
	for _, c := range b.client.Jar.Cookies(u) {
		if strings.HasSuffix(c.Name, "rolegate") {
			return c
		}
	}
	t.Fatal("browser has no session cookie")
	return nil
}

// getWithCookie fetches path with only the given cookie, as a stolen copy
// of it would be used.
func (a *testApp) getWithCookie(t *testing.T, path string, c *http.Cookie) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.url+path, nil)
	req.AddCookie(c)
	res, err := newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wantSignInRedirect checks that res sends the visitor to the sign-in page.
func wantSignInRedirect(t *testing.T, res *http.Response, what string) {
	t.Helper()
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Fatalf("%s: status %d Location %q, want 303 to /login", what, res.StatusCode, res.Header.Get("Location"))
	}
}

func wantStatus(t *testing.T, res *http.Response, want int, what string) string {
	t.Helper()
	body := readBody(t, res)
	if res.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, res.StatusCode, want, body)
	}
	return body
}

// auditCount counts audit events of the action.
func (a *testApp) auditCount(t *testing.T, action string) int {
	t.Helper()
	var n int
	if err := a.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_events WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (a *testApp) sessionRows(t *testing.T) int {
	t.Helper()
	var n int
	if err := a.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
