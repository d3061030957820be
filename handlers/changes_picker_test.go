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

func TestPickingARoleReturnsTheFormWithItAddedAndEverythingTypedKept(t *testing.T) {
	app := newTestAppWith(t, iamWorld())
	rita := app.signIn(t, "rita", auth.RoleRequester)
	base := "/clusters/" + testAccount + "/" + testRegion + "/sales/changes"
	typed := "arn:aws:iam::123456789012:role/NotPassable"
	res := rita.postForm(t, base+"/preview", url.Values{"add": {typed}, "reason": {"nightly loads"}, "ticket": {"OPS-7"}, "pick": {iamRole("RedshiftCopy")}})
	body := wantStatus(t, res, http.StatusOK, "pick")
	doc, _ := goquery.NewDocumentFromReader(strings.NewReader(body))
	if got := doc.Find("#add").Text(); got != typed+"\n"+iamRole("RedshiftCopy") {
		t.Fatalf("roles to add after the pick: %q", got)
	}
	if doc.Find("#reason").Text() != "nightly loads" || doc.Find("#ticket").AttrOr("value", "") != "OPS-7" {
		t.Fatal("the pick lost what was typed")
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("a pick sent %d changes", n)
	}
}
