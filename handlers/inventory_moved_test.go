package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// Every address the pages had before accounts leads, when one account
// has the cluster, to the same page at the cluster's address in its
// account: 301 for a GET, 308 for a form (which the browser sends again to
// the new address, unchanged), the rest of the path and the query kept.
func TestAnOldAddressOfAClusterOneAccountHasRedirectsToItsAccountsAddress(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	solo := "/clusters/" + analyticsAccount + "/" + testRegion + "/solo"
	for _, tc := range []struct{ old, want string }{
		{"/clusters/" + testRegion + "/solo", solo},
		{"/clusters/" + testRegion + "/solo/roles", solo + "/roles"},
		{"/clusters/" + testRegion + "/solo/snapshot.json", solo + "/snapshot.json"},
		{"/clusters/" + testRegion + "/solo/changes/new?add=x", solo + "/changes/new?add=x"},
	} {
		res := rita.get(t, tc.old)
		res.Body.Close()
		if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != tc.want {
			t.Errorf("GET %s: %d %q, want 301 to %s", tc.old, res.StatusCode, res.Header.Get("Location"), tc.want)
		}
		wantStatus(t, rita.get(t, res.Header.Get("Location")), http.StatusOK, "the new address of "+tc.old)
	}
	form := changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive")
	for _, tc := range []struct{ old, want string }{
		{"/clusters/" + testRegion + "/solo/changes/preview", solo + "/changes/preview"},
		{"/clusters/" + testRegion + "/solo/changes", solo + "/changes"},
	} {
		res := rita.postForm(t, tc.old, form)
		res.Body.Close()
		if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != tc.want {
			t.Errorf("POST %s: %d %q, want 308 to %s", tc.old, res.StatusCode, res.Header.Get("Location"), tc.want)
		}
	}
	// Nothing was stored on the way: the 308 only names the new address.
	if reqs := app.changesOf(t, "solo"); len(reqs) != 0 {
		t.Errorf("%d requests stored by redirected forms", len(reqs))
	}
	// The redirect keeps the role check of the page it leads to.
	vera := app.signIn(t, "vera", auth.RoleViewer)
	wantStatus(t, vera.get(t, "/clusters/"+testRegion+"/solo/changes/new"), http.StatusForbidden, "a viewer at the old form")
	// A cluster no account has in that region is not found.
	wantStatus(t, rita.get(t, "/clusters/"+testRegion+"/nowhere"), http.StatusNotFound, "an old address of no cluster")
	wantStatus(t, rita.get(t, "/clusters/us-west-2/solo"), http.StatusNotFound, "an old address in another region")
}

// An old address of a cluster name that several accounts have in the
// region offers each, by the account's name and ID, with 300.
func TestAnOldAddressOfAClusterSeveralAccountsHaveOffersTheChoice(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	d := doc(t, rita.get(t, "/clusters/"+testRegion+"/shared/roles?x=1"), http.StatusMultipleChoices)
	choices := map[string]string{}
	d.Find(`[data-testid="cluster-moved-choice"]`).Each(func(_ int, s *goquery.Selection) {
		a := s.Find("a")
		choices[strings.Join(strings.Fields(a.Text()), " ")] = a.AttrOr("href", "")
	})
	want := map[string]string{
		"main (" + testAccount + ")":           "/clusters/" + testAccount + "/" + testRegion + "/shared/roles?x=1",
		"analytics (" + analyticsAccount + ")": "/clusters/" + analyticsAccount + "/" + testRegion + "/shared/roles?x=1",
	}
	if len(choices) != len(want) {
		t.Fatalf("choices %v, want %v", choices, want)
	}
	for label, href := range want {
		if choices[label] != href {
			t.Errorf("choice %q links %q, want %q (all: %v)", label, choices[label], href, choices)
		}
	}
	// A form sent to an ambiguous old address is not sent on: the choice
	// leads to each cluster's page, and nothing is stored.
	d = doc(t, rita.postForm(t, "/clusters/"+testRegion+"/shared/changes", changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive")), http.StatusMultipleChoices)
	if href := d.Find(`[data-testid="cluster-moved-choice"][data-account="`+analyticsAccount+`"] a`).AttrOr("href", ""); href != "/clusters/"+analyticsAccount+"/"+testRegion+"/shared" {
		t.Errorf("the choice after a form links %q", href)
	}
	if reqs := app.changesOf(t, "shared"); len(reqs) != 0 {
		t.Errorf("%d requests stored by a form sent to an ambiguous address", len(reqs))
	}
}

// A cluster named "roles" keeps its page, although the old roles
// fragment's address has the same shape.
func TestAClusterNamedRolesKeepsItsPage(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "roles", NodeType: "ra3.xlplus", NumberOfNodes: 2}); err != nil {
		t.Fatal(err)
	}
	vera := app.signIn(t, "vera", auth.RoleViewer)
	body := wantStatus(t, vera.get(t, "/clusters/"+testAccount+"/"+testRegion+"/roles"), http.StatusOK, "the page of the cluster named roles")
	if !strings.Contains(body, `data-testid="cluster-iam-roles"`) {
		t.Error("the address of the cluster named roles does not show its page")
	}
}
