package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

var checkItem = regexp.MustCompile(`(?s)<li data-testid="check"[^>]* data-status="([^"]+)"[^>]*>.*?<strong>([^<]+)</strong> <span class="muted small">([^<]*)</span>`)

// accountCheckOf is the status and detail of the account check a page
// shows.
func accountCheckOf(t *testing.T, body string) (status, detail string) {
	t.Helper()
	for _, m := range checkItem.FindAllStringSubmatch(body, -1) {
		if m[2] == "Roles in the cluster&#39;s account" {
			return m[1], m[3]
		}
	}
	t.Fatalf("no account check on the page:\n%s", body)
	return "", ""
}

// When the API does not report the cluster's namespace ARN, the account of
// the cluster is unknown: the account check says it was not done and why,
// instead of passing a role of another account.
func TestChangeAccountCheckNotCheckedWhenTheAccountIsUnknown(t *testing.T) {
	app := newTestApp(t)
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "nameless", NoNamespaceARN: true}); err != nil {
		t.Fatal(err)
	}
	app.seedCluster(t, "named")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	foreign := "arn:aws:iam::999999999999:role/OtherAccountCopy"
	form := changeForm([]string{foreign}, nil, "", "Copy from the partner account")

	res := rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/nameless/changes/preview", form)
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.StatusCode, body)
	}
	if status, detail := accountCheckOf(t, body); status != "not checked" || !strings.Contains(detail, "ClusterNamespaceArn") {
		t.Fatalf("preview's account check: %q %q, want not checked with the reason", status, detail)
	}
	id := rita.submit(t, "nameless", form)
	body = readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
	if status, detail := accountCheckOf(t, body); status != "not checked" || !strings.Contains(detail, "account is unknown") {
		t.Fatalf("request page's account check: %q %q, want not checked with the reason", status, detail)
	}

	// Where the account is known, the same role fails the check and the
	// submission.
	res = rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/named/changes", form)
	body = readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("submitting another account's role: %d\n%s", res.StatusCode, body)
	}
	if status, detail := accountCheckOf(t, body); status != "fail" || !strings.Contains(detail, "999999999999") {
		t.Fatalf("account check where the account is known: %q %q", status, detail)
	}
	// And a role of the cluster's own account passes it.
	res = rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/named/changes/preview", changeForm([]string{roleA}, nil, "", "Copy from our own account"))
	if status, _ := accountCheckOf(t, readBody(t, res)); status != "pass" {
		t.Fatalf("account check of an own-account role: %q", status)
	}
}
