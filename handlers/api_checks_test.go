package handlers_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

// apiChecksOut is what the API says of a request's pre-flight checks.
type apiChecksOut struct {
	ID     int64 `json:"id"`
	Checks []struct {
		Key, Name, Status, Detail string
	} `json:"checks"`
	ApprovalBlocked string `json:"approval_blocked"`
}

func (o apiChecksOut) check(key string) (status, detail string) {
	for _, c := range o.Checks {
		if c.Key == key {
			return c.Status, c.Detail
		}
	}
	return "", ""
}

// The API's change request carries the checks the request page shows: a
// role that fails one is shown failing with its reason, with why approval
// is blocked, in the very words an approver is refused with on the page.
func TestAPIShowsThePreflightChecksAndWhyApprovalIsBlocked(t *testing.T) {
	app := newTestAppWith(t, iamWorld())
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	api := app.apiClient(t, rita.makeToken(t, "", "deploy pipeline", "request", "30"))
	const reason = "does not allow redshift.amazonaws.com to call sts:AssumeRole"

	res, body := api.do(t, http.MethodPost, clusterAPI("sales")+"/changes", map[string]any{"add": []string{iamRole("LambdaOnly")}, "reason": "Loader needs to COPY from the new bucket"})
	var created apiChecksOut
	if err := json.Unmarshal(body, &created); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	res, body = api.do(t, http.MethodGet, fmt.Sprintf("/api/v1/changes/%d", created.ID), nil)
	var got apiChecksOut
	if err := json.Unmarshal(body, &got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("show: %d %s", res.StatusCode, body)
	}
	for name, o := range map[string]apiChecksOut{"created": created, "shown": got} {
		if status, detail := o.check("trust"); status != "fail" || !strings.Contains(detail, reason) {
			t.Fatalf("%s: trust check %q %q, want fail with %q", name, status, detail, reason)
		}
		if status, _ := o.check("exists"); status != "pass" {
			t.Fatalf("%s: exists check %q, want pass", name, status)
		}
		if !strings.Contains(o.ApprovalBlocked, "cannot be approved") || !strings.Contains(o.ApprovalBlocked, reason) {
			t.Fatalf("%s: approval_blocked %q", name, o.ApprovalBlocked)
		}
	}
	// The page's checklist is the same list.
	page := checksOf(readBody(t, arno.get(t, fmt.Sprintf("/changes/%d", got.ID))))
	if len(page) != len(got.Checks) {
		t.Fatalf("the page shows %d checks, the API %d", len(page), len(got.Checks))
	}
	for _, c := range got.Checks {
		if page[c.Key] != c.Status {
			t.Errorf("check %s: page %q, API %q", c.Key, page[c.Key], c.Status)
		}
	}

	// The API has no approving: that stays a person's act in the browser.
	res, body = api.raw(t, http.MethodPost, fmt.Sprintf("/api/v1/changes/%d/approve", got.ID), nil, nil)
	if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("approving through the API: %d %s", res.StatusCode, body)
	}
	// Approving on the page is refused with the reason the API gave.
	pageBody := wantStatus(t, arno.approve(t, got.ID), http.StatusConflict, "approve")
	m := actionError.FindStringSubmatch(pageBody)
	if m == nil || html.UnescapeString(m[1]) != got.ApprovalBlocked {
		t.Fatalf("the page refuses with %q, the API says %q", m, got.ApprovalBlocked)
	}

	// A role that passes every check blocks nothing.
	res, body = api.do(t, http.MethodPost, clusterAPI("sales")+"/changes", map[string]any{"add": []string{iamRole("RedshiftCopy")}, "reason": "Loader needs to COPY from the new bucket", "confirm_open": true, "open_seen": []int64{got.ID}})
	var good apiChecksOut
	if err := json.Unmarshal(body, &good); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create the good one: %d %s", res.StatusCode, body)
	}
	if status, _ := good.check("trust"); status != "pass" || good.ApprovalBlocked != "" {
		t.Fatalf("a good role: trust %q, approval_blocked %q", status, good.ApprovalBlocked)
	}
}
