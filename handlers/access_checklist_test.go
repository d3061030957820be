package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"rolegate/handlers"
	"rolegate/internal/auth"
)

func TestSignOutButtonOnEveryPage(t *testing.T) {
	var routes []*echo.Route
	app := newTestAppWith(t, func(o *testOptions) { o.extra = func(e *echo.Echo) { routes = e.Routes() } })
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	id := itoa(app.ensureUser(t, "ada", auth.RoleAdmin).ID)
	paths := []string{"/no/such/page"}
	for _, r := range routes {
		if r.Method == http.MethodGet && !strings.HasPrefix(r.Path, "/static") && r.Path != "/healthz" && r.Path != "/readyz" {
			paths = append(paths, fillParams(r.Path, id))
		}
	}
	checked := 0
	for _, p := range paths {
		res := admin.get(t, p)
		body := readBody(t, res)
		if res.StatusCode >= 300 && res.StatusCode < 400 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			continue
		}
		checked++
		if !strings.Contains(body, `data-testid="sign-out"`) || !strings.Contains(body, `action="/logout"`) {
			t.Errorf("%s (status %d) has no sign-out button", p, res.StatusCode)
		}
	}
	if checked < 4 {
		t.Fatalf("only %d pages checked", checked)
	}
}

// fillParams puts a value in every :param of a route path.
func fillParams(path, v string) string {
	return regexp.MustCompile(`:[a-zA-Z_]+|\*`).ReplaceAllString(path, v)
}

func TestApprovingNeedsRecentSignIn(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })
	app.seedCluster(t, "fresh", roleOld)
	app.seedCluster(t, "stale", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	first := rita.submit(t, "fresh", changeForm([]string{roleA}, nil, "", "COPY from the new landing bucket"))
	second := rita.submit(t, "stale", changeForm([]string{roleB}, nil, "", "UNLOAD to the archive bucket"))
	b := app.signIn(t, "arno", auth.RoleApprover)
	approved := func(id int64, what string) {
		t.Helper()
		res := b.approve(t, id)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/changes/"+itoa(id) {
			t.Fatalf("%s: %d %q, want 303 to the request", what, res.StatusCode, res.Header.Get("Location"))
		}
	}
	approved(first, "approving right after sign-in")

	clock.advance(16 * time.Minute)
	next := "/changes/" + itoa(second)
	res := b.approve(t, second)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/reauth?next="+url.QueryEscape(next) {
		t.Fatalf("stale sign-in: %d %q, want 303 to /reauth", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.countEvents(t, second, "change.approved"); n != 0 {
		t.Fatalf("%d approvals recorded without a recent sign-in", n)
	}
	wantStatus(t, b.get(t, "/reauth?next="+url.QueryEscape(next)), http.StatusOK, "the re-auth page")
	wantStatus(t, b.postForm(t, "/reauth", url.Values{"password": {"wrong password here"}, "next": {next}}), http.StatusUnauthorized, "a wrong re-auth password")
	res = b.postForm(t, "/reauth", url.Values{"password": {testPassword("arno")}, "next": {next}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != next {
		t.Fatalf("re-auth: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	approved(second, "approving after re-auth")
	if app.auditCount(t, "auth.reauthenticated") != 2 {
		t.Fatal("want a failed and a successful re-auth event")
	}
}

func TestStateChangesNeedPOSTAndValidCSRFToken(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	wantStatus(t, b.get(t, "/logout"), http.StatusMethodNotAllowed, "GET /logout")

	cases := []struct {
		name    string
		form    url.Values
		headers map[string]string
	}{
		{"missing token", url.Values{}, nil},
		{"wrong token", url.Values{"_csrf": {"forged-token-value"}}, nil},
		{"cross-site with a valid token", url.Values{"_csrf": {b.csrfToken(t)}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{"wrong header token", url.Values{}, map[string]string{"X-CSRF-Token": "forged", "HX-Request": "true"}},
	}
	for i, c := range cases {
		res := b.postRaw(t, "/logout", c.form, c.headers)
		body := wantStatus(t, res, http.StatusForbidden, c.name)
		if !strings.Contains(body, `data-testid="error-page"`) {
			t.Errorf("%s: no error page", c.name)
		}
		if n := app.auditCount(t, "auth.csrf_failed"); n != i+1 {
			t.Fatalf("%s: %d csrf_failed events, want %d", c.name, n, i+1)
		}
	}
	wantStatus(t, b.get(t, "/account"), http.StatusOK, "still signed in after the refused POSTs")
	// The header token used by htmx works.
	res := b.postRaw(t, "/logout", nil, map[string]string{"X-CSRF-Token": b.csrfToken(t), "HX-Request": "true"})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout with the header token: %d", res.StatusCode)
	}
}

func TestPasswordsHashedWithArgon2idAndUniqueSalt(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	app.ensureUser(t, "vera", auth.RoleViewer)
	app.ensureUser(t, "rita", auth.RoleRequester)
	rows, err := app.db.Reader().QueryContext(ctx, `SELECT password_hash FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	salts := map[string]bool{}
	phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$([A-Za-z0-9+/]+)\$[A-Za-z0-9+/]+$`)
	for rows.Next() {
		var h string
		_ = rows.Scan(&h)
		m := phc.FindStringSubmatch(h)
		if m == nil || m[1] != "19456" || m[2] != "2" {
			t.Fatalf("hash %q is not argon2id m=19456,t=2,p=1", h)
		}
		if salts[m[3]] {
			t.Fatal("two users share a salt")
		}
		salts[m[3]] = true
	}
	if len(salts) != 2 {
		t.Fatalf("%d hashes", len(salts))
	}
	// The same password hashes differently each time.
	h1, _ := auth.HashPassword("same password twice")
	h2, _ := auth.HashPassword("same password twice")
	if h1 == h2 || !auth.VerifyPassword(h1, "same password twice") || auth.VerifyPassword(h1, "same password twicE") {
		t.Fatal("hashes repeat or do not verify")
	}
}

func TestPasswordPolicyLengthCommonListNoTruncation(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	add := func(user, pw string) (int, string) {
		res := admin.postForm(t, "/admin/users", url.Values{"username": {user}, "role": {"viewer"}, "password": {pw}})
		return res.StatusCode, readBody(t, res)
	}
	long := strings.Repeat("word ", 25) + "end" // 128 characters
	for _, c := range []struct {
		user, pw string
		ok       bool
	}{
		{"u1", "elevenchars", false},
		{"u2", "twelve chars", true},
		{"u3", "alllowercaseletters", true}, // no composition rules
		{"u4", "pässwörd mit ümläüten", true},
		{"u5", long, true},
		{"u6", long + "x", false},
		{"u7", "Password1234", false}, // common
		{"u8", "aaaaaaaaaaaaaaaa", false},
	} {
		status, body := add(c.user, c.pw)
		if c.ok && status != http.StatusSeeOther {
			t.Errorf("%q refused (%d)", c.pw, status)
		}
		if !c.ok && (status != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="password-error"`)) {
			t.Errorf("%q: status %d, want 422 with a password message", c.pw, status)
		}
	}
	// No truncation: a 128-character password differing only at its end.
	b := app.newBrowser()
	res := b.postForm(t, "/login", url.Values{"username": {"u5"}, "password": {long[:127] + "X"}})
	wantStatus(t, res, http.StatusUnauthorized, "a 128-character password with the last character changed")
	// Paste allowed: the password fields do not block it.
	body := readBody(t, app.get(t, "/login"))
	if strings.Contains(body, "onpaste") || strings.Contains(strings.ToLower(body), `autocomplete="off"`) {
		t.Fatal("the sign-in form blocks pasting or password managers")
	}
}

func TestFailedSignInsThrottledPerAccountDespiteForwardedFor(t *testing.T) {
	app := newTestApp(t)
	l := handlers.DefaultLoginLimits()
	if perHour := l.AccountBurst + int(time.Hour/l.AccountEvery); perHour > 100 {
		t.Fatalf("the limits allow %d failures per account per hour", perHour)
	}
	app.ensureUser(t, "vera", auth.RoleViewer)
	app.ensureUser(t, "rita", auth.RoleRequester)
	b := app.newBrowser()
	for i := 0; i < l.AccountBurst; i++ {
		// A spoofed X-Forwarded-For must not give a fresh bucket.
		res := b.postRaw(t, "/login", url.Values{"username": {"vera"}, "password": {"wrong password " + itoa(int64(i))}, "_csrf": {b.csrfToken(t)}},
			map[string]string{"X-Forwarded-For": "203.0.113." + itoa(int64(i))})
		wantStatus(t, res, http.StatusUnauthorized, "failure "+itoa(int64(i+1)))
	}
	res := b.postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}})
	body := wantStatus(t, res, http.StatusTooManyRequests, "the right password after the burst")
	if !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatal("no throttling message")
	}
	if app.auditCount(t, "auth.sign_in_throttled") != 1 || app.auditCount(t, "auth.sign_in_failed") != l.AccountBurst {
		t.Fatal("throttling or failures not recorded")
	}
	// Another account is not locked out by attacks on vera.
	res = b.postForm(t, "/login", url.Values{"username": {"rita"}, "password": {testPassword("rita")}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rita: %d", res.StatusCode)
	}
}

func TestNoDefaultAdminAndAdminsNeedSecondFactor(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.adminMFA = true })
	var n int
	_ = app.db.Reader().QueryRowContext(context.Background(), `SELECT count(*) FROM users`).Scan(&n)
	if n != 0 {
		t.Fatalf("a fresh database has %d users", n)
	}
	app.ensureUser(t, "ada", auth.RoleAdmin)
	b := app.newBrowser()
	res := b.postForm(t, "/login", url.Values{"username": {"ada"}, "password": {testPassword("ada")}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login/mfa") {
		t.Fatalf("admin password step: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	wantSignInRedirect(t, b.get(t, "/admin/users"), "an admin before the second factor")
	body := wantStatus(t, b.get(t, "/login/mfa"), http.StatusOK, "enrolment page")
	m := regexp.MustCompile(`data-testid="mfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no secret on the enrolment page")
	}
	wantStatus(t, b.postForm(t, "/login/mfa", url.Values{"code": {"000000"}}), http.StatusUnauthorized, "a wrong code")
	code, _ := auth.TOTPCode(m[1], time.Now())
	// The right code enrols and shows the recovery codes, once.
	body = wantStatus(t, b.postForm(t, "/login/mfa", url.Values{"code": {code}}), http.StatusOK, "right code")
	if !strings.Contains(body, `data-testid="recovery-codes"`) {
		t.Fatal("no recovery codes after enrolling")
	}
	wantStatus(t, b.get(t, "/admin/users"), http.StatusOK, "the admin after enrolling")
	if app.auditCount(t, "auth.mfa_enrolled") != 1 {
		t.Fatal("no mfa_enrolled event")
	}
	// Next time the code is asked for, and the secret is not shown again.
	b2 := app.newBrowser()
	res = b2.postForm(t, "/login", url.Values{"username": {"ada"}, "password": {testPassword("ada")}})
	res.Body.Close()
	body = wantStatus(t, b2.get(t, "/login/mfa"), http.StatusOK, "code page")
	if strings.Contains(body, m[1]) {
		t.Fatal("the secret is shown again")
	}
	code, _ = auth.TOTPCode(m[1], time.Now())
	res = b2.postForm(t, "/login/mfa", url.Values{"code": {code}})
	res.Body.Close()
	wantStatus(t, b2.get(t, "/admin/users"), http.StatusOK, "the admin after the code")
	// Non-admins are not asked.
	app.signIn(t, "vera", auth.RoleViewer)
}

func TestUnknownUserAndWrongPasswordGetSameAnswer(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	msg := regexp.MustCompile(`data-testid="login-error">([^<]*)<`)
	var answers []string
	for _, user := range []string{"vera", "nobody"} {
		b := app.newBrowser()
		res := b.postForm(t, "/login", url.Values{"username": {user}, "password": {"not the password at all"}})
		body := readBody(t, res)
		m := msg.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no error message", user)
		}
		answers = append(answers, itoa(int64(res.StatusCode))+" "+m[1])
	}
	if answers[0] != answers[1] || answers[0] != "401 Wrong username or password." {
		t.Fatalf("answers differ: %q", answers)
	}
}

func TestObjectIDsReauthorisedAndRoleChangesApplyAtOnce(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	ritaID := itoa(app.ensureUser(t, "rita", auth.RoleRequester).ID)
	// rita cannot act on her own or anyone's account through admin URLs.
	wantStatus(t, rita.postForm(t, "/admin/users/"+ritaID+"/role", url.Values{"role": {"admin"}}), http.StatusForbidden, "self-promotion")
	wantStatus(t, rita.get(t, "/admin/users/"+ritaID), http.StatusForbidden, "reading a user page")
	wantStatus(t, admin.get(t, "/admin/users/99999"), http.StatusNotFound, "an unknown user ID")
	wantStatus(t, admin.get(t, "/admin/users/abc"), http.StatusNotFound, "a malformed user ID")
	// A role change applies on the next request, not at the next sign-in.
	res := admin.postForm(t, "/admin/users/"+ritaID+"/role", url.Values{"role": {"admin"}})
	res.Body.Close()
	wantStatus(t, rita.get(t, "/admin/users"), http.StatusOK, "rita after being made admin")
	res = admin.postForm(t, "/admin/users/"+ritaID+"/role", url.Values{"role": {"viewer"}})
	res.Body.Close()
	wantStatus(t, rita.get(t, "/admin/users"), http.StatusForbidden, "rita after being made viewer")
}

func TestPagesCarryStrictCSPWithScriptNonce(t *testing.T) {
	app := newTestApp(t)
	b := app.signIn(t, "vera", auth.RoleViewer)
	for _, p := range []string{"/login", "/account", "/no/such/page"} {
		res := b.get(t, p)
		if p == "/login" {
			res = app.get(t, p)
		}
		body := readBody(t, res)
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP lacks %q", p, want)
			}
		}
		m := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
		if m == nil || !strings.Contains(body, `nonce="`+m[1]+`"`) {
			t.Errorf("%s: the script nonce of the CSP is not on the page's script", p)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, " style=") {
			t.Errorf("%s: inline script or style", p)
		}
	}
}

func TestResponsesCarryHSTSNosniffReferrerPolicyAndCharset(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.https = true })
	res := app.get(t, "/login")
	res.Body.Close()
	h := res.Header
	m := regexp.MustCompile(`max-age=(\d+)`).FindStringSubmatch(h.Get("Strict-Transport-Security"))
	if m == nil || len(m[1]) < 8 || m[1] < "31536000" {
		t.Errorf("HSTS %q", h.Get("Strict-Transport-Security"))
	}
	if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("nosniff %q, Referrer-Policy %q", h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"))
	}
	if ct := h.Get("Content-Type"); !strings.EqualFold(ct, "text/html; charset=utf-8") {
		t.Errorf("Content-Type %q", ct)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q on a page", h.Get("Cache-Control"))
	}
}

func TestAuthEventsAuditedWithWhoWhatWhereOutcome(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	// The events of the requests below, after vera's creation by the set-up.
	var setup int64
	if err := app.db.Reader().QueryRowContext(context.Background(), `SELECT coalesce(max(seq), 0) FROM audit_events`).Scan(&setup); err != nil {
		t.Fatal(err)
	}
	b := app.newBrowser()
	res := b.postForm(t, "/login", url.Values{"username": {"vera"}, "password": {"wrong password 123"}})
	res.Body.Close()
	b = app.signIn(t, "vera", auth.RoleViewer)
	wantStatus(t, b.get(t, "/admin/users"), http.StatusForbidden, "viewer on admin page")
	wantStatus(t, b.postRaw(t, "/logout", url.Values{}, nil), http.StatusForbidden, "logout without token")
	res = b.postForm(t, "/logout", nil)
	res.Body.Close()

	rows, err := app.db.Reader().QueryContext(context.Background(),
		`SELECT ts, action, actor_username, client_ip, request_id, outcome, session_hash FROM audit_events WHERE seq > ? ORDER BY seq`, setup)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var ts, action, user, ip, rid, outcome, sh string
		if err := rows.Scan(&ts, &action, &user, &ip, &rid, &outcome, &sh); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(ts, "Z") || user != "vera" || ip != "127.0.0.1" || rid == "" {
			t.Errorf("%s: ts %q user %q ip %q request %q", action, ts, user, ip, rid)
		}
		if action != "auth.sign_in_failed" && action != "auth.sign_in" && len(sh) == 0 {
			t.Errorf("%s: no session hash", action)
		}
		got = append(got, action+":"+outcome)
	}
	want := "auth.sign_in_failed:failure auth.sign_in:success auth.access_denied:failure auth.csrf_failed:failure auth.sign_out:success"
	if strings.Join(got, " ") != want {
		t.Fatalf("events %q\nwant %q", strings.Join(got, " "), want)
	}
}

func TestLogsAndAuditHoldNoSecretsAndEscapeCRLF(t *testing.T) {
	var logs bytes.Buffer
	app := newTestAppWith(t, func(o *testOptions) { o.logs = &logs })
	app.ensureUser(t, "vera", auth.RoleViewer)
	b := app.newBrowser()
	res := b.postForm(t, "/login", url.Values{"username": {"vera\r\nlevel=ERROR msg=forged"}, "password": {"Secret-Typo-Password-1"}})
	res.Body.Close()
	b = app.signIn(t, "vera", auth.RoleViewer)
	wantStatus(t, b.get(t, "/admin/users"), http.StatusForbidden, "denied")
	cookie := b.sessionCookie(t)

	var dump strings.Builder
	rows, _ := app.db.Reader().QueryContext(context.Background(), `SELECT actor_username || ' ' || params || ' ' || session_hash FROM audit_events`)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		dump.WriteString(s + "\n")
	}
	rows.Close()
	all := logs.String() + dump.String()
	for _, secret := range []string{"Secret-Typo-Password-1", testPassword("vera"), cookie.Value} {
		if strings.Contains(all, secret) {
			t.Errorf("logs or audit contain a secret %q", secret)
		}
	}
	for _, line := range strings.Split(all, "\n") {
		if strings.HasPrefix(line, "level=ERROR msg=forged") {
			t.Fatalf("a CR/LF in the username forged a log line: %q", line)
		}
	}
	if !strings.Contains(dump.String(), "\\r\\n") && !strings.Contains(dump.String(), `\u000d`) {
		t.Errorf("the username's CR/LF is not escaped in the audit params:\n%s", dump.String())
	}
}

func TestFailedSignInsThrottledPerAddressAcrossUsernames(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) {
		o.limits = handlers.LoginLimits{AccountBurst: 10, AccountEvery: time.Hour, IPBurst: 3, IPEvery: time.Hour}
	})
	app.ensureUser(t, "vera", auth.RoleViewer)
	b := app.newBrowser()
	for i := 0; i < 3; i++ {
		res := b.postForm(t, "/login", url.Values{"username": {"user" + itoa(int64(i))}, "password": {"guess guess guess"}})
		wantStatus(t, res, http.StatusUnauthorized, "spraying failure")
	}
	res := b.postForm(t, "/login", url.Values{"username": {"vera"}, "password": {testPassword("vera")}})
	wantStatus(t, res, http.StatusTooManyRequests, "a fourth username from the same IP")
}
