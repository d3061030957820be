package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// clusterRowOf is a cluster's row in the list, or "" when it is not shown.
func clusterRowOf(body, cluster string) string {
	m := regexp.MustCompile(`(?s)<tr data-testid="cluster-row" data-account="[^"]*" data-region="[^"]+" data-id="` + regexp.QuoteMeta(cluster) + `">.*?</tr>`).FindString(body)
	return m
}

// A cluster with an open request carries a badge linking to it on the
// cluster list, and the list can be filtered to such clusters; the badge
// and the filter follow the requests as they open.
func TestClusterListMarksOpenRequests(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "busy", roleOld)
	app.seedCluster(t, "quiet", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)

	body := wantStatus(t, rita.get(t, "/clusters"), http.StatusOK, "list")
	if strings.Contains(clusterRowOf(body, "busy"), "open-badge") {
		t.Fatalf("a badge before any request:\n%s", clusterRowOf(body, "busy"))
	}
	id := rita.submit(t, "busy", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))

	body = wantStatus(t, rita.get(t, "/clusters"), http.StatusOK, "list")
	busy, quiet := clusterRowOf(body, "busy"), clusterRowOf(body, "quiet")
	if !strings.Contains(busy, fmt.Sprintf(`<a href="/changes/%d" class="badge badge-warn" data-testid="open-badge">1 open request</a>`, id)) {
		t.Errorf("the busy cluster's row has no badge linking to request %d:\n%s", id, busy)
	}
	if quiet == "" || strings.Contains(quiet, "open-badge") {
		t.Errorf("the quiet cluster's row: %q", quiet)
	}
	body = wantStatus(t, rita.get(t, "/clusters?open=1"), http.StatusOK, "filtered list")
	if clusterRowOf(body, "busy") == "" || clusterRowOf(body, "quiet") != "" || !strings.Contains(body, `name="open" value="1" checked`) {
		t.Errorf("the open-requests filter shows busy %t, quiet %t", clusterRowOf(body, "busy") != "", clusterRowOf(body, "quiet") != "")
	}
	if n := strings.Count(body, `data-testid="cluster-row"`); n != 1 {
		t.Errorf("the filter shows %d clusters, want 1", n)
	}

	// The cluster page lists it with what it would change.
	body = wantStatus(t, rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/busy"), http.StatusOK, "cluster page")
	if !strings.Contains(body, `data-testid="cluster-open-requests"`) || !strings.Contains(body, "+ "+roleA) {
		t.Errorf("the cluster page does not show the open request and its change")
	}
	if strings.Index(body, `data-testid="cluster-iam-roles"`) > strings.Index(body, `data-testid="cluster-fields"`) {
		t.Errorf("the IAM roles come after the cluster's other facts")
	}
}

// A second request on a cluster is accepted only once the form has shown
// the open ones and the requester confirmed; the two request pages then
// link each other.
func TestChangeSecondRequestNeedsConfirmation(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "shared", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	rolf := app.signIn(t, "rolf", auth.RoleRequester)
	first := rolf.submit(t, "shared", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))

	form := wantStatus(t, rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/shared/changes/new"), http.StatusOK, "form")
	if !strings.Contains(form, `data-testid="open-requests"`) || !strings.Contains(form, "+ "+roleA) || !strings.Contains(form, fmt.Sprintf(`href="/changes/%d"`, first)) {
		t.Fatalf("the form does not show the open request and what it changes:\n%s", form)
	}
	second := changeForm([]string{roleB}, nil, "", "Unload jobs need their own role")
	path := "/clusters/" + testAccount + "/" + testRegion + "/shared/changes"

	// Without the open request's ID (the form was never read) and without
	// the confirmation: refused, the open request named.
	body := wantStatus(t, rita.postForm(t, path, second), http.StatusUnprocessableEntity, "unseen")
	if !strings.Contains(body, `data-testid="open-error"`) || !strings.Contains(body, fmt.Sprintf("#%d", first)) {
		t.Errorf("no message naming the unseen request:\n%s", body)
	}
	// Shown, but not confirmed: refused.
	seen := cloneForm(second)
	seen.Set("open_seen", fmt.Sprint(first))
	body = wantStatus(t, rita.postForm(t, path, seen), http.StatusUnprocessableEntity, "unconfirmed")
	if !strings.Contains(body, "confirm that you want to submit another") {
		t.Errorf("no message asking to confirm:\n%s", body)
	}
	if n := len(app.changesOf(t, "shared")); n != 1 {
		t.Fatalf("%d requests stored after refusals, want 1", n)
	}
	if n := app.auditCount(t, "change.refused"); n != 2 {
		t.Errorf("%d refused submissions in the audit log, want 2", n)
	}

	// Another request opens while rita reads the form: what she saw is no
	// longer all there is.
	third := rolf.submitConfirmed(t, "shared", changeForm([]string{roleC}, nil, "", "Spectrum needs its own role too"), first)
	seen.Set("confirm_open", "1")
	body = wantStatus(t, rita.postForm(t, path, seen), http.StatusUnprocessableEntity, "a request opened meanwhile")
	if !strings.Contains(body, fmt.Sprintf("#%d", third)) {
		t.Errorf("the refusal does not name the request opened meanwhile:\n%s", body)
	}
	seen["open_seen"] = []string{fmt.Sprint(first), fmt.Sprint(third)}
	id := rita.submit(t, "shared", seen)

	// Each request page links its open siblings.
	for _, pair := range [][2]int64{{id, first}, {first, id}, {id, third}} {
		body := readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", pair[0])))
		m := regexp.MustCompile(`(?s)<dd data-testid="siblings">.*?</dd>`).FindString(body)
		if !strings.Contains(m, fmt.Sprintf(`href="/changes/%d"`, pair[1])) {
			t.Errorf("request %d does not link its sibling %d: %q", pair[0], pair[1], m)
		}
		if strings.Contains(m, fmt.Sprintf(`href="/changes/%d"`, pair[0])) {
			t.Errorf("request %d lists itself as a sibling", pair[0])
		}
	}
}

// submitConfirmed submits a request on a cluster with open requests, as
// the form does once the requester confirmed.
func (b *browser) submitConfirmed(t *testing.T, cluster string, form url.Values, open ...int64) int64 {
	t.Helper()
	f := cloneForm(form)
	for _, id := range open {
		f.Add("open_seen", fmt.Sprint(id))
	}
	f.Set("confirm_open", "1")
	return b.submit(t, cluster, f)
}

func cloneForm(f url.Values) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// The cluster list shows the tags that decide approval as a column, marks
// the clusters whose changes need two approvers, and filters by them.
func TestClusterListApprovalTagsColumnAndFilter(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.highRiskTags = []string{"data=pii"} })
	for id, tags := range map[string]map[string]string{
		"tag-prod":    {"environment": "production"},
		"tag-staging": {"environment": "staging"},
		"tag-pii":     {"data": "pii", "environment": "staging"},
	} {
		if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available", Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	vera := app.signIn(t, "vera", auth.RoleViewer)
	body := wantStatus(t, vera.get(t, "/clusters"), http.StatusOK, "list")
	for id, want := range map[string]struct {
		two  bool
		tags []string
	}{
		"tag-prod":    {true, []string{"environment=production"}},
		"tag-staging": {false, []string{"environment=staging"}},
		"tag-pii":     {true, []string{"environment=staging", "data=pii"}},
	} {
		row := clusterRowOf(body, id)
		if !strings.Contains(row, fmt.Sprintf(`data-two-approvers="%t"`, want.two)) {
			t.Errorf("%s: two approvers should be %t:\n%s", id, want.two, row)
		}
		for _, tag := range want.tags {
			if !strings.Contains(row, "<code>"+tag+"</code>") {
				t.Errorf("%s: the approval tags column lacks %s:\n%s", id, tag, row)
			}
		}
	}
	for _, tag := range []string{"environment=production", "data=pii"} {
		if !strings.Contains(body, `<option value="`+tag+`">`) {
			t.Errorf("the tag filter does not offer %s", tag)
		}
	}
	body = wantStatus(t, vera.get(t, "/clusters?tag="+url.QueryEscape("data=pii")), http.StatusOK, "filtered")
	if n := strings.Count(body, `data-testid="cluster-row"`); n != 1 || clusterRowOf(body, "tag-pii") == "" {
		t.Errorf("the data=pii filter shows %d clusters", n)
	}
	body = wantStatus(t, vera.get(t, "/clusters?tag="+url.QueryEscape("environment=production")), http.StatusOK, "filtered")
	if n := strings.Count(body, `data-testid="cluster-row"`); n != 1 || clusterRowOf(body, "tag-prod") == "" {
		t.Errorf("the production filter shows %d clusters", n)
	}
}
