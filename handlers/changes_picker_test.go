package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

func TestThePickerFindsRolesByPartOfTheirNameMarkedByTrustAndAttachment(t *testing.T) {
	app := newTestAppWith(t, iamWorld())
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "ledger", Roles: []redshiftsim.RoleSpec{{ARN: iamRole("RedshiftCopy")}}}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	form := "/clusters/" + testAccount + "/" + testRegion + "/ledger/changes/new"

	body := wantStatus(t, rita.get(t, form+"?role_q=ONLY"), http.StatusOK, "search")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows := doc.Find(`[data-testid="role-result"]`)
	if rows.Length() != 1 || rows.AttrOr("data-arn", "") != iamRole("LambdaOnly") || rows.AttrOr("data-trusts", "") != "false" {
		t.Fatalf("search ONLY: %d rows, first %q trusts %q", rows.Length(), rows.AttrOr("data-arn", ""), rows.AttrOr("data-trusts", ""))
	}
	if v := doc.Find("#role-q").AttrOr("value", ""); v != "ONLY" {
		t.Fatalf("the search field lost what was typed: %q", v)
	}

	// An empty search lists every role; the attached one is marked, not offered.
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(readBody(t, rita.get(t, form+"?role_q="))))
	attached := doc.Find(`[data-testid="role-result"][data-arn="` + iamRole("RedshiftCopy") + `"]`)
	if attached.Find(`[data-testid="role-attached"]`).Length() != 1 || attached.Find(`[data-testid="role-pick"]`).Length() != 0 {
		t.Fatalf("the attached role is not shown as attached:\n%s", body)
	}
	if n := doc.Find(`[data-testid="role-pick"]`).Length(); n != 2 {
		t.Fatalf("%d roles offered, want the 2 not attached", n)
	}

	// With htmx only the results come back.
	req, _ := http.NewRequest(http.MethodGet, app.url+form+"?role_q=pass", nil)
	req.Header.Set("HX-Request", "true")
	hres, err := rita.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	frag := readBody(t, hres)
	if strings.Contains(frag, "<html") || !strings.Contains(frag, `data-arn="`+iamRole("NotPassable")+`"`) {
		t.Fatalf("htmx search answer:\n%s", frag)
	}
}

// Without JavaScript the search is a part of the change form: Search roles
// posts the whole form, which comes back with every field as typed and the
// roles found; Add posts it again with the role added to Roles to add.
// Neither stores, sends or records anything.
func TestSearchingAndPickingWithinTheFormKeepEverythingTyped(t *testing.T) {
	app := newTestAppWith(t, iamWorld())
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "ledger", Roles: []redshiftsim.RoleSpec{{ARN: iamRole("LambdaOnly")}}}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	base := "/clusters/" + testAccount + "/" + testRegion + "/ledger/changes"
	typed := "arn:aws:iam::123456789012:role/NotPassable"
	form := url.Values{
		"add": {typed}, "remove": {iamRole("LambdaOnly")}, "default": {typed},
		"reason": {"nightly loads into the ledger"}, "ticket": {"OPS-7"}, "role_q": {"copy"},
	}
	kept := func(t *testing.T, doc *goquery.Document, add string) {
		t.Helper()
		if got := doc.Find("#add").Text(); got != add {
			t.Errorf("roles to add: %q, want %q", got, add)
		}
		if got := doc.Find("#reason").Text(); got != "nightly loads into the ledger" {
			t.Errorf("reason: %q", got)
		}
		if got := doc.Find("#ticket").AttrOr("value", ""); got != "OPS-7" {
			t.Errorf("ticket: %q", got)
		}
		if got := doc.Find("#default option[selected]").AttrOr("value", ""); got != typed {
			t.Errorf("default: %q, want %q", got, typed)
		}
		if doc.Find(`[data-testid="field-remove"][checked]`).AttrOr("value", "") != iamRole("LambdaOnly") {
			t.Error("the role ticked to remove is no longer ticked")
		}
		if got := doc.Find("#role-q").AttrOr("value", ""); got != "copy" {
			t.Errorf("search field: %q", got)
		}
	}
	before := auditCount(t, app)

	body := wantStatus(t, rita.postForm(t, base+"/search", form), http.StatusOK, "search")
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	kept(t, doc, typed)
	pick := doc.Find(`[data-testid="role-result"][data-arn="` + iamRole("RedshiftCopy") + `"] [data-testid="role-pick"]`)
	if pick.Length() != 1 || pick.AttrOr("formaction", "") != base+"/search" || pick.AttrOr("value", "") != iamRole("RedshiftCopy") {
		t.Fatalf("the search does not offer RedshiftCopy to add through the form:\n%s", body)
	}
	// The search and its results are in the change form itself.
	if doc.Find(`#change-form #role-q, #change-form [data-testid="role-search-submit"], #change-form [data-testid="role-pick"]`).Length() != 3 {
		t.Fatal("the search, its button or the results are outside the change form")
	}

	form.Set("pick", iamRole("RedshiftCopy"))
	body = wantStatus(t, rita.postForm(t, base+"/search", form), http.StatusOK, "pick")
	doc, _ = goquery.NewDocumentFromReader(strings.NewReader(body))
	kept(t, doc, typed+"\n"+iamRole("RedshiftCopy"))
	if doc.Find(`[data-testid="role-result"][data-arn="`+iamRole("RedshiftCopy")+`"] [data-testid="role-adding"]`).Length() != 1 {
		t.Errorf("the picked role is not shown as in Roles to add:\n%s", body)
	}
	if n := doc.Find(`[data-testid="diff-row"][data-change="added"]`).Length(); n != 2 {
		t.Errorf("the preview shows %d roles added, want the typed and the picked", n)
	}

	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("a search sent %d changes", n)
	}
	if n := len(app.changesOf(t, "ledger")); n != 0 {
		t.Fatalf("a search stored %d requests", n)
	}
	if after := auditCount(t, app); after != before {
		var actions string
		_ = app.db.Reader().QueryRow(`SELECT group_concat(action) FROM audit_events WHERE actor_username = 'rita'`).Scan(&actions)
		t.Fatalf("a search wrote %d audit events: %s", after-before, actions)
	}
	// A POST like every other: without the CSRF token it is refused.
	if res := rita.postRaw(t, base+"/search", url.Values{"add": {typed}}, map[string]string{"X-CSRF-Token": "wrong"}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a search with a wrong CSRF token: %d", res.StatusCode)
	}
}

// auditCount counts the audit events rita caused (the sweep records its
// own as it goes).
func auditCount(t *testing.T, app *testApp) int {
	t.Helper()
	var n int
	if err := app.db.Reader().QueryRow(`SELECT count(*) FROM audit_events WHERE actor_username = 'rita'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
