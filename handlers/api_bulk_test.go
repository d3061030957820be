package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

type apiBulkOut struct {
	ID       int64  `json:"id"`
	State    string `json:"state"`
	Overall  string `json:"overall"`
	Done     bool   `json:"done"`
	AuditURL string `json:"audit_url"`
	Members  []struct {
		Region   string   `json:"region"`
		Cluster  string   `json:"cluster"`
		Outcome  string   `json:"outcome"`
		Add      []string `json:"add"`
		Note     string   `json:"note"`
		ChangeID int64    `json:"change_id"`
		State    string   `json:"state"`
		Progress string   `json:"progress"`
	} `json:"members"`
}

func (m apiBulkOut) states() string {
	var out []string
	for _, m := range m.Members {
		out = append(out, m.Region+"/"+m.Cluster+":"+m.Outcome+":"+m.State)
	}
	return strings.Join(out, " ")
}

// A request token proposes a set by the cluster list's filter and a named
// cluster; the set, its members (one needing no change) and their
// requests read as the bulk page says them, before and after a person
// approves it in the browser; the list has it newest first, and each
// member request names its bulk request.
func TestAPIBulkProposeByFilterAndClusterThenShowAndList(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	api := app.apiClient(t, rita.makeToken(t, "", "rollout", "request", "30"))
	reader := app.apiClient(t, app.signIn(t, "vera", auth.RoleViewer).makeToken(t, "", "dashboard", "read", "30"))
	rita.get(t, "/clusters").Body.Close() // the inventory the filter reads

	res, body := api.do(t, http.MethodPost, "/api/v1/bulk", map[string]any{
		"filter":   map[string]string{"q": "analytics", "region": testRegion},
		"clusters": []map[string]string{{"account": testAccount, "region": "us-east-1", "cluster": "sales"}, {"account": testAccount, "region": testRegion, "cluster": "analytics-a"}},
		"add":      []string{roleC}, "reason": "Spectrum for the analytics clusters and sales", "ticket": "OPS-22",
	})
	var b apiBulkOut
	if err := json.Unmarshal(body, &b); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("propose: %d %s", res.StatusCode, body)
	}
	if loc := res.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/bulk/%d", b.ID) {
		t.Fatalf("Location %q", loc)
	}
	want := "us-east-1/sales:change:pending eu-west-1/analytics-a:change:pending eu-west-1/analytics-b:no-op:no change needed"
	if b.State != "pending" || b.states() != want || b.Members[2].Note == "" || b.Members[0].Add[0] != roleC || b.AuditURL != fmt.Sprintf("/audit?bulk=%d", b.ID) {
		t.Fatalf("the proposed set: %s\nmembers %s, want %s", body, b.states(), want)
	}
	page := readBody(t, rita.get(t, fmt.Sprintf("/bulk/%d", b.ID)))
	for _, s := range []string{b.Overall, b.Members[1].Progress, b.Members[2].Progress} {
		if !strings.Contains(page, htmlEscape(s)) {
			t.Fatalf("the bulk page does not say %q", s)
		}
	}
	var ch struct {
		BulkID int64 `json:"bulk_id"`
	}
	_, body = reader.do(t, http.MethodGet, fmt.Sprintf("/api/v1/changes/%d", b.Members[0].ChangeID), nil)
	if err := json.Unmarshal(body, &ch); err != nil || ch.BulkID != b.ID {
		t.Fatalf("the member request does not name its bulk request: %s", body)
	}

	if res := arno.approveBulk(t, b.ID); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve in the browser: %d", res.StatusCode)
	}
	app.waitBulkDone(t, b.ID)
	_, body = reader.do(t, http.MethodGet, fmt.Sprintf("/api/v1/bulk/%d", b.ID), nil)
	b = apiBulkOut{}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	want = "us-east-1/sales:change:in-sync eu-west-1/analytics-a:change:in-sync eu-west-1/analytics-b:no-op:no change needed"
	if b.State != "approved" || !b.Done || b.states() != want {
		t.Fatalf("after the apply: %s", body)
	}
	if page := readBody(t, rita.get(t, fmt.Sprintf("/bulk/%d", b.ID))); !strings.Contains(page, htmlEscape(b.Overall)) {
		t.Fatalf("the bulk page does not say %q", b.Overall)
	}

	// The API's audit filter is the page's: the set's events and its
	// members' only.
	_, body = reader.do(t, http.MethodGet, fmt.Sprintf("/api/v1/audit/events?bulk=%d", b.ID), nil)
	var events struct {
		Events []struct {
			Action string `json:"action"`
			Target struct {
				ChangeID int64 `json:"change_id"`
			} `json:"target"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &events); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events.Events {
		member := e.Target.ChangeID != 0 && (e.Target.ChangeID == b.Members[0].ChangeID || e.Target.ChangeID == b.Members[1].ChangeID)
		if !member && !strings.HasPrefix(e.Action, "bulk.") {
			t.Fatalf("the bulk filter shows %s of change %d: %s", e.Action, e.Target.ChangeID, body)
		}
		seen[e.Action] = true
	}
	if !seen["bulk.submitted"] || !seen["bulk.approved"] || !seen["apply.in_sync"] {
		t.Fatalf("the bulk filter misses the set's events: %v", seen)
	}

	second := rita.submitBulk(t, bulkForm(rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {"us-east-1"}}), roleC, "Spectrum for the analytics clusters in Virginia"))
	var list struct {
		Bulks []struct {
			ID      int64  `json:"id"`
			Overall string `json:"overall"`
		} `json:"bulks"`
		Total int `json:"total"`
		Page  int `json:"page"`
		Pages int `json:"pages"`
	}
	_, body = reader.do(t, http.MethodGet, "/api/v1/bulk", nil)
	if err := json.Unmarshal(body, &list); err != nil || list.Total != 2 || list.Page != 1 || list.Pages != 1 || len(list.Bulks) != 2 ||
		list.Bulks[0].ID != second || list.Bulks[1].ID != b.ID || list.Bulks[1].Overall != b.Overall {
		t.Fatalf("the list, newest first: %s", body)
	}
	if res, body := reader.do(t, http.MethodGet, "/api/v1/bulk?page=2", nil); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"bulks":[]`) {
		t.Fatalf("page 2: %d %s", res.StatusCode, body)
	}
}

// A refused set is a 422 with the bulk form's own messages, per field and
// per cluster, and nothing stored; a read token or a viewer's token may
// read bulk requests but not propose one, and the refusal is audited.
func TestAPIBulkRefusalsSameMessagesAsFormAndScope(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	api := app.apiClient(t, rita.makeToken(t, "", "rollout", "request", "30"))
	rita.get(t, "/clusters").Body.Close()
	set := rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {testRegion}})
	byFilter := map[string]string{"q": "analytics", "region": testRegion}

	rita.submit(t, "analytics-a", changeForm([]string{roleB}, nil, "", "COPY from the new bucket"))
	busy := "member:" + testAccount + "/" + testRegion + "/analytics-a"
	cases := []struct {
		name, field string
		body        map[string]any
		form        url.Values
	}{
		{"short reason", "reason", map[string]any{"filter": byFilter, "add": []string{roleC}, "reason": "short"}, bulkForm(set, roleC, "short")},
		{"not a role ARN", "add", map[string]any{"filter": byFilter, "add": []string{"arn:aws:iam::123456789012:user/X"}, "reason": "A valid reason here"},
			bulkForm(set, "arn:aws:iam::123456789012:user/X", "A valid reason here")},
		{"a member with an open request", busy, map[string]any{"filter": byFilter, "add": []string{roleC}, "reason": "Spectrum for every analytics cluster"},
			bulkForm(set, roleC, "Spectrum for every analytics cluster")},
		{"no cluster", "form", map[string]any{"filter": map[string]string{"q": "nothing-like-this"}, "add": []string{roleC}, "reason": "A valid reason here"}, nil},
		{"a filter the list does not have", "filter", map[string]any{"filter": map[string]string{"name": "x"}, "add": []string{roleC}, "reason": "A valid reason here"}, nil},
		{"a cluster that is not an identifier", "clusters[0]", map[string]any{"clusters": []map[string]string{{"account": testAccount, "region": testRegion, "cluster": "Not_One"}}, "add": []string{roleC}, "reason": "A valid reason here"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := api.do(t, http.MethodPost, "/api/v1/bulk", tc.body)
			p := problemOf(t, res, body)
			errs, _ := p["errors"].(map[string]any)
			msg, _ := errs[tc.field].(string)
			if res.StatusCode != http.StatusUnprocessableEntity || msg == "" {
				t.Fatalf("status %d, no message for %s: %s", res.StatusCode, tc.field, body)
			}
			if tc.form == nil {
				return
			}
			page := readBody(t, rita.postForm(t, "/bulk", tc.form))
			for _, line := range strings.Split(msg, "\n") {
				if !strings.Contains(page, htmlEscape(line)) {
					t.Fatalf("the form does not show the API's message %q:\n%s", line, page)
				}
			}
		})
	}
	if list, _ := app.changes.ListBulks(context.Background(), 10); len(list) != 0 {
		t.Fatalf("%d bulk requests stored after refusals", len(list))
	}

	good := map[string]any{"filter": map[string]string{"q": "analytics", "region": "us-east-1"}, "add": []string{roleC}, "reason": "Spectrum for the analytics clusters"}
	for name, token := range map[string]string{
		"a requester's read token": rita.makeToken(t, "", "read only", "read", "30"),
		"a viewer's token":         vera.makeToken(t, "", "vera", "read", "30"),
	} {
		c := app.apiClient(t, token)
		res, body := c.do(t, http.MethodPost, "/api/v1/bulk", good)
		if p := problemOf(t, res, body); res.StatusCode != http.StatusForbidden || !strings.Contains(p["detail"].(string), "scope does not allow") {
			t.Fatalf("%s proposing a set: %d %s", name, res.StatusCode, body)
		}
		if res, body := c.do(t, http.MethodGet, "/api/v1/bulk", nil); res.StatusCode != http.StatusOK {
			t.Fatalf("%s listing bulk requests: %d %s", name, res.StatusCode, body)
		}
	}
	var denied int
	app.db.Reader().QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'auth.access_denied' AND params LIKE '%/api/v1/bulk%'`).Scan(&denied)
	if denied != 2 {
		t.Fatalf("%d auth.access_denied events for the bulk API, want 2", denied)
	}
	if list, _ := app.changes.ListBulks(context.Background(), 10); len(list) != 0 {
		t.Fatalf("%d bulk requests stored by tokens that may not request", len(list))
	}
	if res, body := api.do(t, http.MethodGet, "/api/v1/bulk/999", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown bulk request: %d %s", res.StatusCode, body)
	}
}
