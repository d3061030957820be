package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

var bulkMemberChecks = regexp.MustCompile(`(?s)<tr data-testid="bulk-preview-row" data-cluster="([^"]+)".*?</tr>`)

// The bulk preview shows each changed member's pre-flight checks, as one
// request's preview does: a role that does not trust Redshift fails the
// trust check on every member, with its reason, and the list is open; a
// role that passes everything leaves it closed. Approving the set with the
// failing role is refused with the reason, and costs no call.
func TestBulkPreviewShowsEachMembersPreflightChecks(t *testing.T) {
	redshift := []string{"redshift.amazonaws.com"}
	w := redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{{ID: testAccount, IAM: &redshiftsim.IAMSpec{Roles: []redshiftsim.IAMRole{
			{Name: "RedshiftCopy", Services: redshift},
			{Name: "LambdaOnly", Services: []string{"lambda.amazonaws.com"}},
		}}}},
		Seeds: []redshiftsim.Seed{
			{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "sales"}},
			{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "ops"}},
		},
	}
	app := newTestAppWith(t, func(o *testOptions) { o.world = &w })
	rita := app.signIn(t, "rita", auth.RoleRequester)
	set := rita.openBulkForm(t, url.Values{})
	if len(set) != 2 {
		t.Fatalf("the set is %v, want sales and ops", set)
	}
	for _, tc := range []struct {
		role, status, reason string
		open                 bool
	}{
		{iamRole("LambdaOnly"), "fail", "does not allow redshift.amazonaws.com to call sts:AssumeRole", true},
		{iamRole("RedshiftCopy"), "pass", "", false},
	} {
		body := wantStatus(t, rita.postForm(t, "/bulk/preview", bulkForm(set, tc.role, "load the new bucket")), http.StatusOK, "bulk preview")
		rows := bulkMemberChecks.FindAllStringSubmatch(body, -1)
		if len(rows) != 2 {
			t.Fatalf("%s: %d preview rows, want 2:\n%s", tc.role, len(rows), body)
		}
		for _, row := range rows {
			if got := checksOf(row[0])["trust"]; got != tc.status {
				t.Errorf("%s on %s: trust check %q, want %q", tc.role, row[1], got, tc.status)
			}
			if !strings.Contains(row[0], tc.reason) {
				t.Errorf("%s on %s: the reason %q is not shown", tc.role, row[1], tc.reason)
			}
			if open := strings.Contains(row[0], `data-testid="bulk-member-checks" open`); open != tc.open {
				t.Errorf("%s on %s: the checks are open %v, want %v", tc.role, row[1], open, tc.open)
			}
		}
	}
	id := rita.submitBulk(t, bulkForm(set, iamRole("LambdaOnly"), "load the new bucket"))
	arno := app.signIn(t, "arno", auth.RoleApprover)
	body := readBody(t, arno.approveBulk(t, id))
	if !strings.Contains(body, "does not allow redshift.amazonaws.com to call sts:AssumeRole") {
		t.Fatalf("approving the set with a role that does not trust Redshift does not say why:\n%s", body)
	}
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 0", n)
	}
}

// Approving a set asks IAM about its roles once per account, not once per
// member: the members are checked at the same moment, against the same
// roles.
func TestBulkApprovalAsksIAMOncePerAccountForTheWholeSet(t *testing.T) {
	w := redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{{ID: testAccount, IAM: &redshiftsim.IAMSpec{Roles: []redshiftsim.IAMRole{
			{Name: "RedshiftCopy", Services: []string{"redshift.amazonaws.com"}},
		}}}},
		Seeds: []redshiftsim.Seed{
			{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "sales"}},
			{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "ops"}},
			{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "hr"}},
		},
	}
	app := newTestAppWith(t, func(o *testOptions) { o.world = &w })
	rita := app.signIn(t, "rita", auth.RoleRequester)
	set := rita.openBulkForm(t, url.Values{})
	if len(set) != 3 {
		t.Fatalf("the set is %v, want three clusters", set)
	}
	id := rita.submitBulk(t, bulkForm(set, iamRole("RedshiftCopy"), "load the new bucket"))
	arno := app.signIn(t, "arno", auth.RoleApprover)
	hash := arno.bulkHashOf(t, id)
	before := app.sim.Stats().Calls("GetRole", "")
	wantStatus(t, arno.postForm(t, fmt.Sprintf("/bulk/%d/approve", id), url.Values{"bulk_hash": {hash}}), http.StatusSeeOther, "approve the set")
	if n := app.sim.Stats().Calls("GetRole", "") - before; n != 1 {
		t.Fatalf("approving a set of 3 with one role: %d GetRole calls, want 1", n)
	}
	if b, _ := app.changes.GetBulk(context.Background(), id); b.State != change.BulkApproved {
		t.Fatalf("the set is %s, want approved", b.State)
	}
}
