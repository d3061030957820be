package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// deleteCluster deletes a cluster the way its owner would, outside
// Rolegate, through the real SDK client.
func (a *testApp) deleteCluster(t *testing.T, id string) {
	t.Helper()
	if _, err := a.simClient().DeleteCluster(context.Background(), &redshift.DeleteClusterInput{
		ClusterIdentifier: aws.String(id), SkipFinalClusterSnapshot: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
}

// notFoundIDs are the request IDs of the simulator's ClusterNotFound
// answers about the cluster.
func (a *testApp) notFoundIDs(cluster string) []string {
	var out []string
	for _, c := range a.sim.Stats().Log {
		if c.Cluster == cluster && c.Code == "ClusterNotFound" {
			out = append(out, c.RequestID)
		}
	}
	return out
}

// goneEvent is the change.cluster_gone event of a request: who recorded
// it, its AWS request ID and error code.
func (a *testApp) goneEvent(t *testing.T, id int64) (actor, awsID, code string) {
	t.Helper()
	if err := a.db.Reader().QueryRow(`SELECT actor_username, aws_request_id, error_code FROM audit_events
		WHERE change_id = ? AND action = 'change.cluster_gone'`, id).Scan(&actor, &awsID, &code); err != nil {
		t.Fatalf("no change.cluster_gone event for request %d (%v): %v", id, a.changeActions(t, id), err)
	}
	return actor, awsID, code
}

// wantGonePage checks that the request page says the cluster is gone,
// why, and with which AWS request ID.
func wantGonePage(t *testing.T, b *browser, id int64, awsID string) {
	t.Helper()
	body := readBody(t, b.get(t, fmt.Sprintf("/changes/%d", id)))
	for _, want := range []string{"cluster gone", "ClusterNotFound", "no longer exists", awsID} {
		if !strings.Contains(body, want) {
			t.Fatalf("the request page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "could not be read from AWS just now") {
		t.Fatalf("the request page says the cluster could not be read, though AWS said it is gone:\n%s", body)
	}
}

// A cluster deleted between submission and approval: the approval is
// refused on the request page with the reason, the request ends as
// cluster gone, and the audit log holds the ClusterNotFound answer.
func TestChangeClusterDeletedBeforeApprovalEndsTheRequest(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "doomed", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "doomed", changeForm([]string{roleA}, nil, "", "Load the archive before it goes"))
	hash := arno.hashOf(t, id)

	app.deleteCluster(t, "doomed")
	res := arno.postForm(t, fmt.Sprintf("/changes/%d/approve", id), map[string][]string{"change_hash": {hash}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, `data-testid="action-error"`) || !strings.Contains(body, "ClusterNotFound") {
		t.Fatalf("approval of a request whose cluster is gone: %d\n%s", res.StatusCode, body)
	}
	r, err := app.changes.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != change.ClusterGone || !r.State.Done() || len(r.Approvals) != 0 {
		t.Fatalf("request after the refused approval: %s (%s), %d approvals", r.State, r.StateReason, len(r.Approvals))
	}
	actor, awsID, code := app.goneEvent(t, id)
	if actor != "arno" || code != "ClusterNotFound" || awsID == "" || !strings.Contains(strings.Join(app.notFoundIDs("doomed"), " "), awsID) {
		t.Fatalf("cluster_gone event: actor %q code %q AWS request ID %q; the simulator's ClusterNotFound answers %v", actor, code, awsID, app.notFoundIDs("doomed"))
	}
	wantGonePage(t, arno, id, awsID)
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 0", n)
	}
}

// A cluster deleted after approval while the worker waits for it (it is
// paused): the worker ends the request as cluster gone instead of waiting
// until its attempts run out.
func TestChangeClusterDeletedAfterApprovalEndsTheRequest(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.maxAttempts = 1000 })
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "retired", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "retired", changeForm([]string{roleA}, nil, "", "Ready the cluster for one last load"))
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, readBody(t, res))
	}
	deadline := time.Now().Add(20 * time.Second)
	for app.countEvents(t, id, "apply.held")+app.countEvents(t, id, "apply.waiting") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the worker never waited for the paused cluster: %v", app.changeActions(t, id))
		}
		time.Sleep(10 * time.Millisecond)
	}
	app.deleteCluster(t, "retired")
	r := app.waitState(t, id, change.ClusterGone)
	if !strings.Contains(r.StateReason, "ClusterNotFound") || r.AWSRequestID == "" {
		t.Fatalf("reason %q, AWS request ID %q", r.StateReason, r.AWSRequestID)
	}
	actor, awsID, code := app.goneEvent(t, id)
	if actor != "system" || code != "ClusterNotFound" || awsID != r.AWSRequestID || !strings.Contains(strings.Join(app.notFoundIDs("retired"), " "), awsID) {
		t.Fatalf("cluster_gone event: actor %q code %q AWS request ID %q, request %q, simulator %v", actor, code, awsID, r.AWSRequestID, app.notFoundIDs("retired"))
	}
	if n := app.countEvents(t, id, "apply.failed"); n != 0 {
		t.Fatalf("apply.failed events %d for a deleted cluster: %v", n, app.changeActions(t, id))
	}
	wantGonePage(t, arno, id, awsID)
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 0", n)
	}
}

// A cluster deleted after AWS accepted the change, while its roles are
// still being associated: following it ends as cluster gone instead of
// polling forever.
func TestChangeClusterDeletedWhileFollowingEndsTheRequest(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.sim.RoleDelay = time.Hour })
	app.seedCluster(t, "brief")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "brief", changeForm([]string{roleA}, nil, "", "Short-lived cluster needs COPY"))
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, readBody(t, res))
	}
	app.waitState(t, id, change.Applied)
	app.deleteCluster(t, "brief")
	r := app.waitState(t, id, change.ClusterGone)
	if !strings.Contains(r.StateReason, "had accepted the change") {
		t.Fatalf("reason %q", r.StateReason)
	}
	_, awsID, _ := app.goneEvent(t, id)
	if awsID == "" || awsID != r.AWSRequestID {
		t.Fatalf("cluster_gone AWS request ID %q, request %q", awsID, r.AWSRequestID)
	}
}
