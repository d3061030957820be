package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

var nextStep = regexp.MustCompile(`(?s)<div data-testid="blockers"><h3>What happens next</h3><ul>(.*?)</ul>`)

// nextOf is the "What happens next" text a page shows.
func nextOf(t *testing.T, body string) string {
	t.Helper()
	m := nextStep.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no \"What happens next\" on the page:\n%s", body)
	}
	return m[1]
}

// The request page says plainly who must act next, from the viewer's
// point of view: the approver reads that they can approve, the requester
// reads who can.
func TestChangeNextStepsSayWhoMustAct(t *testing.T) {
	app := newTestApp(t)
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "prod", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available",
		Tags: map[string]string{"environment": "production"}}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	anna := app.signIn(t, "anna", auth.RoleApprover)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	id := rita.submit(t, "prod", changeForm([]string{roleA}, nil, "", "Production loads need the copy role"))
	page := fmt.Sprintf("/changes/%d", id)

	for _, v := range []struct {
		who  *browser
		name string
		want string
	}{
		{arno, "arno", "Waiting for 2 approvers: you can approve or reject it."},
		{rita, "rita", "Waiting for 2 approvers: anna or arno."},
		{vera, "vera", "Waiting for 2 approvers: anna or arno."},
	} {
		if got := nextOf(t, readBody(t, v.who.get(t, page))); !strings.Contains(got, v.want) {
			t.Errorf("%s reads %q, want %q", v.name, got, v.want)
		}
	}
	if got := nextOf(t, readBody(t, rita.get(t, page))); !strings.Contains(got, "You can cancel it meanwhile.") {
		t.Errorf("the requester is not told they can cancel: %q", got)
	}

	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("first approval: %d", res.StatusCode)
	}
	if got := nextOf(t, readBody(t, anna.get(t, page))); !strings.Contains(got, "Waiting for a second approver: you can approve or reject it.") {
		t.Errorf("anna reads %q after arno approved", got)
	}
	if got := nextOf(t, readBody(t, rita.get(t, page))); !strings.Contains(got, "Waiting for a second approver: anna.") {
		t.Errorf("rita reads %q after arno approved", got)
	}
	if got := nextOf(t, readBody(t, arno.get(t, page))); !strings.Contains(got, "Waiting for a second approver: anna.") {
		t.Errorf("arno, who approved, reads %q", got)
	}

	if res := anna.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second approval: %d", res.StatusCode)
	}
	app.waitState(t, id, change.InSync)
	body := readBody(t, rita.get(t, page))
	if got := nextOf(t, body); !strings.Contains(got, "every role of the change is in-sync") {
		t.Errorf("a request in-sync reads %q", got)
	}
	if strings.Contains(body, "Pre-flight checks") {
		t.Errorf("an applied request still shows a pre-flight checks box")
	}
}

// The live panel brings the history with it: once the request settles,
// the status panel stops polling and the history it carries ends on the
// event that settled it.
func TestChangeStatusPanelCarriesTheHistory(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "follow", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "follow", changeForm([]string{roleA}, nil, "", "The nightly load needs the copy role"))
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	app.waitState(t, id, change.InSync)
	body := readBody(t, rita.get(t, fmt.Sprintf("/changes/%d/status", id)))
	if !strings.Contains(body, `data-live="false"`) {
		t.Fatalf("the settled panel still polls:\n%s", body)
	}
	m := regexp.MustCompile(`(?s)<section id="change-history" data-testid="change-history" hx-swap-oob="true">(.*?)</section>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the panel carries no history to swap:\n%s", body)
	}
	rows := regexp.MustCompile(`(?s)<tr data-testid="timeline-row">(.*?)</tr>`).FindAllStringSubmatch(m[1], -1)
	if len(rows) == 0 || !strings.Contains(rows[len(rows)-1][1], "Every role of the change is in-sync") {
		t.Fatalf("the history does not end on the in-sync event: %v", rows)
	}
	if strings.Contains(rows[len(rows)-1][1], "unknown") {
		t.Fatalf("the history ends on an unknown outcome: %s", rows[len(rows)-1][1])
	}
}
