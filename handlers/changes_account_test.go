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

var actionError = regexp.MustCompile(`data-testid="action-error">([^<]*)<`)

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

// A role of an account listed in -iam-allowed-accounts passes the form's
// account check, saying why, and is submitted; the IAM check at approval
// agrees. A role of an unlisted account is still refused, with its reason.
func TestARoleOfAnAllowedAccountIsAcceptedAndAnUnlistedOneRefused(t *testing.T) {
	const allowedAcct, otherAcct = "999988887777", "210987654321"
	app := newTestAppWith(t, func(o *testOptions) {
		iamWorld()(o)
		o.iamAllowedAccounts = []string{allowedAcct}
	})
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	base := "/clusters/" + testAccount + "/" + testRegion + "/sales/changes"
	shared := "arn:aws:iam::" + allowedAcct + ":role/SharedCopy"
	form := changeForm([]string{shared}, nil, "", "Copy with the data team's shared role")

	// An account not listed is refused, with its reason next to the field.
	unlisted := "arn:aws:iam::" + otherAcct + ":role/SharedCopy"
	body := wantStatus(t, rita.postForm(t, base, changeForm([]string{unlisted}, nil, "", "Copy with another team's role")), http.StatusUnprocessableEntity, "submit of an unlisted account's role")
	if status, detail := accountCheckOf(t, body); status != "fail" || !strings.Contains(detail, otherAcct+" is not listed in -iam-allowed-accounts") {
		t.Fatalf("account check of an unlisted account: %q %q", status, detail)
	}
	if !strings.Contains(body, `id="add-error"`) {
		t.Fatalf("the refusal is not next to Roles to add:\n%s", body)
	}

	body = wantStatus(t, rita.postForm(t, base+"/preview", form), http.StatusOK, "preview of the allowed account's role")
	if status, detail := accountCheckOf(t, body); status != "pass" || !strings.Contains(detail, allowedAcct+", allowed by -iam-allowed-accounts") {
		t.Fatalf("preview's account check: %q %q, want pass naming -iam-allowed-accounts", status, detail)
	}
	id := rita.submit(t, "sales", form)
	body = readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
	if status, detail := accountCheckOf(t, body); status != "pass" || !strings.Contains(detail, "allowed by -iam-allowed-accounts") {
		t.Fatalf("request page's account check: %q %q", status, detail)
	}
	// The approval re-runs the IAM checks: the account check passes there
	// too (the simulator lets Rolegate pass no role of another account, so
	// the approval is refused for iam:PassRole, and for nothing else).
	body = wantStatus(t, arno.approve(t, id), http.StatusConflict, "approve")
	refusal := actionError.FindStringSubmatch(body)
	if refusal == nil || strings.Contains(refusal[1], "not listed in -iam-allowed-accounts") || !strings.Contains(refusal[1], "iam:PassRole") {
		t.Fatalf("the approval's IAM checks disagree with the form's account check: %q", refusal)
	}
	var params string
	if err := app.db.Reader().QueryRow(`SELECT params FROM audit_events WHERE change_id = ? AND action = 'change.approved' AND outcome = 'failure'`, id).Scan(&params); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(params, `{"kind":"account","status":"pass","detail":"the role is in account `+allowedAcct+`, not the cluster's account `+testAccount+`, and allowed by -iam-allowed-accounts"}`) {
		t.Fatalf("the approval's account check is not the allowed pass: %s", params)
	}
}
