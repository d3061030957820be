package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/internal/auth"
	"rolegate/internal/notify"
)

const (
	hookURL    = "/hooks/T000/B000/xoxb-secret-token-in-the-url"
	hookSecret = "whsec-never-shown-again-0123456789"
)

// hookReceiver is a webhook receiver that checks each signature.
type hookReceiver struct {
	srv    *httptest.Server
	secret string
	mu     sync.Mutex
	events []string
	bodies []string
	bad    int
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{secret: secret}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := notify.Verify([]byte(h.secret), r.Header.Get(notify.HeaderSignature), body, time.Now(), notify.Tolerance); err != nil {
			h.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.events = append(h.events, r.Header.Get(notify.HeaderEvent))
		h.bodies = append(h.bodies, string(body))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) got() ([]string, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.events...), h.bad
}

// An administrator adds a signed webhook through the form. The URL and the
// secret are never shown again, nor written to the audit log: the page and
// the audit params say only that they are set. Saving the channel again
// without them keeps them, and its deliveries are still signed with the
// secret.
func TestChannelSecretsAreWriteOnly(t *testing.T) {
	app := newTestApp(t)
	rc := newHookReceiver(t, hookSecret)
	admin := app.signIn(t, "adam", auth.RoleAdmin)
	res := admin.postForm(t, "/admin/notifications", url.Values{"name": {"ops-hook"}, "kind": {"webhook"},
		"target": {rc.srv.URL + hookURL}, "secret": {hookSecret}, "topics": {"approvals", "decisions"}, "enabled": {"1"}})
	if body := readBody(t, res); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add channel: %d\n%s", res.StatusCode, body)
	}
	page := readBody(t, admin.get(t, "/admin/notifications"))
	if !strings.Contains(page, `data-name="ops-hook"`) || !strings.Contains(page, `data-testid="channel-secret">set<`) {
		t.Fatalf("the channel list does not show ops-hook with its secret set:\n%s", page)
	}
	chans, err := app.notify.Channels(context.Background())
	if err != nil || len(chans) != 1 {
		t.Fatalf("channels %v, %v", chans, err)
	}
	edit := readBody(t, admin.get(t, fmt.Sprintf("/admin/notifications/%d", chans[0].ID)))
	for _, p := range []string{page, edit} {
		if strings.Contains(p, hookSecret) || strings.Contains(p, "xoxb-secret-token") {
			t.Fatalf("a page shows the channel's secret or URL:\n%s", p)
		}
	}
	res = admin.postForm(t, fmt.Sprintf("/admin/notifications/%d", chans[0].ID), url.Values{"name": {"ops-hook"},
		"topics": {"approvals", "decisions"}, "enabled": {"1"}})
	if body := readBody(t, res); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save channel: %d\n%s", res.StatusCode, body)
	}
	var params string
	rows, err := app.db.Reader().Query(`SELECT params FROM audit_events WHERE action LIKE 'notify.%' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(&params); err != nil {
			t.Fatal(err)
		}
		n++
		if strings.Contains(params, hookSecret) || strings.Contains(params, "xoxb-secret-token") || !strings.Contains(params, `"secret_set"`) {
			t.Errorf("audit params %s", params)
		}
	}
	rows.Close()
	if n != 2 {
		t.Fatalf("%d notification audit events, want 2 (added, changed)", n)
	}

	app.seedCluster(t, "analytics")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	rita.submit(t, "analytics", changeForm([]string{roleA}, nil, "", "the nightly load needs COPY"))
	waitFor(t, func() bool { ev, _ := rc.got(); return len(ev) == 1 })
	if ev, bad := rc.got(); ev[0] != "submitted" || bad != 0 {
		t.Errorf("received %v with %d bad signatures", ev, bad)
	}
}

// Only administrators reach the channel pages.
func TestChannelPagesAreForAdministrators(t *testing.T) {
	app := newTestApp(t)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	for _, res := range []*http.Response{
		arno.get(t, "/admin/notifications"),
		arno.postForm(t, "/admin/notifications", url.Values{"name": {"x"}, "kind": {"slack"}, "target": {"https://example.com/x"}}),
	} {
		readBody(t, res)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as an approver: %d, want 403", res.Request.Method, res.Request.URL.Path, res.StatusCode)
		}
	}
	if chans, _ := app.notify.Channels(context.Background()); len(chans) != 0 {
		t.Errorf("an approver added a channel: %v", chans)
	}
}

// The request page says who was told and whether it reached them: the
// approval channel got the submission, the approver with mail on is on
// the list while the mail waits for an SMTP server that is down.
func TestRequestPageShowsDeliveries(t *testing.T) {
	app := newTestApp(t)
	rc := newHookReceiver(t, hookSecret)
	admin := app.signIn(t, "adam", auth.RoleAdmin)
	for _, f := range []url.Values{
		{"name": {"#dba-approvals"}, "kind": {"webhook"}, "target": {rc.srv.URL}, "secret": {hookSecret}, "topics": {"approvals"}, "enabled": {"1"}},
		{"name": {"smtp"}, "kind": {"email"}, "target": {"127.0.0.1:1"}, "sender": {"rolegate@example.com"}, "enabled": {"1"}},
	} {
		if res := admin.postForm(t, "/admin/notifications", f); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add channel %s: %d\n%s", f.Get("name"), res.StatusCode, readBody(t, res))
		}
	}
	arno := app.signIn(t, "arno", auth.RoleApprover)
	if res := arno.postForm(t, "/account/notifications", url.Values{"email": {"arno@example.com"}, "email_on": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d\n%s", res.StatusCode, readBody(t, res))
	}
	app.seedCluster(t, "analytics")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	id := rita.submit(t, "analytics", changeForm([]string{roleA}, nil, "", "the nightly load needs COPY"))
	waitFor(t, func() bool { ev, _ := rc.got(); return len(ev) == 1 })
	var page string
	waitFor(t, func() bool {
		page = readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
		return strings.Contains(page, "sent to #dba-approvals ") && strings.Contains(page, `data-testid="delivery-problem"`)
	})
	// The mail waits for its retries, or has used them up.
	if !strings.Contains(page, "Change request waiting for approval") ||
		!(strings.Contains(page, "mail to arno on its way") || strings.Contains(page, "failed for arno")) {
		t.Errorf("the request page does not say who was told:\n%s", page)
	}
}

// Each user sets their own address and chooses mail on or off; an
// address that is not one is refused with a message, keeping what was
// typed.
func TestAccountNotificationSettings(t *testing.T) {
	app := newTestApp(t)
	anna := app.signIn(t, "anna", auth.RoleApprover)
	res := anna.postForm(t, "/account/notifications", url.Values{"email": {"anna at example"}, "email_on": {"1"}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "enter an address like") || !strings.Contains(body, `value="anna at example"`) {
		t.Fatalf("a bad address: %d\n%s", res.StatusCode, body)
	}
	res = anna.postForm(t, "/account/notifications", url.Values{"email": {"anna@example.com"}, "email_on": {"1"}, "alerts": {"1"}})
	if readBody(t, res); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	page := readBody(t, anna.get(t, "/account"))
	if !strings.Contains(page, `value="anna@example.com"`) || !strings.Contains(page, `checked data-testid="email-on"`) {
		t.Errorf("the account page does not show the saved settings:\n%s", page)
	}
	res = anna.postRaw(t, "/account/notifications", url.Values{"email": {"evil@example.com"}}, nil)
	if readBody(t, res); res.StatusCode != http.StatusForbidden {
		t.Errorf("without a CSRF token: %d, want 403", res.StatusCode)
	}
}

// waitFor polls cond until it holds, failing after ten seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
