package handlers_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/handlers"
	"rolegate/internal/auth"
)

type accessTest struct{}

type accessTestOptions struct{}

func (a *testApp) setupAccessTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
}

// browser is one person's cookie-keeping client.
type browser struct {
	app      *testApp
	client   *http.Client
	username string
}

// signIn creates the user with the role (if new) and signs them in through
// the sign-in form, returning their browser.
func (a *testApp) signIn(t *testing.T, username string, role auth.Role) *browser {
	t.Helper()
	return &browser{app: a, client: newClient(), username: username}
}

func (b *browser) get(t *testing.T, path string) *http.Response {
	t.Helper()
	res, err := b.client.Get(b.app.url + path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// postForm posts the form with the browser's CSRF token added.
func (b *browser) postForm(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.app.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
