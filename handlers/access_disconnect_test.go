package handlers_test

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
)

// sendAndHangUp writes a raw HTTP/1.1 request and closes the connection
// without reading the answer, as a client that gives up does. The server
// cancels the request's context as soon as it notices.
func (a *testApp) sendAndHangUp(t *testing.T, head string, body string) {
	t.Helper()
	u, _ := url.Parse(a.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(strings.ReplaceAll(head, "\n", "\r\n") + "\r\n" + body)); err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// waitAudit waits until n events of the action are recorded; it fails
// the test if they never are.
func (a *testApp) waitAudit(t *testing.T, action string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for a.auditCount(t, action) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d %s events recorded, want %d", a.auditCount(t, action), action, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A client that hangs up must not be able to erase the trace of its
// failed sign-in or its forged form.
func TestRefusalsRecordedWhenTheClientHangsUp(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)

	t.Run("forged form cut off mid-body", func(t *testing.T) {
		// The body is shorter than announced: reading the form fails, the
		// server cancels the request's context, and the CSRF check refuses.
		body := "username=vera&password=guess"
		head := fmt.Sprintf("POST /login HTTP/1.1\nHost: %s\nContent-Type: application/x-www-form-urlencoded\nContent-Length: %d\n",
			strings.TrimPrefix(app.url, "http://"), len(body)+100)
		app.sendAndHangUp(t, head, body)
		app.waitAudit(t, "auth.csrf_failed", 1)
	})

	t.Run("wrong password, gone before the answer", func(t *testing.T) {
		b := app.newBrowser()
		tok := b.csrfToken(t)
		body := url.Values{"username": {"vera"}, "password": {"not the password"}, "_csrf": {tok}}.Encode()
		head := fmt.Sprintf("POST /login HTTP/1.1\nHost: %s\nContent-Type: application/x-www-form-urlencoded\nContent-Length: %d\nCookie: rolegate_csrf=%s\n",
			strings.TrimPrefix(app.url, "http://"), len(body), tok)
		// The password check takes far longer than noticing the hang-up.
		app.sendAndHangUp(t, head, body)
		app.waitAudit(t, "auth.sign_in_failed", 1)
	})
}
