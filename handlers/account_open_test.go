package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

// submitIn posts the new-change form of a cluster in account and returns
// the new request's ID.
func (b *browser) submitIn(t *testing.T, account, cluster string, form url.Values) int64 {
	t.Helper()
	res := b.postForm(t, "/clusters/"+account+"/"+testRegion+"/"+cluster+"/changes", form)
	body := readBody(t, res)
	m := changeLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit in %s: status %d, location %q:\n%s", account, res.StatusCode, res.Header.Get("Location"), body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// A request open on "shared" in the analytics account neither blocks nor
// shows on the cluster of the same name in Rolegate's own account: the
// list's badge, the cluster page, the new-change form and the one open
// request per cluster rule all go by account, region and cluster.
func TestAnOpenRequestInOneAccountDoesNotBlockTheSameNamedClusterInAnother(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	first := rita.submitIn(t, analyticsAccount, "shared", changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive"))
	link := fmt.Sprintf(`href="/changes/%d"`, first)

	body := wantStatus(t, rita.get(t, "/clusters"), http.StatusOK, "list")
	rowIn := func(account string) string {
		for _, row := range strings.Split(body, "</tr>") {
			if strings.Contains(row, `data-account="`+account+`"`) && strings.Contains(row, `data-id="shared"`) {
				return row
			}
		}
		t.Fatalf("no row of shared in %s", account)
		return ""
	}
	if !strings.Contains(rowIn(analyticsAccount), "open-badge") || strings.Contains(rowIn(testAccount), "open-badge") {
		t.Errorf("open badges: analytics %t, main %t; want only analytics'", strings.Contains(rowIn(analyticsAccount), "open-badge"), strings.Contains(rowIn(testAccount), "open-badge"))
	}
	body = wantStatus(t, rita.get(t, "/clusters?open=1"), http.StatusOK, "list of clusters with open requests")
	if n := strings.Count(body, `data-testid="cluster-row"`); n != 1 || !strings.Contains(body, `data-account="`+analyticsAccount+`"`) {
		t.Errorf("the open-requests filter shows %d clusters, want analytics' shared only", n)
	}

	mainPage := wantStatus(t, rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/shared"), http.StatusOK, "main's cluster page")
	if strings.Contains(mainPage, `data-testid="cluster-open-requests"`) || strings.Contains(mainPage, link) {
		t.Error("main's shared shows analytics' open request")
	}
	analyticsPage := wantStatus(t, rita.get(t, "/clusters/"+analyticsAccount+"/"+testRegion+"/shared"), http.StatusOK, "analytics' cluster page")
	if !strings.Contains(analyticsPage, `data-testid="cluster-open-requests"`) || !strings.Contains(analyticsPage, link) {
		t.Error("analytics' shared does not show its open request")
	}
	form := wantStatus(t, rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/shared/changes/new"), http.StatusOK, "main's form")
	if strings.Contains(form, `data-testid="open-requests"`) {
		t.Error("main's form lists analytics' open request")
	}

	// A request on main's shared goes in without any confirmation...
	second := rita.submitIn(t, testAccount, "shared", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))
	// ...and neither request page names the other as a sibling.
	for _, pair := range [][2]int64{{first, second}, {second, first}} {
		if body := readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", pair[0]))); strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, pair[1])) {
			t.Errorf("request %d links request %d of the other account", pair[0], pair[1])
		}
	}
	// ...while another on analytics' shared still needs the first seen.
	body = wantStatus(t, rita.postForm(t, "/clusters/"+analyticsAccount+"/"+testRegion+"/shared/changes",
		changeForm([]string{analyticsCopy}, nil, analyticsNew, "Make the unload role the default")), http.StatusUnprocessableEntity, "second on analytics")
	if !strings.Contains(body, fmt.Sprintf("#%d", first)) || strings.Contains(body, fmt.Sprintf("#%d", second)) {
		t.Errorf("the refusal should name #%d only:\n%s", first, body)
	}
}
