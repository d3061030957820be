package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

const (
	analyticsAccount = "111122223333"
	analyticsCopy    = "arn:aws:iam::111122223333:role/AnalyticsCopy"
	analyticsNew     = "arn:aws:iam::111122223333:role/AnalyticsUnload"
	mainCopy         = "arn:aws:iam::123456789012:role/MainCopy"
)

// twoAccounts is Rolegate's own account and an analytics account reached
// through its RolegateAccess role, each with a cluster named "shared" in
// the test region, and "solo" in the analytics account only.
func twoAccounts(o *testOptions) {
	seed := func(acc, id, role string) redshiftsim.Seed {
		return redshiftsim.Seed{Account: acc, Region: testRegion, Cluster: redshiftsim.ClusterSpec{
			ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Roles: []redshiftsim.RoleSpec{{ARN: role}}, DefaultRole: role}}
	}
	o.world = &redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{
			{ID: testAccount},
			{ID: analyticsAccount, Roles: []redshiftsim.AssumableRole{{Name: "RolegateAccess", Trust: []string{testAccount}, AllowSourceIdentity: true}}},
		},
		Seeds: []redshiftsim.Seed{
			seed(testAccount, "shared", mainCopy),
			seed(analyticsAccount, "shared", analyticsCopy),
			seed(analyticsAccount, "solo", analyticsCopy),
		},
	}
	o.regions = []string{testRegion}
	o.accounts = []account.Spec{
		{ID: testAccount, Name: "main"},
		{ID: analyticsAccount, Name: "analytics", RoleARN: "arn:aws:iam::111122223333:role/RolegateAccess"},
	}
}

func TestAClusterNameInTwoAccountsIsTwoClusters(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	vera := app.signIn(t, "vera", auth.RoleViewer)

	d := doc(t, vera.get(t, "/clusters"), http.StatusOK)
	hrefs := map[string]string{}
	d.Find(`[data-testid="cluster-row"][data-id="shared"]`).Each(func(_ int, s *goquery.Selection) {
		hrefs[s.AttrOr("data-account", "")] = s.Find("a").AttrOr("href", "")
	})
	if hrefs[testAccount] != "/clusters/"+testAccount+"/"+testRegion+"/shared" || hrefs[analyticsAccount] != "/clusters/"+analyticsAccount+"/"+testRegion+"/shared" {
		t.Fatalf("shared's addresses %v", hrefs)
	}
	if n := d.Find(`[data-testid="cluster-account"]`).Length(); n != 3 {
		t.Errorf("%d account cells, want 3", n)
	}
	// Filtered by account, by its ID.
	d = doc(t, vera.get(t, "/clusters?account="+analyticsAccount), http.StatusOK)
	if n := d.Find(`[data-testid="cluster-row"]`).Length(); n != 2 {
		t.Errorf("%d clusters of analytics, want 2", n)
	}

	// Each page shows its own account's cluster.
	body := readBody(t, vera.get(t, "/clusters/"+analyticsAccount+"/"+testRegion+"/shared"))
	if !strings.Contains(body, analyticsCopy) || strings.Contains(body, mainCopy) || !strings.Contains(body, "analytics ("+analyticsAccount+")") {
		t.Error("analytics' shared shows another cluster's roles or no account")
	}

	// An old address redirects only when one account has the cluster.
	res := vera.get(t, "/clusters/"+testRegion+"/solo")
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/clusters/"+analyticsAccount+"/"+testRegion+"/solo" {
		t.Errorf("old address of solo: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if body := wantStatus(t, vera.get(t, "/clusters/"+testRegion+"/shared"), http.StatusMultipleChoices, "an ambiguous old address"); !strings.Contains(body, `data-testid="cluster-moved"`) {
		t.Error("the ambiguous old address does not offer the choice")
	}
}

func TestAChangeInAnotherAccountIsMadeAsItsApprover(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	res := rita.postForm(t, "/clusters/"+analyticsAccount+"/"+testRegion+"/shared/changes", changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive"))
	res.Body.Close()
	m := changeLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	r, err := app.changes.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Account != analyticsAccount {
		t.Fatalf("request's account %q", r.Account)
	}
	// The hash covers the account: the same change elsewhere is another.
	other := *r
	other.Account = testAccount
	if other.ComputeHash() == r.Hash {
		t.Error("the change hash does not depend on the account")
	}

	arno := app.signIn(t, "arno", auth.RoleApprover)
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	app.waitState(t, id, change.InSync)

	// The simulator saw the change in the analytics account, made by a
	// session named after the approver with the approver as its source
	// identity.
	var calls []redshiftsim.Call
	for _, c := range app.sim.Stats().Log {
		if c.Op == "ModifyClusterIamRoles" {
			calls = append(calls, c)
		}
	}
	if len(calls) != 1 {
		t.Fatalf("%d ModifyClusterIamRoles calls", len(calls))
	}
	if c := calls[0]; c.Account != analyticsAccount || c.SourceIdentity != "arno" || c.Session != "arno" || c.Cluster != "shared" {
		t.Errorf("call %+v", c)
	}
	// Only that account's cluster changed.
	for _, tc := range []struct {
		account string
		want    int
	}{{analyticsAccount, 2}, {testAccount, 1}} {
		cl, err := app.gateway.Cluster(context.Background(), tc.account, testRegion, "shared", true)
		if err != nil {
			t.Fatal(err)
		}
		if len(cl.API.IamRoles) != tc.want {
			t.Errorf("shared of %s has %d roles, want %d", tc.account, len(cl.API.IamRoles), tc.want)
		}
	}

	// Every event of the request names the account; the applied one names
	// the session.
	p, err := app.audit.Query(context.Background(), audit.Filter{ChangeID: id}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, e := range p.Events {
		if e.Target.Account != analyticsAccount {
			t.Errorf("%s names account %q", e.Action, e.Target.Account)
		}
		if e.Action == audit.ApplySucceeded {
			applied++
			params := string(e.Params)
			if !strings.Contains(params, `"assumed_role_arn":"arn:aws:sts::111122223333:assumed-role/RolegateAccess/arno"`) ||
				!strings.Contains(params, `"role_session_name":"arno"`) || !strings.Contains(params, `"source_identity":"arno"`) {
				t.Errorf("apply.succeeded params %s", params)
			}
		}
	}
	if applied != 1 {
		t.Errorf("%d apply.succeeded events", applied)
	}
	// The audit filter finds it by account.
	p, err = app.audit.Query(context.Background(), audit.Filter{Account: testAccount, ChangeID: id}, "", 10)
	if err != nil || len(p.Events) != 0 {
		t.Errorf("events of the request under the other account: %d, %v", len(p.Events), err)
	}
}

// An account added or disabled on the admin page is listed, or no longer,
// at once.
func TestAccountsChangedOnTheAdminPageReachTheListAtOnce(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) {
		twoAccounts(o)
		o.accounts = o.accounts[:1]
	})
	vera := app.signIn(t, "vera", auth.RoleViewer)
	count := func() int {
		return doc(t, vera.get(t, "/clusters"), http.StatusOK).Find(`[data-testid="cluster-row"]`).Length()
	}
	if n := count(); n != 1 {
		t.Fatalf("%d clusters with one account", n)
	}
	ada := app.signIn(t, "ada", auth.RoleAdmin)
	res := ada.postForm(t, "/admin/accounts", accountForm(analyticsAccount, "analytics", "arn:aws:iam::111122223333:role/RolegateAccess", "", "", ""))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", res.StatusCode)
	}
	if n := count(); n != 3 {
		t.Errorf("%d clusters after adding analytics, want 3", n)
	}
	res = ada.postForm(t, "/admin/accounts/"+analyticsAccount+"/disable", nil)
	res.Body.Close()
	if n := count(); n != 1 {
		t.Errorf("%d clusters after disabling analytics, want 1", n)
	}
}
