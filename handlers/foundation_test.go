package handlers_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestUnknownPathGets404PageWithRequestID(t *testing.T) {
	app := newTestApp(t)
	res := app.get(t, "/no/such/page")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", res.StatusCode)
	}
	body := readBody(t, res)
	id := res.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id header")
	}
	if !strings.Contains(body, `data-testid="error-page"`) || !strings.Contains(body, id) {
		t.Fatalf("404 page lacks the error page or the request ID %s:\n%s", id, body)
	}
}

func TestClientRequestIDIsNotTrusted(t *testing.T) {
	app := newTestApp(t)
	req, _ := http.NewRequest(http.MethodGet, app.url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "forged-id")
	res, err := app.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("X-Request-Id"); got == "" || strings.Contains(got, "forged") {
		t.Fatalf("request ID %q: want a fresh server-made ID", got)
	}
}

// Every response, errors and assets included, carries the security headers.
func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	app := newTestApp(t)
	paths := []string{"/healthz", "/readyz", "/nope", app.assets.URL("css/app.css"), "/static/0000/css/app.css"}
	for _, p := range paths {
		res := app.get(t, p)
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self' 'nonce-"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if h.Get("X-XSS-Protection") != "0" {
			t.Errorf("%s: X-XSS-Protection %q, want 0", p, h.Get("X-XSS-Protection"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", p, h.Get("X-Content-Type-Options"))
		}
		if h.Get("Referrer-Policy") != "same-origin" {
			t.Errorf("%s: Referrer-Policy %q", p, h.Get("Referrer-Policy"))
		}
		if h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", p, h.Get("X-Frame-Options"))
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP", p)
		}
	}
}

func TestCSPNonceIsFreshAndUsedByScripts(t *testing.T) {
	app := newTestApp(t)
	nonceRE := regexp.MustCompile(`'nonce-([^']+)'`)
	var nonces []string
	for range 2 {
		res := app.get(t, "/login")
		body := readBody(t, res)
		m := nonceRE.FindStringSubmatch(res.Header.Get("Content-Security-Policy"))
		if m == nil {
			t.Fatal("no nonce in CSP")
		}
		if !strings.Contains(body, `nonce="`+m[1]+`"`) {
			t.Fatalf("page scripts do not carry the CSP nonce %s", m[1])
		}
		nonces = append(nonces, m[1])
	}
	if nonces[0] == nonces[1] {
		t.Fatal("the nonce repeats across requests")
	}
}

func TestHSTSWhenServedOverTLS(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.https = true })
	res := app.get(t, "/healthz")
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=63072000") {
		t.Fatalf("HSTS %q", got)
	}
}

func TestStaticAssetUnderHashURL(t *testing.T) {
	app := newTestApp(t)
	u := app.assets.URL("css/app.css")
	if !regexp.MustCompile(`^/static/[0-9a-f]{16}/css/app\.css$`).MatchString(u) {
		t.Fatalf("asset URL %q is not a content-hash URL", u)
	}
	res := app.get(t, u)
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "prefers-color-scheme") {
		t.Fatalf("status %d, body starts %.80q", res.StatusCode, body)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Fatalf("Cache-Control %q", cc)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Fatalf("Content-Type %q", ct)
	}
	for _, bad := range []string{
		"/static/0123456789abcdef/css/app.css",
		"/static/" + strings.Split(u, "/")[2] + "/css/nope.css",
	} {
		res := app.get(t, bad)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", bad, res.StatusCode)
		}
	}
}

func TestFormBodyOverLimitGets413(t *testing.T) {
	app := newTestApp(t)
	body := "reason=" + strings.Repeat("x", 70<<10)
	req, _ := http.NewRequest(http.MethodPost, app.url+"/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := app.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	page := readBody(t, res)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
	if !strings.Contains(page, `data-testid="error-page"`) {
		t.Fatalf("413 without the error page:\n%s", page)
	}
}

func TestPanicGets500PageAndServerKeepsServing(t *testing.T) {
	var logs strings.Builder
	app := newTestAppWith(t, func(o *testOptions) {
		o.logs = &logs
		o.extra = func(e *echo.Echo) {
			e.GET("/test/panic", func(echo.Context) error { panic("secret internal detail") })
		}
	})
	res := app.get(t, "/test/panic")
	body := readBody(t, res)
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", res.StatusCode)
	}
	if strings.Contains(body, "secret internal detail") {
		t.Fatal("the 500 page shows the internal error")
	}
	if !strings.Contains(body, res.Header.Get("X-Request-Id")) {
		t.Fatal("the 500 page lacks the request ID")
	}
	if !strings.Contains(logs.String(), "secret internal detail") || !strings.Contains(logs.String(), res.Header.Get("X-Request-Id")) {
		t.Fatalf("the log lacks the detail or request ID:\n%s", logs.String())
	}
	res = app.get(t, "/healthz")
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("after the panic /healthz answered %d", res.StatusCode)
	}
}

func TestReadyzReportsDatabase(t *testing.T) {
	app := newTestApp(t)
	res := app.get(t, "/readyz")
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `"database":"ok"`) {
		t.Fatalf("ready: %d %s", res.StatusCode, body)
	}
	app.db.Close()
	res = app.get(t, "/readyz")
	body = readBody(t, res)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"database":"unavailable"`) {
		t.Fatalf("with the database closed: %d %s", res.StatusCode, body)
	}
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
