package handlers_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/auth"
)

// damageAudit anchors the test app's log, changes an event appended after
// the anchor behind the application's back, and lets the log find it as
// the dashboard does at start; it returns the bad seq.
func damageAudit(t *testing.T, app *testApp) int64 {
	t.Helper()
	ctx := context.Background()
	seedAudit(t, app, 20)
	if _, err := app.audit.Anchor(ctx, false); err != nil {
		t.Fatal(err)
	}
	e, err := app.audit.Record(ctx, audit.Event{Actor: audit.System, Action: audit.SignIn, Outcome: audit.Success})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+app.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{`DROP TRIGGER audit_events_no_update`, `UPDATE audit_events SET outcome = 'failure' WHERE seq = ` + itoa(e.Seq)} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.audit.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if _, damaged := app.audit.Damage(); !damaged {
		t.Fatal("the damage was not found")
	}
	return e.Seq
}

func TestDamagedChainMakesTheDashboardReadOnly(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	bad := damageAudit(t, app)
	banner := "first bad event is seq " + itoa(bad)
	head := func() int64 {
		seq, _, err := app.audit.Head(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	events := head()

	tests := []struct {
		name, method, path string
		form               url.Values
		status             int
		want               string
	}{
		{"pages are served, with the banner", http.MethodGet, "/audit", nil, http.StatusOK, banner},
		{"refresh refused", http.MethodPost, "/clusters/refresh", url.Values{}, http.StatusServiceUnavailable, "This change was refused"},
		{"user creation refused", http.MethodPost, "/admin/users", url.Values{"username": {"bo"}, "role": {"viewer"}}, http.StatusServiceUnavailable, banner},
		{"verification refused", http.MethodPost, "/audit/verify", url.Values{}, http.StatusServiceUnavailable, "Read-only"},
		{"password change refused", http.MethodPost, "/account/password", url.Values{}, http.StatusServiceUnavailable, "Read-only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res *http.Response
			if tt.method == http.MethodGet {
				res = admin.get(t, tt.path)
			} else {
				res = admin.postForm(t, tt.path, tt.form)
			}
			body := wantStatus(t, res, tt.status, tt.method+" "+tt.path)
			if !strings.Contains(body, tt.want) || !strings.Contains(body, `data-testid="read-only-banner"`) {
				t.Fatalf("%s %s lacks %q or the banner:\n%s", tt.method, tt.path, tt.want, body)
			}
		})
	}
	if n := head(); n != events {
		t.Fatalf("%d events recorded by refused requests", n-events)
	}
	// Signing in and out still work.
	res := admin.postForm(t, "/logout", url.Values{})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out on a damaged chain: %d", res.StatusCode)
	}
	app.signIn(t, "ada", auth.RoleAdmin)

	res = app.get(t, "/readyz")
	body := wantStatus(t, res, http.StatusServiceUnavailable, "/readyz")
	if !strings.Contains(body, `"audit":"damaged, read-only: altered at seq `+itoa(bad)) {
		t.Fatalf("/readyz does not name the damage: %s", body)
	}
}

func TestIntactChainIsNotReadOnly(t *testing.T) {
	app := newTestApp(t)
	seedAudit(t, app, 5)
	if _, err := app.audit.Anchor(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	body := wantStatus(t, admin.postForm(t, "/audit/verify", url.Values{}), http.StatusOK, "verify")
	if strings.Contains(body, `data-testid="read-only-banner"`) || !strings.Contains(body, `data-testid="anchors">`) {
		t.Fatalf("verify page on an intact chain:\n%s", body)
	}
	if body := wantStatus(t, app.get(t, "/readyz"), http.StatusOK, "/readyz"); !strings.Contains(body, `"audit":"ok"`) {
		t.Fatalf("/readyz: %s", body)
	}
}
