package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// bulkWorld is four analytics clusters over two regions, one of which
// already carries roleC, and a sales cluster the filter leaves out.
func bulkWorld() []redshiftsim.Seed {
	var out []redshiftsim.Seed
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for i, id := range []string{"analytics-a", "analytics-b", "sales"} {
			spec := redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}}
			if region == "eu-west-1" && i == 1 {
				spec.Roles = append(spec.Roles, redshiftsim.RoleSpec{ARN: roleC})
			}
			out = append(out, redshiftsim.Seed{Region: region, Cluster: spec})
		}
	}
	return out
}

func newBulkApp(t *testing.T) *testApp {
	t.Helper()
	return newTestAppWith(t, func(o *testOptions) { o.seeds = bulkWorld() })
}

var (
	bulkTarget   = regexp.MustCompile(`<input type="hidden" name="c" value="([^"]+)"`)
	bulkLocation = regexp.MustCompile(`^/bulk/(\d+)$`)
	bulkHash     = regexp.MustCompile(`data-testid="bulk-hash">([0-9a-f]{64})<`)
	previewRow   = regexp.MustCompile(`data-testid="bulk-preview-row" data-cluster="([^"]+)" data-region="([^"]+)" data-status="([^"]+)"`)
)

// openBulkForm opens the bulk form on every cluster the list's filter
// matches and returns the set it froze, as the form carries it.
func (b *browser) openBulkForm(t *testing.T, filter url.Values) []string {
	t.Helper()
	filter.Set("all", "1")
	res := b.get(t, "/bulk/new?"+filter.Encode())
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("bulk form: %d\n%s", res.StatusCode, body)
	}
	var set []string
	for _, m := range bulkTarget.FindAllStringSubmatch(body, -1) {
		set = append(set, html.UnescapeString(m[1]))
	}
	return set
}

func bulkForm(set []string, add, reason string) url.Values {
	return url.Values{"c": set, "add": {add}, "reason": {reason}, "back": {"/clusters"}}
}

// submitBulk posts the bulk form and returns the new bulk request's ID.
func (b *browser) submitBulk(t *testing.T, form url.Values) int64 {
	t.Helper()
	res := b.postForm(t, "/bulk", form)
	body := readBody(t, res)
	m := bulkLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit bulk: status %d, location %q:\n%s", res.StatusCode, res.Header.Get("Location"), body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func (b *browser) bulkHashOf(t *testing.T, id int64) string {
	t.Helper()
	body := readBody(t, b.get(t, fmt.Sprintf("/bulk/%d", id)))
	m := bulkHash.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("bulk page %d shows no hash:\n%s", id, body)
	}
	return m[1]
}

func (b *browser) approveBulk(t *testing.T, id int64) *http.Response {
	t.Helper()
	return b.postForm(t, fmt.Sprintf("/bulk/%d/approve", id), url.Values{"bulk_hash": {b.bulkHashOf(t, id)}, "comment": {"the whole set"}})
}

// waitBulkDone waits until nothing more will happen to any member.
func (a *testApp) waitBulkDone(t *testing.T, id int64) (*change.Bulk, []*change.Request) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := a.changes.GetBulk(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := a.changes.BulkMembers(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if b.State == change.BulkApproved && b.Progress(ms).Done {
			return b, ms
		}
		if time.Now().After(deadline) {
			t.Fatalf("bulk request %d: %s, %+v", id, b.State, b.Progress(ms))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBulkByFilterPreviewsNoOpAndIsApprovedWholeByAnotherPerson(t *testing.T) {
	app := newBulkApp(t)
	// Rita may approve, so that only separation of duties stops her
	// approving her own set.
	rita := app.signIn(t, "rita", auth.RoleApprover)
	arno := app.signIn(t, "arno", auth.RoleApprover)

	body := readBody(t, rita.get(t, "/clusters?q=analytics"))
	if !strings.Contains(body, `href="/bulk/new?all=1&amp;q=analytics" data-testid="bulk-all"`) || !strings.Contains(body, `data-testid="bulk-pick"`) {
		t.Fatalf("the cluster list offers no bulk change to a requester:\n%s", body)
	}
	set := rita.openBulkForm(t, url.Values{"q": {"analytics"}})
	if len(set) != 4 || strings.Contains(strings.Join(set, " "), "sales") {
		t.Fatalf("the filter froze %v, want the 4 analytics clusters", set)
	}

	form := bulkForm(set, roleC, "Spectrum for every analytics cluster")
	res := rita.postForm(t, "/bulk/preview", form)
	body = readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview: %d\n%s", res.StatusCode, body)
	}
	statuses := map[string]string{}
	for _, m := range previewRow.FindAllStringSubmatch(body, -1) {
		statuses[m[2]+"/"+m[1]] = html.UnescapeString(m[3])
	}
	want := map[string]string{
		"us-east-1/analytics-a": "would change", "us-east-1/analytics-b": "would change",
		"eu-west-1/analytics-a": "would change", "eu-west-1/analytics-b": "already has it",
	}
	if fmt.Sprint(statuses) != fmt.Sprint(want) {
		t.Fatalf("preview statuses %v, want %v", statuses, want)
	}
	if !strings.Contains(body, `data-testid="bulk-submit"`) {
		t.Fatal("the preview offers no submit")
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("the preview sent %d ModifyClusterIamRoles", n)
	}

	id := rita.submitBulk(t, form)
	b, err := app.changes.GetBulk(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Members) != 4 || len(b.Changed()) != 3 {
		t.Fatalf("members %d, changed %d", len(b.Members), len(b.Changed()))
	}

	// The requester cannot approve her own set, whatever she posts.
	res = rita.postForm(t, fmt.Sprintf("/bulk/%d/approve", id), url.Values{"bulk_hash": {b.Hash}})
	if body := readBody(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "you cannot approve your own request") {
		t.Fatalf("self-approval: %d\n%s", res.StatusCode, body)
	}
	// Nor can a member of the set be approved on its own.
	m := b.Changed()[0]
	res = arno.postForm(t, fmt.Sprintf("/changes/%d/approve", m.ChangeID), url.Values{"change_hash": {m.ChangeHash}})
	if body := readBody(t, res); res.StatusCode != http.StatusConflict || !strings.Contains(body, "decided with its whole set") {
		t.Fatalf("approving one member alone: %d\n%s", res.StatusCode, body)
	}

	if res := arno.approveBulk(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, readBody(t, res))
	}
	_, members := app.waitBulkDone(t, id)
	for _, r := range members {
		if r.State != change.InSync {
			t.Fatalf("member %s/%s is %s (%s)", r.Region, r.Cluster, r.State, r.StateReason)
		}
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 3 {
		t.Fatalf("%d ModifyClusterIamRoles, want one per changed cluster (3)", n)
	}
	body = readBody(t, arno.get(t, fmt.Sprintf("/bulk/%d", id)))
	if !strings.Contains(body, "in-sync: every one of the 3 changed clusters is in-sync") || strings.Count(body, `data-testid="bulk-member"`) != 4 ||
		!strings.Contains(body, "no change needed") {
		t.Fatalf("the bulk page does not tell the outcome:\n%s", body)
	}
	var events int
	if err := app.db.Reader().QueryRow(`SELECT count(*) FROM audit_events WHERE action IN ('bulk.submitted', 'bulk.approved')`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 2 {
		t.Fatalf("%d bulk events, want bulk.submitted and bulk.approved", events)
	}
	if body := readBody(t, arno.get(t, "/bulk")); !strings.Contains(body, fmt.Sprintf(`href="/bulk/%d"`, id)) {
		t.Fatalf("the bulk list lacks the request:\n%s", body)
	}
}

func TestBulkStaleMemberBlocksApprovalNamingItsCluster(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	set := rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {testRegion}})
	id := rita.submitBulk(t, bulkForm(set, roleC, "Spectrum for every analytics cluster"))

	// Someone removes a role from one member outside Rolegate.
	if _, err := app.simClient().ModifyClusterIamRoles(context.Background(), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("analytics-a"), RemoveIamRoles: []string{roleA}}); err != nil {
		t.Fatal(err)
	}
	res := arno.approveBulk(t, id)
	body := readBody(t, res)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "analytics-a ("+testRegion+")") || !strings.Contains(body, "the set is now stale") {
		t.Fatalf("approving a set with a changed member: %d\n%s", res.StatusCode, body)
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 1 { // the outside change only
		t.Fatalf("%d ModifyClusterIamRoles after a refused approval", n)
	}
	body = readBody(t, rita.get(t, fmt.Sprintf("/bulk/%d", id)))
	if !strings.Contains(body, `data-testid="bulk-resubmit"`) {
		t.Fatalf("the requester is not offered to resubmit the set:\n%s", body)
	}
	res = rita.postForm(t, fmt.Sprintf("/bulk/%d/resubmit", id), url.Values{})
	m := bulkLocation.FindStringSubmatch(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || m == nil || m[1] == strconv.FormatInt(id, 10) {
		t.Fatalf("resubmit: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), readBody(t, res))
	}
	next, _ := strconv.ParseInt(m[1], 10, 64)
	if res := arno.approveBulk(t, next); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approving the resubmitted set: %d\n%s", res.StatusCode, readBody(t, res))
	}
	app.waitBulkDone(t, next)
}

func TestBulkRefusalNamesTheClusterAndKeepsWhatWasTyped(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	viewer := app.signIn(t, "vera", auth.RoleViewer)
	set := rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {testRegion}})

	// A reason too short is the form's own fault: said next to the field.
	form := bulkForm(set, roleC, "short")
	res := rita.postForm(t, "/bulk", form)
	body := readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="reason-error"`) || !strings.Contains(body, ">"+roleC+"</textarea>") {
		t.Fatalf("short reason: %d\n%s", res.StatusCode, body)
	}

	// A cluster with an open request of its own blocks the set, by name.
	rita.submit(t, "analytics-a", changeForm([]string{roleB}, nil, "", "COPY from the new bucket"))
	form = bulkForm(set, roleC, "Spectrum for every analytics cluster")
	res = rita.postForm(t, "/bulk", form)
	body = readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Spectrum for every analytics cluster</textarea>") {
		t.Fatalf("a set with a busy member: %d\n%s", res.StatusCode, body)
	}
	blocked := regexp.MustCompile(`data-cluster="analytics-a" data-region="` + testRegion + `" data-status="blocked"[\s\S]*?the cluster has open requests`)
	if !blocked.MatchString(body) || strings.Contains(body, `data-testid="bulk-submit"`) {
		t.Fatalf("the refusal does not name the cluster, or still offers to submit:\n%s", body)
	}
	if list, _ := app.changes.ListBulks(context.Background(), 10); len(list) != 0 {
		t.Fatalf("%d bulk requests stored after refusals", len(list))
	}

	// A viewer can neither open the form nor post it.
	if res := viewer.get(t, "/bulk/new?all=1"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer opening the bulk form: %d", res.StatusCode)
	}
	if res := viewer.postForm(t, "/bulk", form); res.StatusCode != http.StatusForbidden {
		t.Fatalf("viewer submitting a set: %d", res.StatusCode)
	}
}

func TestBulkRejectNeedsAReasonAndClosesEveryMember(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	set := rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {"us-east-1"}})
	id := rita.submitBulk(t, bulkForm(set, roleC, "Spectrum for every analytics cluster"))

	// The members are in the queue, marked as part of the set.
	body := readBody(t, arno.get(t, "/changes"))
	if n := strings.Count(body, fmt.Sprintf(`data-testid="bulk-member-of">bulk #%d<`, id)); n != 2 {
		t.Fatalf("the queue marks %d requests as members of bulk #%d, want 2:\n%s", n, id, body)
	}

	res := arno.postForm(t, fmt.Sprintf("/bulk/%d/reject", id), url.Values{"comment": {"  "}})
	body = readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="reject-error"`) {
		t.Fatalf("rejecting without a reason: %d\n%s", res.StatusCode, body)
	}
	res = arno.postForm(t, fmt.Sprintf("/bulk/%d/reject", id), url.Values{"comment": {"not before the freeze ends"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %d\n%s", res.StatusCode, readBody(t, res))
	}
	members, err := app.changes.BulkMembers(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range members {
		if r.State != change.Rejected || app.countEvents(t, r.ID, "change.rejected") != 1 {
			t.Fatalf("member %s is %s with events %v", r.Cluster, r.State, app.changeActions(t, r.ID))
		}
	}
	body = readBody(t, rita.get(t, fmt.Sprintf("/bulk/%d", id)))
	if !strings.Contains(body, "rejected; nothing was applied") || strings.Contains(body, `data-testid="bulk-approve-form"`) {
		t.Fatalf("the rejected set's page:\n%s", body)
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("%d ModifyClusterIamRoles for a rejected set", n)
	}
}

func TestBulkRequesterWithdrawsHerOwnSetOnly(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	set := rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {testRegion}})
	id := rita.submitBulk(t, bulkForm(set, roleC, "Spectrum for every analytics cluster"))

	if res := arno.postForm(t, fmt.Sprintf("/bulk/%d/cancel", id), url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else withdrawing the set: %d", res.StatusCode)
	}
	if body := readBody(t, rita.get(t, fmt.Sprintf("/bulk/%d", id))); !strings.Contains(body, `data-testid="bulk-cancel"`) {
		t.Fatalf("the requester is not offered to withdraw her set:\n%s", body)
	}
	if res := rita.postForm(t, fmt.Sprintf("/bulk/%d/cancel", id), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%s", res.StatusCode, readBody(t, res))
	}
	b, err := app.changes.GetBulk(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	members, _ := app.changes.BulkMembers(context.Background(), id)
	if b.State != change.BulkCancelled || len(members) != 1 { // analytics-b already has the role
		t.Fatalf("the set is %s with %d members", b.State, len(members))
	}
	for _, r := range members {
		if r.State != change.Cancelled {
			t.Fatalf("member %s is %s", r.Cluster, r.State)
		}
	}
	// Its clusters are free for another request.
	rita.submit(t, "analytics-a", changeForm([]string{roleB}, nil, "", "COPY from the new bucket"))
}
