package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// arnoInAnalytics is the session a change approved by arno is made in, in
// the analytics account.
const arnoInAnalytics = "arn:aws:sts::111122223333:assumed-role/RolegateAccess/arno"

// analyticsClient reaches the analytics account the way its owner would:
// through the RolegateAccess role, with the real SDK.
func (a *testApp) analyticsClient() *redshift.Client {
	hc := &http.Client{Transport: redshiftsim.ClientTransport()}
	base := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	stsc := sts.New(sts.Options{Region: testRegion, BaseEndpoint: aws.String(a.simURL), Credentials: base, HTTPClient: hc})
	return redshift.New(redshift.Options{
		Region: testRegion, BaseEndpoint: aws.String(a.simURL), HTTPClient: hc,
		Credentials: aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, "arn:aws:iam::111122223333:role/RolegateAccess", func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "owner"
		})),
	})
}

// approvedIn submits and approves a change on a cluster of the analytics
// account, and returns its ID.
func approvedIn(t *testing.T, app *testApp, cluster string) int64 {
	t.Helper()
	rita := app.signIn(t, "rita", auth.RoleRequester)
	id := rita.submitIn(t, analyticsAccount, cluster, changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive"))
	if res := app.signIn(t, "arno", auth.RoleApprover).approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, readBody(t, res))
	}
	return id
}

// wantSessionInEvery checks that every event of the apply of request id
// names arno's session in the analytics account, and that the actions
// recorded include want.
func wantSessionInEvery(t *testing.T, app *testApp, id int64, want ...audit.Action) {
	t.Helper()
	p, err := app.audit.Query(context.Background(), audit.Filter{ChangeID: id}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[audit.Action]bool{}
	for _, e := range p.Events {
		switch e.Action {
		case audit.ChangeCreated, audit.ChangeApproved:
			continue
		}
		seen[e.Action] = true
		var params map[string]any
		if err := json.Unmarshal(e.Params, &params); err != nil {
			t.Fatalf("%s params %s: %v", e.Action, e.Params, err)
		}
		if params["assumed_role_arn"] != arnoInAnalytics || params["role_session_name"] != "arno" || params["source_identity"] != "arno" {
			t.Errorf("%s does not name arno's session: %s", e.Action, e.Params)
		}
	}
	for _, a := range want {
		if !seen[a] {
			t.Errorf("no %s event; events %v", a, app.changeActions(t, id))
		}
	}
}

// Every event of an apply in an account reached through a role names the
// session the change is made in, whatever the outcome: throttled, a server
// error, no answer and the reconciling read after each, then success.
func TestEveryApplyEventNamesTheAssumedSession(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	app.sim.SetFaults(
		redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultThrottle, Next: 1},
		redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultInternal, Next: 1},
		redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultDrop, Next: 1},
	)
	id := approvedIn(t, app, "solo")
	app.waitState(t, id, change.InSync)
	wantSessionInEvery(t, app, id, audit.ApplyStarted, audit.ApplyWaiting, audit.ApplyServerErr, audit.ApplyUnknown,
		audit.ApplyReconciled, audit.ApplySucceeded, audit.ApplyInSync)
}

// The same holds when nothing could be sent (the cluster stays paused)
// and the apply fails, and when the cluster is deleted under the apply.
func TestApplyEventsThatSentNothingNameTheSessionToo(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) {
		twoAccounts(o)
		o.maxAttempts = 3
	})
	for _, id := range []string{"asleep", "retired"} {
		if err := app.sim.AddClusterIn(analyticsAccount, testRegion, redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "paused"}); err != nil {
			t.Fatal(err)
		}
	}
	failed := approvedIn(t, app, "asleep")
	app.waitState(t, failed, change.Failed)
	wantSessionInEvery(t, app, failed, audit.ApplyHeld, audit.ApplyFailed)

	gone := approvedIn(t, app, "retired")
	deadline := time.Now().Add(20 * time.Second)
	for app.countEvents(t, gone, "apply.held") < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the worker never waited for the paused cluster: %v", app.changeActions(t, gone))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := app.analyticsClient().DeleteCluster(context.Background(), &redshift.DeleteClusterInput{
		ClusterIdentifier: aws.String("retired"), SkipFinalClusterSnapshot: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	app.waitState(t, gone, change.ClusterGone)
	wantSessionInEvery(t, app, gone, audit.ApplyHeld, audit.ChangeClusterGone)
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Errorf("%d ModifyClusterIamRoles calls on paused clusters", n)
	}
}
