//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// dataAccount is the demo world's analytics account, reached through its
// RolegateAccess role.
const dataAccount = "111122223333"

// TestChangeInAnotherAccount: a requester narrows the cluster list to the
// analytics account, opens one of its clusters and proposes a role of that
// account; an approver approves it and the request follows the role until
// in-sync. The apply's audit event names the session made as the
// approver in that account.
func TestChangeInAnotherAccount(t *testing.T) {
	needSuite(t)
	const cluster = "lakehouse-dev"
	role := "arn:aws:iam::" + dataAccount + ":role/RedshiftCopyUnload"

	rita := newTab(t, "rita")
	rita.signIn("rita")
	rita.open("/clusters", 200)
	rita.do(chromedp.SetValue(chromedp.CSS("#f-account"), dataAccount))
	rita.click(chromedp.CSS(`[data-testid="cluster-filters"] button[type="submit"]`))
	if n, other := rita.count(`[data-testid="cluster-row"]`), rita.count(`[data-testid="cluster-row"]:not([data-account="`+dataAccount+`"])`); n == 0 || other != 0 {
		rita.fail("the account filter shows %d clusters, %d of other accounts", n, other)
	}
	rita.click(clusterLink(cluster))
	if !strings.HasSuffix(rita.location(), "/clusters/"+dataAccount+"/us-east-1/"+cluster) {
		rita.fail("the cluster link led to %s", rita.location())
	}
	if got := rita.text(tid("cluster-account")); !strings.Contains(got, "analytics") {
		rita.fail("the cluster page names the account %q", got)
	}
	rita.click(tid("propose-change"))
	rita.fillChange(draft{add: []string{role}, reason: "COPY into the development lakehouse"})
	_, id := rita.submitChange()
	rita.wantState("pending")
	if got := rita.text(tid("change-account")); !strings.Contains(got, dataAccount) {
		rita.fail("the request names the account %q", got)
	}
	rita.signOut()

	arno := newTab(t, "arno")
	arno.signIn("arno")
	arno.open("/changes/"+id, 200)
	arno.activate(tid("approve"), 200)
	arno.waitFor(chromedp.CSS(inSyncSel), inSyncLimit)
	if got := arno.liveRoleStatus(role); got != "in-sync" {
		arno.fail("the request page shows %s as %q, want in-sync", role, got)
	}

	arno.open("/audit?action=apply.succeeded&account="+dataAccount+"&change="+id, 200)
	arno.click(chromedp.CSS(`[data-testid="audit-row"] td a`))
	if got := arno.text(tid("event-params")); !strings.Contains(got, "assumed-role/RolegateAccess/arno") || !strings.Contains(got, `"source_identity": "arno"`) && !strings.Contains(got, `"source_identity":"arno"`) {
		arno.fail("the apply event does not name the approver's session: %s", got)
	}
	arno.shot("change-in-another-account")
}
