package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

func iamRole(name string) string { return "arn:aws:iam::" + testAccount + ":role/" + name }

// iamWorld is one cluster "sales" in testRegion of the default account,
// whose IAM has a role trusting Redshift, one trusting only Lambda and one
// Rolegate may not pass, and refuses the IAM actions in deny.
func iamWorld(deny ...string) func(*testOptions) {
	redshift := []string{"redshift.amazonaws.com"}
	w := redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{{ID: testAccount, IAM: &redshiftsim.IAMSpec{Deny: deny, Roles: []redshiftsim.IAMRole{
			{Name: "RedshiftCopy", Services: redshift},
			{Name: "LambdaOnly", Services: []string{"lambda.amazonaws.com"}},
			{Name: "NotPassable", Services: redshift, Pass: redshiftsim.DecisionImplicitDeny},
		}}}},
		Seeds: []redshiftsim.Seed{{Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "sales"}}},
	}
	return func(o *testOptions) { o.world = &w }
}

func TestARoleIAMWouldRefuseIsBlockedBeforeApprovalWithItsReasonAndCostsNoCall(t *testing.T) {
	for _, tc := range []struct {
		name, role, check, reason string
	}{
		{"no Redshift trust", iamRole("LambdaOnly"), "trust", "does not allow redshift.amazonaws.com to call sts:AssumeRole"},
		{"missing role", iamRole("NoSuchRole"), "exists", "there is no role named NoSuchRole"},
		{"not passable", iamRole("NotPassable"), "passrole", "no policy allows arn:aws:iam::123456789012:user/rolegate iam:PassRole"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestAppWith(t, iamWorld())
			rita := app.signIn(t, "rita", auth.RoleRequester)
			arno := app.signIn(t, "arno", auth.RoleApprover)

			// The preview already shows the failed check with its reason.
			res := rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/sales/changes/preview", changeForm([]string{tc.role}, nil, "", "load the new bucket"))
			body := wantStatus(t, res, http.StatusOK, "preview")
			if got := checksOf(body)[tc.check]; got != "fail" || !strings.Contains(body, tc.reason) {
				t.Fatalf("preview: check %s is %q, reason %q shown: %v", tc.check, got, tc.reason, strings.Contains(body, tc.reason))
			}
			id := rita.submit(t, "sales", changeForm([]string{tc.role}, nil, "", "load the new bucket"))
			body = readBody(t, arno.get(t, fmt.Sprintf("/changes/%d", id)))
			if got := checksOf(body)[tc.check]; got != "fail" {
				t.Fatalf("request page: check %s is %q", tc.check, got)
			}

			res = arno.approve(t, id)
			body = wantStatus(t, res, http.StatusConflict, "approve")
			if !strings.Contains(body, "cannot be approved") || !strings.Contains(body, tc.reason) {
				t.Fatalf("the refused approval does not say why:\n%s", body)
			}
			if r := app.waitState(t, id, change.Pending); r.ValidApprovals() != 0 {
				t.Fatalf("approvals recorded: %d", r.ValidApprovals())
			}
			if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 0 {
				t.Fatalf("ModifyClusterIamRoles calls %d, want 0", n)
			}
			var params string
			if err := app.db.Reader().QueryRow(`SELECT params FROM audit_events WHERE change_id = ? AND action = 'change.approved' AND outcome = 'failure'`, id).Scan(&params); err != nil {
				t.Fatalf("no refused approval in the audit log: %v", err)
			}
			if !strings.Contains(params, `"iam_request_ids":["`) || !strings.Contains(params, tc.reason) {
				t.Fatalf("the refused approval's event lacks the checks or IAM request IDs: %s", params)
			}
		})
	}
}

func TestWithIAMDeniedTheChecksReadNotCheckedAndTheChangeStillGoesThrough(t *testing.T) {
	app := newTestAppWith(t, iamWorld("iam:*"))
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	role := iamRole("RedshiftCopy")
	id := rita.submit(t, "sales", changeForm([]string{role}, nil, role, "load the new bucket"))
	body := readBody(t, arno.get(t, fmt.Sprintf("/changes/%d", id)))
	checks := checksOf(body)
	for _, k := range []string{"exists", "trust", "passrole"} {
		if checks[k] != "not checked" {
			t.Errorf("check %s: %q, want not checked", k, checks[k])
		}
	}
	if !strings.Contains(body, "may not call iam:GetRole in this account (AccessDenied)") {
		t.Fatalf("the page does not say why the checks were not made:\n%s", body)
	}
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, readBody(t, res))
	}
	app.waitState(t, id, change.InSync)
	var params string
	if err := app.db.Reader().QueryRow(`SELECT params FROM audit_events WHERE change_id = ? AND action = 'change.approved' AND outcome = 'success'`, id).Scan(&params); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(params, `"status":"not checked"`) || !strings.Contains(params, "AccessDenied") || !strings.Contains(params, `"iam_request_ids":["`) {
		t.Fatalf("the approval's event lacks the role checks: %s", params)
	}
}

func TestARoleThatPassesEveryCheckIsApprovedWithTheChecksInTheAuditEvent(t *testing.T) {
	app := newTestAppWith(t, iamWorld())
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	role := iamRole("RedshiftCopy")
	id := rita.submit(t, "sales", changeForm([]string{role}, nil, "", "load the new bucket"))
	checks := checksOf(readBody(t, arno.get(t, fmt.Sprintf("/changes/%d", id))))
	for _, k := range []string{"exists", "trust", "passrole"} {
		if checks[k] != "pass" {
			t.Errorf("check %s: %q, want pass", k, checks[k])
		}
	}
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", res.StatusCode, readBody(t, res))
	}
	app.waitState(t, id, change.InSync)
	var params string
	if err := app.db.Reader().QueryRow(`SELECT params FROM audit_events WHERE change_id = ? AND action = 'change.approved'`, id).Scan(&params); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(params, `"kind":"passrole","status":"pass"`) {
		t.Fatalf("approval event: %s", params)
	}
}
