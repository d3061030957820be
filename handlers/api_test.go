package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
)

func clusterAPI(cluster string) string {
	return "/api/v1/clusters/" + testAccount + "/" + testRegion + "/" + cluster
}

type apiChangeOut struct {
	ID       int64  `json:"id"`
	State    string `json:"state"`
	Done     bool   `json:"done"`
	Timeline []struct {
		Action string `json:"action"`
	} `json:"timeline"`
}

// A pipeline's whole path: a request token proposes by API, an approver
// approves in the browser, the pipeline polls by API until in_sync; every
// event of the API's requests names the token.
func TestAPIProposeApproveInBrowserPollToInSync(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "etl", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	api := app.apiClient(t, rita.makeToken(t, "", "deploy pipeline", "request", "30"))

	res, body := api.do(t, http.MethodGet, "/api/v1/clusters?q=etl", nil)
	var list struct {
		Clusters []struct {
			ID string `json:"id"`
		} `json:"clusters"`
		Matching int `json:"matching"`
	}
	if err := json.Unmarshal(body, &list); err != nil || res.StatusCode != http.StatusOK || list.Matching != 1 || list.Clusters[0].ID != "etl" {
		t.Fatalf("list: %d %s", res.StatusCode, body)
	}
	if res, body := api.do(t, http.MethodGet, clusterAPI("etl"), nil); res.StatusCode != http.StatusOK || !strings.Contains(string(body), roleOld) {
		t.Fatalf("cluster: %d %s", res.StatusCode, body)
	}
	if res, body := api.do(t, http.MethodGet, clusterAPI("etl")+"/snapshot", nil); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"ClusterIdentifier":"etl"`) {
		t.Fatalf("snapshot: %d %s", res.StatusCode, body)
	}
	res, body = api.do(t, http.MethodPost, clusterAPI("etl")+"/changes", map[string]any{"add": []string{roleA}, "reason": "Loader needs to COPY from the new bucket", "ticket": "OPS-7"})
	var ch apiChangeOut
	if err := json.Unmarshal(body, &ch); err != nil || res.StatusCode != http.StatusCreated || ch.State != "pending" {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/changes/%d", ch.ID) {
		t.Fatalf("Location %q", loc)
	}

	// The list is kept per data version, query and open requests: the new
	// request shows at once, with the page's filters.
	res, body = api.do(t, http.MethodGet, "/api/v1/clusters?open=1&region="+testRegion, nil)
	var open struct {
		Clusters []struct {
			ID          string  `json:"id"`
			OpenChanges []int64 `json:"open_changes"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal(body, &open); err != nil || len(open.Clusters) != 1 || open.Clusters[0].ID != "etl" || len(open.Clusters[0].OpenChanges) != 1 || open.Clusters[0].OpenChanges[0] != ch.ID {
		t.Fatalf("open=1: %d %s", res.StatusCode, body)
	}

	arno := app.signIn(t, "arno", auth.RoleApprover)
	if res := arno.approve(t, ch.ID); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve in the browser: %d", res.StatusCode)
	}
	deadline := time.Now().Add(20 * time.Second)
	for ch.State != "in_sync" {
		if ch.Done || time.Now().After(deadline) {
			t.Fatalf("request is %s", ch.State)
		}
		time.Sleep(20 * time.Millisecond)
		_, body = api.do(t, http.MethodGet, fmt.Sprintf("/api/v1/changes/%d", ch.ID), nil)
		ch = apiChangeOut{}
		if err := json.Unmarshal(body, &ch); err != nil {
			t.Fatal(err)
		}
	}
	var actions []string
	for _, e := range ch.Timeline {
		actions = append(actions, e.Action)
	}
	if strings.Join(actions, " ") != "change.created change.approved apply.started apply.succeeded apply.in_sync" {
		t.Fatalf("timeline %v", actions)
	}
	var ref, actor string
	var actorToken, tokenID int64
	if err := app.db.Reader().QueryRow(`SELECT session_hash, actor_username, ifnull(actor_token, 0) FROM audit_events WHERE action = 'change.created'`).Scan(&ref, &actor, &actorToken); err != nil {
		t.Fatal(err)
	}
	app.db.Reader().QueryRow(`SELECT id FROM api_tokens`).Scan(&tokenID)
	if actor != "rita" || actorToken != tokenID || ref != fmt.Sprintf("token:%d", tokenID) {
		t.Fatalf("change.created by %q with token %d (%q), want rita with token %d", actor, actorToken, ref, tokenID)
	}
	// The API's audit events show the token in the actor, and the chain
	// (which hashes it) verifies.
	_, body = api.do(t, http.MethodGet, "/api/v1/audit/events?action=change.created", nil)
	if !strings.Contains(string(body), fmt.Sprintf(`"actor":{"user_id":%d,"username":"rita","role":"requester","token_id":%d}`, app.userID(t, "rita"), tokenID)) {
		t.Fatalf("the event's actor does not name the token: %s", body)
	}
	if rep, err := app.audit.Verify(context.Background()); err != nil || !rep.OK() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	// The token's use shows on the account page.
	if page := readBody(t, rita.get(t, "/account")); strings.Contains(page, `data-testid="token-last-used">never<`) {
		t.Fatal("the account page says the token was never used")
	}
}

// The audit log pages back by keyset cursor, and its newer cursor follows
// the log: asking again returns only what came after.
func TestAPIAuditFollowTheLogIncrementally(t *testing.T) {
	app := newTestApp(t)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	api := app.apiClient(t, vera.makeToken(t, "", "siem", "read", "7"))
	var page struct {
		Events []struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		} `json:"events"`
		Older, Newer string
	}
	get := func(q string) {
		t.Helper()
		res, body := api.do(t, http.MethodGet, "/api/v1/audit/events"+q, nil)
		page.Events = nil
		if err := json.Unmarshal(body, &page); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("audit %s: %d %s", q, res.StatusCode, body)
		}
	}
	get("?limit=2")
	if len(page.Events) != 2 || page.Older == "" {
		t.Fatalf("first page: %+v", page)
	}
	newest := page.Events[0].Seq
	next := page.Newer
	get("?cursor=" + url.QueryEscape(page.Older) + "&limit=2")
	if len(page.Events) == 0 || page.Events[0].Seq >= newest-1 {
		t.Fatalf("older page: %+v", page)
	}
	// Something happens; the follower gets only that.
	app.signIn(t, "arno", auth.RoleApprover)
	get("?cursor=" + url.QueryEscape(next))
	if len(page.Events) == 0 || page.Events[len(page.Events)-1].Seq != newest+1 {
		t.Fatalf("follow: %+v", page)
	}
	for _, e := range page.Events {
		if e.Seq <= newest {
			t.Fatalf("seq %d came again", e.Seq)
		}
	}
	// The same filters as the page, with the page's messages.
	res, body := api.do(t, http.MethodGet, "/api/v1/audit/events?outcome=maybe&account=12", nil)
	p := problemOf(t, res, body)
	errs, _ := p["errors"].(map[string]any)
	if res.StatusCode != http.StatusUnprocessableEntity || errs["outcome"] != "Choose success, failure or unknown." || errs["account"] != "Enter a 12-digit AWS account ID." {
		t.Fatalf("bad filter: %d %s", res.StatusCode, body)
	}
	res, body = api.do(t, http.MethodGet, "/api/v1/audit/events.jsonl?action=auth.sign_in", nil)
	if res.StatusCode != http.StatusOK || bytes.Count(body, []byte("\n")) != 2 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/jsonl") {
		t.Fatalf("jsonl: %d %q", res.StatusCode, body)
	}
}

// Every way in without a usable token is refused, and a token never works
// on the pages.
func TestAPIRefusals(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })
	app.seedCluster(t, "etl", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	good := rita.makeToken(t, "", "good", "request", "30")
	read := rita.makeToken(t, "", "read only", "read", "30")
	short := rita.makeToken(t, "", "short", "request", "1")
	revoked := rita.makeToken(t, "", "revoked", "request", "30")
	veraRead := vera.makeToken(t, "", "vera", "read", "30")
	var revokedID int64
	app.db.Reader().QueryRow(`SELECT id FROM api_tokens WHERE name = 'revoked'`).Scan(&revokedID)
	if res := rita.postForm(t, fmt.Sprintf("/account/tokens/%d/revoke", revokedID), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	// A viewer cannot even make a request token.
	res := vera.postForm(t, "/account/tokens", url.Values{"name": {"wide"}, "scope": {"request"}, "days": {"5"}})
	if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="token-scope-error"`) || !strings.Contains(body, `value="wide"`) {
		t.Fatalf("viewer's request token: %d", res.StatusCode)
	}
	// A token on a page form is refused, even with a valid CSRF token.
	res = rita.postRaw(t, "/clusters/"+testAccount+"/"+testRegion+"/etl/changes",
		url.Values{"_csrf": {rita.csrfToken(t)}, "add": {roleA}, "reason": {"Loader needs to COPY from the new bucket"}},
		map[string]string{"Authorization": "Bearer " + good})
	if res.Body.Close(); res.StatusCode != http.StatusForbidden {
		t.Fatalf("token on a page form: %d", res.StatusCode)
	}
	cookie := rita.sessionCookie(t)
	clock.advance(25 * time.Hour)
	create := map[string]any{"add": []string{roleA}, "reason": "Loader needs to COPY from the new bucket"}
	cases := []struct {
		name   string
		token  string
		method string
		path   string
		want   int
	}{
		{"no token", "", http.MethodGet, "/api/v1/clusters", http.StatusUnauthorized},
		{"unknown token", "rgp_" + strings.Repeat("a", 52), http.MethodGet, "/api/v1/clusters", http.StatusUnauthorized},
		{"not a token", "hello", http.MethodGet, "/api/v1/clusters", http.StatusUnauthorized},
		{"expired", short, http.MethodGet, "/api/v1/clusters", http.StatusUnauthorized},
		{"revoked", revoked, http.MethodGet, "/api/v1/clusters", http.StatusUnauthorized},
		{"scope too small", read, http.MethodPost, clusterAPI("etl") + "/changes", http.StatusForbidden},
		{"viewer creating a request", veraRead, http.MethodPost, clusterAPI("etl") + "/changes", http.StatusForbidden},
		{"good token reads", good, http.MethodGet, "/api/v1/clusters", http.StatusOK},
		{"unknown path", good, http.MethodGet, "/api/v1/nothing", http.StatusNotFound},
		{"no such request", good, http.MethodGet, "/api/v1/changes/999", http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.method == http.MethodPost {
				body = create
			}
			res, got := app.apiClient(t, tc.token).do(t, tc.method, tc.path, body)
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.want, got)
			}
			if tc.want >= 400 {
				problemOf(t, res, got)
			}
			if tc.want == http.StatusUnauthorized && res.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate")
			}
		})
	}
	if n := app.auditCount(t, "token.refused"); n != 2 {
		t.Errorf("%d token.refused events, want 2 (expired, revoked)", n)
	}
	// A session cookie never authenticates the API, with or without a token.
	for _, withToken := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodGet, app.url+"/api/v1/clusters", nil)
		req.AddCookie(cookie)
		if withToken {
			req.Header.Set("Authorization", "Bearer "+good)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("cookie (token %v): status %d, want 401", withToken, res.StatusCode)
		}
	}
	anon := app.newBrowser()
	req, _ := http.NewRequest(http.MethodGet, app.url+"/clusters", nil)
	req.Header.Set("Authorization", "Bearer "+good)
	if res, err := anon.client.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("token on a page: %v %v", err, res.StatusCode)
	}
	var n int
	app.db.Reader().QueryRow(`SELECT count(*) FROM change_requests`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d requests stored", n)
	}
	// Bodies: only JSON, of one object, within the size limit.
	api := app.apiClient(t, good)
	for _, tc := range []struct {
		name string
		body []byte
		ct   string
		want int
	}{
		{"form body", []byte("add=x"), "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"malformed JSON", []byte(`{"add": [`), "application/json", http.StatusBadRequest},
		{"unknown member", []byte(`{"approve": true}`), "application/json", http.StatusBadRequest},
		{"two values", []byte(`{} {}`), "application/json", http.StatusBadRequest},
		{"1 MiB", append(append([]byte(`{"reason":"`), bytes.Repeat([]byte("a"), 1<<20)...), '"', '}'), "application/json", http.StatusRequestEntityTooLarge},
	} {
		res, got := api.raw(t, http.MethodPost, clusterAPI("etl")+"/changes", tc.body, map[string]string{"Content-Type": tc.ct})
		if res.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d: %s", tc.name, res.StatusCode, tc.want, got)
			continue
		}
		if p := problemOf(t, res, got); strings.Contains(fmt.Sprint(p["detail"]), "json:") {
			t.Errorf("%s: the detail leaks the decoder's error: %s", tc.name, got)
		}
	}
}

// The API refuses the form's malformed inputs (security.md §7) with the
// form's messages, field by field, and calls AWS for none.
func TestAPIBadInputSameMessagesAsForm(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "strict", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	api := app.apiClient(t, rita.makeToken(t, "", "ci", "request", "30"))
	// Both come from the cluster list, so nothing below needs AWS.
	rita.get(t, "/clusters").Body.Close()
	rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/strict/changes/new").Body.Close()
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf("arn:aws:iam::123456789012:role/R%d", i))
	}
	reason := "A valid reason here"
	cases := []struct {
		name, field string
		add, remove []string
		reason      string
		ticket      string
	}{
		{"empty value", "form", nil, nil, reason, ""},
		{"11-digit account", "add", []string{"arn:aws:iam::12345678901:role/X"}, nil, reason, ""},
		{"13-digit account", "add", []string{"arn:aws:iam::1234567890123:role/X"}, nil, reason, ""},
		{"user instead of role", "add", []string{"arn:aws:iam::123456789012:user/X"}, nil, reason, ""},
		{"bad partition", "add", []string{"arn:aws-cn:iam::123456789012:role/X"}, nil, reason, ""},
		{"trailing space", "add", []string{roleA + " "}, nil, reason, ""},
		{"over 2048 bytes", "add", []string{"arn:aws:iam::123456789012:role/" + strings.Repeat("a", 2100)}, nil, reason, ""},
		{"NUL", "add", []string{"arn:aws:iam::123456789012:role/A\x00B"}, nil, reason, ""},
		{"same ARN in add and remove", "remove", []string{roleOld}, []string{roleOld}, reason, ""},
		{"more than the quota", "add", many, nil, reason, ""},
		{"no reason", "reason", []string{roleA}, nil, "", ""},
		{"CRLF in ticket", "ticket", []string{roleA}, nil, reason, "OPS-1\r\nX-Injected: 1"},
	}
	before := app.sim.Stats()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := api.do(t, http.MethodPost, clusterAPI("strict")+"/changes",
				map[string]any{"add": tc.add, "remove": tc.remove, "reason": tc.reason, "ticket": tc.ticket})
			p := problemOf(t, res, body)
			errs, _ := p["errors"].(map[string]any)
			msg, _ := errs[tc.field].(string)
			if res.StatusCode != http.StatusUnprocessableEntity || msg == "" {
				t.Fatalf("status %d, no message for %s: %s", res.StatusCode, tc.field, body)
			}
			form := changeForm(tc.add, tc.remove, "", tc.reason)
			form.Set("ticket", tc.ticket)
			page := readBody(t, rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/strict/changes", form))
			for _, line := range strings.Split(msg, "\n") {
				if !strings.Contains(page, htmlEscape(line)) {
					t.Fatalf("the form does not show the API's message %q", line)
				}
			}
		})
	}
	after := app.sim.Stats()
	if after.Calls("ModifyClusterIamRoles", "") != before.Calls("ModifyClusterIamRoles", "") || after.Calls("DescribeClusters", "") != before.Calls("DescribeClusters", "") {
		t.Error("AWS was called for refused input")
	}
}

// A token over its budget gets 429 with Retry-After; another token is not
// held back by it. An address that keeps sending tokens that are not ones
// is held back as well.
func TestAPIRateLimitPerToken(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.apiRate = 20 })
	vera := app.signIn(t, "vera", auth.RoleViewer)
	busy := app.apiClient(t, vera.makeToken(t, "", "busy", "read", "3"))
	calm := app.apiClient(t, vera.makeToken(t, "", "calm", "read", "3"))
	for i := range 2 {
		if res, body := busy.do(t, http.MethodGet, "/api/v1/audit/events?limit=1", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d %s", i, res.StatusCode, body)
		}
	}
	res, body := busy.do(t, http.MethodGet, "/api/v1/audit/events?limit=1", nil)
	problemOf(t, res, body)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "3" {
		t.Fatalf("third request: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if res, _ := calm.do(t, http.MethodGet, "/api/v1/audit/events?limit=1", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("another token: %d", res.StatusCode)
	}
	// Guessing tokens from one address is bounded too: 30 failures, then
	// 429 even for a good token from there.
	guess := app.apiClient(t, "rgp_"+strings.Repeat("b", 52))
	for i := range 30 {
		if res, _ := guess.do(t, http.MethodGet, "/api/v1/clusters", nil); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, res.StatusCode)
		}
	}
	res, body = guess.do(t, http.MethodGet, "/api/v1/clusters", nil)
	problemOf(t, res, body)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("guess 31: %d", res.StatusCode)
	}
}

// A requester cancels their own request by API, not someone else's.
func TestAPICancelOwnRequestOnly(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "etl", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	rob := app.signIn(t, "rob", auth.RoleRequester)
	id := rita.submit(t, "etl", changeForm([]string{roleA}, nil, "", "Loader needs to COPY from the new bucket"))
	robAPI := app.apiClient(t, rob.makeToken(t, "", "rob", "request", "3"))
	if res, body := robAPI.do(t, http.MethodPost, fmt.Sprintf("/api/v1/changes/%d/cancel", id), nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else's: %d %s", res.StatusCode, body)
	}
	ritaAPI := app.apiClient(t, rita.makeToken(t, "", "rita", "request", "3"))
	res, body := ritaAPI.do(t, http.MethodPost, fmt.Sprintf("/api/v1/changes/%d/cancel", id), nil)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"state":"cancelled"`) {
		t.Fatalf("own: %d %s", res.StatusCode, body)
	}
}

// Admins make service accounts, which cannot sign in, and their tokens;
// every creation and revocation is audited.
func TestServiceAccountTokensMadeByAdmins(t *testing.T) {
	app := newTestApp(t)
	ada := app.signIn(t, "ada", auth.RoleAdmin)
	res := ada.postForm(t, "/admin/service-accounts", url.Values{"username": {"etl-bot"}, "role": {"requester"}})
	loc := res.Header.Get("Location")
	if res.Body.Close(); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/users/") {
		t.Fatalf("add service account: %d %q", res.StatusCode, loc)
	}
	secret := ada.makeToken(t, loc+"/tokens", "nightly", "request", "30")
	if res, body := app.apiClient(t, secret).do(t, http.MethodGet, "/api/v1/audit/events?limit=1", nil); res.StatusCode != http.StatusOK {
		t.Fatalf("service token: %d %s", res.StatusCode, body)
	}
	// It has no password to sign in with.
	res = app.newBrowser().postForm(t, "/login", url.Values{"username": {"etl-bot"}, "password": {""}})
	if res.Body.Close(); res.StatusCode == http.StatusSeeOther {
		t.Fatal("a service account signed in")
	}
	// Nor can an admin give it one.
	res = ada.postForm(t, loc+"/password", url.Values{"password": {"a-long-enough-passphrase"}})
	if res.Body.Close(); res.StatusCode != http.StatusConflict {
		t.Fatalf("password for a service account: %d", res.StatusCode)
	}
	res = app.newBrowser().postForm(t, "/login", url.Values{"username": {"etl-bot"}, "password": {"a-long-enough-passphrase"}})
	if res.Body.Close(); res.StatusCode == http.StatusSeeOther {
		t.Fatal("a service account signed in with the refused password")
	}
	if page := readBody(t, ada.get(t, "/admin/users")); !strings.Contains(page, `data-testid="service-account"`) {
		t.Fatal("the users page does not mark the service account")
	}
	// A person's tokens are theirs: an admin cannot make one for them.
	rita := app.ensureUser(t, "rita", auth.RoleRequester)
	res = ada.postForm(t, fmt.Sprintf("/admin/users/%d/tokens", rita.ID), url.Values{"name": {"x"}, "scope": {"read"}, "days": {"1"}})
	if res.Body.Close(); res.StatusCode != http.StatusNotFound {
		t.Fatalf("admin token for a person: %d", res.StatusCode)
	}
	var id int64
	app.db.Reader().QueryRow(`SELECT id FROM api_tokens`).Scan(&id)
	if res := ada.postForm(t, fmt.Sprintf("%s/tokens/%d/revoke", loc, id), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if res, _ := app.apiClient(t, secret).do(t, http.MethodGet, "/api/v1/clusters", nil); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("revoked service token: %d", res.StatusCode)
	}
	for action, want := range map[string]int{"token.created": 1, "token.revoked": 1} {
		if n := app.auditCount(t, action); n != want {
			t.Errorf("%d %s events, want %d", n, action, want)
		}
	}
	var params string
	app.db.Reader().QueryRow(`SELECT params FROM audit_events WHERE action = 'token.created'`).Scan(&params)
	if strings.Contains(params, secret) || strings.Contains(params, secret[4:]) {
		t.Fatal("the audit log holds the secret")
	}
}

func (a *testApp) userID(t *testing.T, username string) int64 {
	t.Helper()
	u, err := a.users.ByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
