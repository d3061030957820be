package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

func TestSignInShowsUserAndSignOutButton(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	res := b.get(t, "/account")
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("account: status %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{`data-testid="current-user"`, `data-testid="sign-out"`, `action="/logout"`, `name="_csrf"`, "Vera Test"} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
}
