package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

const (
	testRegion = "eu-west-1"
	// testAccount is the simulator's default account, which the test
	// gateway's own credentials reach.
	testAccount = redshiftsim.Account
	roleA       = "arn:aws:iam::123456789012:role/RedshiftCopy"
	roleB       = "arn:aws:iam::123456789012:role/RedshiftUnload"
	roleC       = "arn:aws:iam::123456789012:role/RedshiftSpectrum"
	roleOld     = "arn:aws:iam::123456789012:role/RedshiftLegacy"
)

// seedCluster puts a cluster with the given in-sync roles into the
// simulator.
func (a *testApp) seedCluster(t *testing.T, id string, roles ...string) {
	t.Helper()
	spec := redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available"}
	for _, r := range roles {
		spec.Roles = append(spec.Roles, redshiftsim.RoleSpec{ARN: r})
	}
	if err := a.sim.AddCluster(testRegion, spec); err != nil {
		t.Fatal(err)
	}
}

var changeLocation = regexp.MustCompile(`^/changes/(\d+)$`)

// submit posts the new-change form and returns the new request's ID.
func (b *browser) submit(t *testing.T, cluster string, form url.Values) int64 {
	t.Helper()
	res := b.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/"+cluster+"/changes", form)
	body := readBody(t, res)
	m := changeLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit: status %d, location %q:\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func changeForm(add []string, remove []string, def, reason string) url.Values {
	f := url.Values{"add": {strings.Join(add, "\n")}, "default": {def}, "reason": {reason}}
	for _, r := range remove {
		f.Add("remove", r)
	}
	return f
}

// approve posts the approval with the change hash the request page shows.
func (b *browser) approve(t *testing.T, id int64) *http.Response {
	t.Helper()
	return b.postForm(t, fmt.Sprintf("/changes/%d/approve", id), url.Values{"change_hash": {b.hashOf(t, id)}, "comment": {"looks right"}})
}

var hashField = regexp.MustCompile(`data-testid="change-hash">([0-9a-f]{64})<`)

func (b *browser) hashOf(t *testing.T, id int64) string {
	t.Helper()
	res := b.get(t, fmt.Sprintf("/changes/%d", id))
	body := readBody(t, res)
	m := hashField.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("request page %d: status %d, no change hash:\n%s", id, res.StatusCode, body)
	}
	return m[1]
}

// waitState waits until the request reaches want, failing on a state it
// cannot leave.
func (a *testApp) waitState(t *testing.T, id int64, want change.State) *change.Request {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r, err := a.changes.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r.State == want {
			return r
		}
		if r.State.Done() || time.Now().After(deadline) {
			t.Fatalf("request %d is %s (%s), want %s; events %v", id, r.State, r.StateReason, want, a.changeActions(t, id))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// changeActions lists the audit actions recorded for a request, in order.
func (a *testApp) changeActions(t *testing.T, id int64) []string {
	t.Helper()
	rows, err := a.db.Reader().Query(`SELECT action FROM audit_events WHERE change_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (a *testApp) countEvents(t *testing.T, id int64, action string) int {
	t.Helper()
	n := 0
	for _, x := range a.changeActions(t, id) {
		if x == action {
			n++
		}
	}
	return n
}

func TestChangeWholePathRequestApproveApplyInSync(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "sales", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)

	res := rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/sales/changes/new")
	if body := readBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(body, roleOld) {
		t.Fatalf("new-change form: %d\n%s", res.StatusCode, body)
	}
	id := rita.submit(t, "sales", changeForm([]string{roleA, roleB}, nil, roleA, "COPY from the new S3 bucket for sales"))

	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, readBody(t, res))
	}
	app.waitState(t, id, change.InSync)

	cl, ok := app.sim.Cluster(testRegion, "sales")
	if !ok {
		t.Fatal("cluster gone")
	}
	got := map[string]string{}
	for _, r := range cl.IamRoles {
		got[aws.ToString(r.IamRoleArn)] = aws.ToString(r.ApplyStatus)
	}
	for _, r := range []string{roleA, roleB, roleOld} {
		if got[r] != "in-sync" {
			t.Errorf("role %s: %q, want in-sync (all: %v)", r, got[r], got)
		}
	}
	if aws.ToString(cl.DefaultIamRoleArn) != roleA {
		t.Errorf("default %q, want %s", aws.ToString(cl.DefaultIamRoleArn), roleA)
	}
	want := []string{"change.created", "change.approved", "apply.started", "apply.succeeded", "apply.in_sync"}
	if got := app.changeActions(t, id); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("audit actions %v, want %v", got, want)
	}
	var snap, awsID string
	if err := app.db.Reader().QueryRow(`SELECT snapshot, aws_request_id FROM audit_events WHERE change_id = ? AND action = 'apply.succeeded'`, id).Scan(&snap, &awsID); err != nil {
		t.Fatal(err)
	}
	if awsID == "" || !strings.Contains(snap, `"ClusterIdentifier":"sales"`) || !strings.Contains(snap, roleB) {
		t.Fatalf("apply.succeeded lacks the AWS request ID or the returned snapshot: %q %s", awsID, snap)
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", testRegion); n != 1 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 1", n)
	}
	// The request page tells the story and has stopped polling.
	res = arno.get(t, fmt.Sprintf("/changes/%d", id))
	body := readBody(t, res)
	if !strings.Contains(body, `data-live="false"`) || !strings.Contains(body, "in-sync") {
		t.Fatalf("settled request page:\n%s", body)
	}
	if n := strings.Count(body, `data-testid="timeline-row"`); n != len(want) {
		t.Fatalf("the request page shows %d history rows, want %d", n, len(want))
	}
	// The cluster page lists the request and the cluster's audit history.
	body = readBody(t, arno.get(t, "/clusters/"+testAccount+"/"+testRegion+"/sales"))
	if !strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, id)) || !strings.Contains(body, "Every role of the change is in-sync") {
		t.Fatalf("the cluster page lacks the request or its history:\n%s", body)
	}
}

func TestChangeSelfApprovalRefusedEvenForAdmin(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "finance")
	ada := app.signIn(t, "ada", auth.RoleAdmin)
	id := ada.submit(t, "finance", changeForm([]string{roleA}, nil, "", "Grant the finance loader its role"))
	res := ada.approve(t, id)
	if body := readBody(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "your own request") || !strings.Contains(body, `data-testid="action-error"`) {
		t.Fatalf("self-approval: %d\n%s", res.StatusCode, body)
	}
	// A requester cannot approve anyone's request either.
	rita := app.signIn(t, "rita", auth.RoleRequester)
	if res := rita.postForm(t, fmt.Sprintf("/changes/%d/approve", id), url.Values{"change_hash": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("requester approving: %d", res.StatusCode)
	}
	if r, _ := app.changes.Get(context.Background(), id); r.State != change.Pending || len(r.Approvals) != 0 {
		t.Fatalf("request after refused approvals: %s, %d approvals", r.State, len(r.Approvals))
	}
	if n := app.countEvents(t, id, "auth.access_denied"); n < 1 {
		t.Fatalf("no access-denied event for the self-approval: %v", app.changeActions(t, id))
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 0", n)
	}
}

func TestChangeApprovalWithAnotherHashRefused(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "ops")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "ops", changeForm([]string{roleA}, nil, "", "Operations needs COPY access"))
	res := arno.postForm(t, fmt.Sprintf("/changes/%d/approve", id), url.Values{"change_hash": {strings.Repeat("0", 64)}})
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("approval of another hash: %d", res.StatusCode)
	}
}

// 50 approvals racing on one request: one wins, one call reaches AWS.
func TestChangeFiftyConcurrentApprovalsOneCall(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "race")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	id := rita.submit(t, "race", changeForm([]string{roleA}, nil, "", "Race the approvals on purpose"))
	var approvers []*browser
	for i := range 5 {
		approvers = append(approvers, app.signIn(t, fmt.Sprintf("approver%d", i), auth.RoleApprover))
	}
	hash := approvers[0].hashOf(t, id)
	var wg sync.WaitGroup
	codes := make(chan int, 50)
	for i := range 50 {
		wg.Add(1)
		go func(b *browser) {
			defer wg.Done()
			res := b.postForm(t, fmt.Sprintf("/changes/%d/approve", id), url.Values{"change_hash": {hash}})
			res.Body.Close()
			codes <- res.StatusCode
		}(approvers[i%len(approvers)])
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[http.StatusSeeOther] != 1 || count[http.StatusConflict] != 49 {
		t.Fatalf("status counts %v: want one approval and 49 conflicts", count)
	}
	app.waitState(t, id, change.InSync)
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 1 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want exactly 1", n)
	}
	if n := app.countEvents(t, id, "apply.started"); n != 1 {
		t.Fatalf("apply.started events %d, want 1", n)
	}
}

// The cluster changes behind Rolegate's back: approval is refused, the
// request goes stale, and the requester resubmits against the new state.
func TestChangeStaleRefusedThenResubmitted(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "drift", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "drift", changeForm([]string{roleA, roleB}, nil, "", "Add the loaders for the nightly batch"))
	hash := arno.hashOf(t, id)

	// Someone adds roleA directly, outside Rolegate.
	client := app.simClient()
	if _, err := client.ModifyClusterIamRoles(context.Background(), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("drift"), AddIamRoles: []string{roleA},
	}); err != nil {
		t.Fatal(err)
	}
	res := arno.postForm(t, fmt.Sprintf("/changes/%d/approve", id), url.Values{"change_hash": {hash}})
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "stale") || !strings.Contains(body, `data-testid="action-error"`) {
		t.Fatalf("approval of a drifted request: %d\n%s", res.StatusCode, body)
	}
	app.waitState(t, id, change.Stale)
	res = rita.postForm(t, fmt.Sprintf("/changes/%d/resubmit", id), nil)
	m := changeLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("resubmit: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	newID, _ := strconv.ParseInt(m[1], 10, 64)
	r, err := app.changes.Get(context.Background(), newID)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != change.Pending || strings.Join(r.Add, ",") != roleB || r.ResubmittedFrom != id {
		t.Fatalf("resubmitted request: %s add %v from %d", r.State, r.Add, r.ResubmittedFrom)
	}
	if res := arno.approve(t, newID); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve resubmitted: %d", res.StatusCode)
	}
	app.waitState(t, newID, change.InSync)
	if old, _ := app.changes.Get(context.Background(), id); old.State != change.Superseded || old.SupersededBy != newID {
		t.Fatalf("old request: %s superseded by %d", old.State, old.SupersededBy)
	}
}

// A paused cluster: the worker waits, recording each attempt, and applies
// once the cluster is resumed.
func TestChangeWaitsForPausedClusterThenApplies(t *testing.T) {
	app := newTestApp(t)
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "sleepy", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "sleepy", changeForm([]string{roleA}, nil, "", "Ready the cluster for Monday's load"))
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for app.countEvents(t, id, "apply.held") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no waiting attempts recorded: %v", app.changeActions(t, id))
		}
		time.Sleep(10 * time.Millisecond)
	}
	res := arno.get(t, fmt.Sprintf("/changes/%d", id))
	if body := readBody(t, res); !strings.Contains(body, "Waiting for the cluster") {
		t.Fatalf("request page does not say it waits for the cluster:\n%s", body)
	}
	client := app.simClient()
	if _, err := client.ResumeCluster(context.Background(), &redshift.ResumeClusterInput{ClusterIdentifier: aws.String("sleepy")}); err != nil {
		t.Fatal(err)
	}
	app.waitState(t, id, change.InSync)
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 1 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 1", n)
	}
}

func TestChangeFailsWhenClusterStaysBusyPastTheLimit(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.maxAttempts = 3 })
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "asleep", NodeType: "dc2.large", NumberOfNodes: 1, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "asleep", changeForm([]string{roleA}, nil, "", "This one will never wake up"))
	arno.approve(t, id).Body.Close()
	r := app.waitState(t, id, change.Failed)
	if !strings.Contains(r.StateReason, "gave up after 3 attempts") {
		t.Fatalf("failure reason %q", r.StateReason)
	}
	if n := app.countEvents(t, id, "apply.held"); n != 2 {
		t.Fatalf("apply.held events %d, want 2 (then the failure): %v", n, app.changeActions(t, id))
	}
	if n := app.countEvents(t, id, "apply.failed"); n != 1 {
		t.Fatalf("apply.failed events %d, want 1", n)
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("ModifyClusterIamRoles calls %d on a paused cluster, want 0", n)
	}
}

// Throttling on 30% of calls over 20 requests: each is applied exactly
// once.
func TestChangeThrottlingEachAppliedExactlyOnce(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.maxAttempts = 50 })
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	var ids []int64
	for i := range 20 {
		name := fmt.Sprintf("batch-%02d", i)
		app.seedCluster(t, name)
		ids = append(ids, rita.submit(t, name, changeForm([]string{roleA}, nil, "", "Batch loader role for "+name)))
	}
	app.sim.SetFaults(redshiftsim.Fault{Kind: "throttle", Rate: 0.3})
	for _, id := range ids {
		if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve %d: %d %s", id, res.StatusCode, readBody(t, res))
		}
	}
	for _, id := range ids {
		app.waitState(t, id, change.InSync)
		if n := app.countEvents(t, id, "apply.succeeded"); n != 1 {
			t.Fatalf("request %d: apply.succeeded %d, want 1: %v", id, n, app.changeActions(t, id))
		}
	}
	for i := range 20 {
		cl, _ := app.sim.Cluster(testRegion, fmt.Sprintf("batch-%02d", i))
		if len(cl.IamRoles) != 1 || aws.ToString(cl.IamRoles[0].IamRoleArn) != roleA {
			t.Fatalf("cluster %d roles %v", i, cl.IamRoles)
		}
	}
}

// Every malformed input of the security checklist gets 422 with its
// message next to the field, the input kept, and no call at the simulator.
func TestChangeBadInputGets422WithoutAWSCall(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "strict", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	// The requester comes from the cluster list; what follows must not
	// reach AWS.
	rita.get(t, "/clusters").Body.Close()
	rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/strict/changes/new").Body.Close()
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf("arn:aws:iam::123456789012:role/R%d", i))
	}
	cases := []struct {
		name, field string
		form        url.Values
	}{
		{"empty value", "form", changeForm(nil, nil, "", "A valid reason here")},
		{"11-digit account", "add", changeForm([]string{"arn:aws:iam::12345678901:role/X"}, nil, "", "A valid reason here")},
		{"13-digit account", "add", changeForm([]string{"arn:aws:iam::1234567890123:role/X"}, nil, "", "A valid reason here")},
		{"user instead of role", "add", changeForm([]string{"arn:aws:iam::123456789012:user/X"}, nil, "", "A valid reason here")},
		{"bad partition", "add", changeForm([]string{"arn:aws-cn:iam::123456789012:role/X"}, nil, "", "A valid reason here")},
		{"trailing space", "add", changeForm([]string{roleA + " "}, nil, "", "A valid reason here")},
		{"over 2048 bytes", "add", changeForm([]string{"arn:aws:iam::123456789012:role/" + strings.Repeat("a", 2100)}, nil, "", "A valid reason here")},
		{"NUL", "add", changeForm([]string{"arn:aws:iam::123456789012:role/A\x00B"}, nil, "", "A valid reason here")},
		{"same ARN in add and remove", "remove", changeForm([]string{roleOld}, []string{roleOld}, "", "A valid reason here")},
		{"more than the quota", "add", changeForm(many, nil, "", "A valid reason here")},
		{"service-linked role", "add", changeForm([]string{"arn:aws:iam::123456789012:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift"}, nil, "", "A valid reason here")},
		{"duplicate", "add", changeForm([]string{roleA, roleA}, nil, "", "A valid reason here")},
		{"no reason", "reason", changeForm([]string{roleA}, nil, "", "")},
		{"CRLF in ticket", "ticket", url.Values{"add": {roleA}, "reason": {"A valid reason here"}, "ticket": {"OPS-1\r\nX-Injected: 1"}}},
	}
	before := app.sim.Stats()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/strict/changes", tc.form)
			body := readBody(t, res)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422:\n%s", res.StatusCode, body)
			}
			if !strings.Contains(body, `id="`+tc.field+`-error"`) {
				t.Fatalf("no message next to %s:\n%s", tc.field, body)
			}
			if add := tc.form.Get("add"); add != "" && len(add) < 200 && !strings.Contains(body, htmlEscape(add)) {
				t.Fatalf("the typed ARNs are not kept in the form")
			}
		})
	}
	after := app.sim.Stats()
	for _, op := range []string{"DescribeClusters", "ModifyClusterIamRoles"} {
		if after.Calls(op, "") != before.Calls(op, "") {
			t.Errorf("%s calls went from %d to %d during refused submits", op, before.Calls(op, ""), after.Calls(op, ""))
		}
	}
	var n int
	app.db.Reader().QueryRow(`SELECT count(*) FROM change_requests`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d requests stored from bad input", n)
	}
}

// Hostile text is stored as typed and rendered escaped.
func TestChangeReasonIsStoredAsTypedAndEscaped(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "xss")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	reason := "' OR 1=1-- <script>alert(1)</script> \"><img src=x onerror=alert(1)> \u202egnp.exe \u200b"
	id := rita.submit(t, "xss", changeForm([]string{roleA}, nil, "", reason))
	r, err := app.changes.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Reason != strings.TrimSpace(reason) {
		t.Fatalf("reason stored as %q", r.Reason)
	}
	body := readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") {
		t.Fatal("the reason is rendered unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the escaped reason is missing")
	}
}

func TestChangeRejectNeedsCommentAndKeepsIt(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "nope")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "nope", changeForm([]string{roleA}, nil, "", "Please add this role"))
	res := arno.postForm(t, fmt.Sprintf("/changes/%d/reject", id), url.Values{"comment": {"  "}})
	if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "say why") {
		t.Fatalf("reject without comment: %d\n%s", res.StatusCode, body)
	}
	res = arno.postForm(t, fmt.Sprintf("/changes/%d/reject", id), url.Values{"comment": {"Use the shared loader role instead"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %d", res.StatusCode)
	}
	if r, _ := app.changes.Get(context.Background(), id); r.State != change.Rejected || r.DecisionComment == "" {
		t.Fatalf("after reject: %s %q", r.State, r.DecisionComment)
	}
	// The requester cannot reject; only they can cancel.
	id2 := rita.submit(t, "nope", changeForm([]string{roleB}, nil, "", "Second try with another role"))
	if res := arno.postForm(t, fmt.Sprintf("/changes/%d/cancel", id2), nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("approver cancelling someone else's request: %d", res.StatusCode)
	}
	if res := rita.postForm(t, fmt.Sprintf("/changes/%d/cancel", id2), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("requester cancelling: %d", res.StatusCode)
	}
}

func TestChangeHighRiskNeedsTwoApprovers(t *testing.T) {
	app := newTestApp(t)
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{
		ID: "prod", NodeType: "ra3.4xlarge", NumberOfNodes: 4, Status: "available",
		Roles: []redshiftsim.RoleSpec{{ARN: roleOld}}, DefaultRole: roleOld,
		Tags: map[string]string{"environment": "production"},
	}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	anna := app.signIn(t, "anna", auth.RoleApprover)
	id := rita.submit(t, "prod", changeForm([]string{roleA}, nil, roleA, "Switch the default to the new loader"))
	arno.approve(t, id).Body.Close()
	r, _ := app.changes.Get(context.Background(), id)
	if r.State != change.Pending || r.ApprovalsRequired != 2 {
		t.Fatalf("after one approval of a high-risk change: %s, needs %d", r.State, r.ApprovalsRequired)
	}
	body := readBody(t, arno.get(t, fmt.Sprintf("/changes/%d", id)))
	if strings.Contains(body, `data-testid="approve-form"`) {
		t.Fatal("the approve form is offered again to someone who approved")
	}
	if res := arno.approve(t, id); res.StatusCode != http.StatusConflict {
		t.Fatalf("second approval by the same person: %d", res.StatusCode)
	}
	anna.approve(t, id).Body.Close()
	app.waitState(t, id, change.InSync)
}

func TestChangeQueueFilters(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "q1")
	app.seedCluster(t, "q2")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id1 := rita.submit(t, "q1", changeForm([]string{roleA}, nil, "", "Queue entry number one"))
	id2 := rita.submit(t, "q2", changeForm([]string{roleA}, nil, "", "Queue entry number two"))
	arno.approve(t, id1).Body.Close()
	app.waitState(t, id1, change.InSync)

	body := readBody(t, arno.get(t, "/changes?mine=1"))
	if !strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, id2)) || strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, id1)) {
		t.Fatalf("mine to approve should list only #%d:\n%s", id2, body)
	}
	body = readBody(t, arno.get(t, "/changes?cluster=q1"))
	if !strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, id1)) || strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, id2)) {
		t.Fatalf("cluster filter:\n%s", body)
	}
	res := arno.get(t, "/changes?state=bogus")
	if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "bogus") {
		t.Fatalf("bad state filter: %d\n%s", res.StatusCode, body)
	}
}

// simClient talks to the simulator directly, the way someone changing a
// cluster outside Rolegate would.
func (a *testApp) simClient() *redshift.Client {
	return redshift.New(redshift.Options{
		Region: testRegion, BaseEndpoint: aws.String(a.simURL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
}

func htmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")
	return r.Replace(s)
}
