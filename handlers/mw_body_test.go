package handlers_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// A body without Content-Length (chunked) is held to the same 64 KiB as
// one that announces its size.
func TestOversizedChunkedBodyGets413(t *testing.T) {
	app := newTestApp(t)
	b := app.newBrowser()
	tok := b.csrfToken(t)
	form := "_csrf=" + tok + "&username=vera&password=" + strings.Repeat("x", 100<<10)
	for _, c := range []struct {
		name string
		body io.Reader
	}{
		{"with Content-Length", strings.NewReader(form)},
		// MultiReader hides the length, so the client sends it chunked.
		{"chunked", io.MultiReader(strings.NewReader(form))},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, app.url+"/login", c.body)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "chunked" && len(res.Request.TransferEncoding) == 0 && res.Request.ContentLength > 0 {
				t.Fatal("the request was not sent chunked")
			}
			wantStatus(t, res, http.StatusRequestEntityTooLarge, c.name)
		})
	}
	// A chunked form within the limit still works.
	req, _ := http.NewRequest(http.MethodPost, app.url+"/login", io.MultiReader(strings.NewReader(url.Values{"_csrf": {tok}, "username": {"nobody"}, "password": {"guess guess"}}.Encode())))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, http.StatusUnauthorized, "a small chunked sign-in")
	if app.auditCount(t, "auth.csrf_failed") != 0 {
		t.Fatal("an oversized body was taken for a forged form")
	}
}

// A body that trickles in slower than the body deadline gets 408, however
// steadily the bytes come: the deadline is for the whole body.
func TestSlowBodyGets408(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.bodyTimeout = 300 * time.Millisecond })
	u, _ := url.Parse(app.url)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := "username=vera&password=" + strings.Repeat("x", 200)
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", u.Host, len(body))
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for i := 0; i < len(body); i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if _, err := conn.Write([]byte{body[i]}); err != nil {
				return
			}
		}
	}()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, http.StatusRequestTimeout, "a trickled body")
	if app.auditCount(t, "auth.csrf_failed")+app.auditCount(t, "auth.sign_in_failed") != 0 {
		t.Fatal("a body that never arrived was handled as a form")
	}
}
