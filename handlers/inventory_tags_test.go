package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// The approval-tag filter stays chosen: its option is selected on the
// filtered page and the sort links keep it; with no approval tag set
// beyond the production one, the filter offers just that one.
func TestClusterListTagFilterIsKeptAcrossSorting(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.highRiskTags = []string{"data=pii"} })
	for id, tags := range map[string]map[string]string{
		"keep-pii":  {"data": "pii"},
		"keep-prod": {"environment": "production"},
		"keep-none": {"team": "bi"},
	} {
		if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available", Tags: tags}); err != nil {
			t.Fatal(err)
		}
	}
	vera := app.signIn(t, "vera", auth.RoleViewer)
	body := wantStatus(t, vera.get(t, "/clusters?tag="+url.QueryEscape("data=pii")), http.StatusOK, "filtered")
	if !strings.Contains(body, `<option value="data=pii" selected>`) {
		t.Error("the chosen tag is not selected in the filter")
	}
	if !strings.Contains(body, "sort=id&amp;tag=data%3Dpii") && !strings.Contains(body, "tag=data%3Dpii&amp;sort=") && !strings.Contains(body, "sort=id&tag=data%3Dpii") {
		t.Errorf("the sort links drop the tag filter:\n%s", body)
	}
	body = wantStatus(t, vera.get(t, "/clusters?sort=id&dir=desc&tag="+url.QueryEscape("data=pii")), http.StatusOK, "filtered and sorted")
	if n := strings.Count(body, `data-testid="cluster-row"`); n != 1 || clusterRowOf(body, "keep-pii") == "" {
		t.Errorf("sorting the data=pii filter shows %d clusters", n)
	}

	plain := newTestApp(t)
	body = wantStatus(t, plain.signIn(t, "vera", auth.RoleViewer).get(t, "/clusters"), http.StatusOK, "list")
	if strings.Count(body, `(two approvers)</option>`) != 1 || !strings.Contains(body, `<option value="environment=production">`) {
		t.Error("without more approval tags the filter should offer the production tag alone")
	}
}
