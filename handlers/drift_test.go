package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/auth"
	"rolegate/internal/change"
)

// sweepNow lists the clusters afresh, as the next sweep does.
func (a *testApp) sweepNow(t *testing.T) {
	t.Helper()
	a.gateway.Refresh("")
	if _, err := a.gateway.List(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// outside changes the cluster's roles straight at the simulator, as the
// console or the CLI would.
func (a *testApp) outside(t *testing.T, in *redshift.ModifyClusterIamRolesInput) {
	t.Helper()
	if _, err := a.simClient().ModifyClusterIamRoles(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	// The role settles on the simulator's next read.
	if _, err := a.simClient().DescribeClusters(context.Background(), &redshift.DescribeClustersInput{ClusterIdentifier: in.ClusterIdentifier}); err != nil {
		t.Fatal(err)
	}
}

func TestARoleAddedOutsideRolegateIsBadgedFilteredShownAndRevertedThroughApproval(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "sales", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	app.sweepNow(t)
	if body := readBody(t, rita.get(t, "/clusters")); strings.Contains(body, `data-testid="drift-badge"`) {
		t.Fatal("a cluster first seen is badged as drift")
	}

	app.outside(t, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("sales"), AddIamRoles: []string{roleC}})
	app.sweepNow(t)

	body := readBody(t, rita.get(t, "/clusters"))
	if n := strings.Count(body, `data-testid="drift-badge"`); n != 1 {
		t.Fatalf("drift badges on the list: %d, want 1", n)
	}
	body = readBody(t, rita.get(t, "/clusters?drift=1"))
	if n := strings.Count(body, `data-testid="cluster-row"`); n != 1 || !strings.Contains(body, `data-id="sales"`) {
		t.Fatalf("the filter shows %d rows, want sales alone:\n%s", n, body)
	}
	// The API lists the same clusters under the same filter and says which
	// were changed outside Rolegate.
	api := app.apiClient(t, rita.makeToken(t, "", "drift watch", "read", "1"))
	if res, b := api.do(t, http.MethodGet, "/api/v1/clusters?drift=1", nil); res.StatusCode != http.StatusOK ||
		strings.Count(string(b), `"id":`) != 1 || !strings.Contains(string(b), `"id":"sales"`) || !strings.Contains(string(b), `"drifted":true`) {
		t.Fatalf("API drift filter: %d %s", res.StatusCode, b)
	}
	page := "/clusters/" + testAccount + "/" + testRegion + "/sales"
	body = readBody(t, rita.get(t, page))
	if !strings.Contains(body, `data-testid="cluster-drift"`) || !strings.Contains(body, `data-testid="drift-added">Added: <code>`+roleC) {
		t.Fatalf("the cluster page lacks the drift and its difference:\n%s", body)
	}
	if strings.Contains(body, `data-testid="drift-accept"`) || !strings.Contains(body, `data-testid="drift-revert"`) {
		t.Error("a requester is offered accept, or not offered revert")
	}

	// Proposing the revert opens the form with the change that restores
	// the audited state.
	res := rita.postForm(t, page+"/drift/revert", url.Values{})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, page+"/changes/new?") {
		t.Fatalf("revert: %d to %q", res.StatusCode, loc)
	}
	form := readBody(t, rita.get(t, loc))
	if !regexp.MustCompile(`name="remove" value="` + regexp.QuoteMeta(roleC) + `" id="remove-\d+" checked`).MatchString(form) {
		t.Fatalf("the change form is not prefilled with the removal of %s:\n%s", roleC, form)
	}
	if app.auditCount(t, "drift.revert_proposed") != 1 {
		t.Error("the revert proposal is not audited")
	}
	id := rita.submit(t, "sales", changeForm(nil, []string{roleC}, "", "Revert the change made outside Rolegate"))
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	app.waitState(t, id, change.InSync)
	app.sweepNow(t)

	if body := readBody(t, rita.get(t, "/clusters")); strings.Contains(body, `data-testid="drift-badge"`) {
		t.Fatal("still badged after the revert went in-sync")
	}
	if body := readBody(t, rita.get(t, page)); strings.Contains(body, `data-testid="cluster-drift"`) {
		t.Fatal("the cluster page still shows the drift")
	}
	if app.auditCount(t, "drift.detected") != 1 || app.auditCount(t, "drift.resolved") != 1 {
		t.Errorf("drift events: %d detected, %d resolved; want 1 and 1", app.auditCount(t, "drift.detected"), app.auditCount(t, "drift.resolved"))
	}
}

func TestAcceptingADriftNeedsAnApproverAndAComment(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "sales", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	app.sweepNow(t)
	app.outside(t, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("sales"), RemoveIamRoles: []string{roleOld}})
	app.sweepNow(t)
	page := "/clusters/" + testAccount + "/" + testRegion + "/sales"

	if res := rita.postForm(t, page+"/drift/accept", url.Values{"comment": {"fine"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a requester accepting: %d, want 403", res.StatusCode)
	}
	res := arno.postForm(t, page+"/drift/accept", url.Values{"comment": {"   "}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="drift-comment-error"`) || !strings.Contains(body, "Say why") {
		t.Fatalf("accept without a comment: %d\n%s", res.StatusCode, body)
	}
	if app.auditCount(t, "drift.accepted") != 0 {
		t.Fatal("a refused accept was recorded")
	}
	if res := arno.postForm(t, page+"/drift/accept", url.Values{"comment": {"The legacy role was retired, CHG-77"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %d", res.StatusCode)
	}
	app.sweepNow(t)
	if body := readBody(t, arno.get(t, page)); strings.Contains(body, `data-testid="cluster-drift"`) {
		t.Fatal("the drift is still shown after it was accepted")
	}
	if app.auditCount(t, "drift.accepted") != 1 || app.auditCount(t, "drift.detected") != 1 {
		t.Errorf("events: %d accepted, %d detected; want 1 and 1", app.auditCount(t, "drift.accepted"), app.auditCount(t, "drift.detected"))
	}
}

// A drift goes to the channels subscribed to alerts, once, linking the
// cluster's page; a channel of approvals does not hear of it.
func TestADriftIsSentToTheAlertChannelsOnce(t *testing.T) {
	app := newTestApp(t)
	alerts, approvals := newHookReceiver(t, hookSecret), newHookReceiver(t, hookSecret)
	admin := app.signIn(t, "adam", auth.RoleAdmin)
	for _, f := range []url.Values{
		{"name": {"#dba-alerts"}, "kind": {"webhook"}, "target": {alerts.srv.URL}, "secret": {hookSecret}, "topics": {"alerts"}, "enabled": {"1"}},
		{"name": {"#dba-approvals"}, "kind": {"webhook"}, "target": {approvals.srv.URL}, "secret": {hookSecret}, "topics": {"approvals"}, "enabled": {"1"}},
	} {
		if res := admin.postForm(t, "/admin/notifications", f); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add channel %s: %d\n%s", f.Get("name"), res.StatusCode, readBody(t, res))
		}
	}
	app.seedCluster(t, "sales", roleOld)
	app.sweepNow(t)
	app.outside(t, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("sales"), AddIamRoles: []string{roleC}})
	app.sweepNow(t)
	app.sweepNow(t)
	waitFor(t, func() bool { ev, _ := alerts.got(); return len(ev) == 1 })
	ev, bad := alerts.got()
	if ev[0] != "drift" || bad != 0 {
		t.Fatalf("alert channel got %v (%d badly signed)", ev, bad)
	}
	alerts.mu.Lock()
	body := alerts.bodies[0]
	alerts.mu.Unlock()
	if !strings.Contains(body, roleC) || !strings.Contains(body, "/clusters/"+testAccount+"/"+testRegion+"/sales") {
		t.Errorf("the drift message lacks the added role or the cluster's link: %s", body)
	}
	app.sweepNow(t)
	time.Sleep(200 * time.Millisecond)
	if ev, _ := alerts.got(); len(ev) != 1 {
		t.Errorf("the same drift was sent %d times", len(ev))
	}
	if ev, _ := approvals.got(); len(ev) != 0 {
		t.Errorf("the approvals channel heard of the drift: %v", ev)
	}
}
