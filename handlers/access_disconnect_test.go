package handlers_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

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
	var router *echo.Echo
	app := newTestAppWith(t, func(o *testOptions) { o.extra = func(e *echo.Echo) { router = e } })
	app.ensureUser(t, "vera", auth.RoleViewer)

	t.Run("forged form, client gone", func(t *testing.T) {
		// net/http cancels a request's context when its client hangs up;
		// here it is cancelled before the router sees the request.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/logout", strings.NewReader("_csrf=forged"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		router.ServeHTTP(httptest.NewRecorder(), req)
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
