//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTwoApproversThenStale: on a production cluster a change is high risk
// and needs two approvers; after the first approval the page still says
// what it waits for, and the second approval applies it. A second request,
// made against the roles before that change, can then not be approved: the
// approver gets 409 and the request page saying why, the request turns
// stale, and its requester resubmits it in one click against the current
// roles; the new request supersedes it. The second request is accepted
// only once the form has shown the first and the requester confirmed, and
// the two pages link each other.
func TestTwoApproversThenStale(t *testing.T) {
	needSuite(t)
	const region, cluster = "eu-west-1", "eu-customer-360"
	spectrum, ml := roleARN("RedshiftSpectrum"), roleARN("RedshiftML")

	rita := newTab(t, "rita")
	rita.signIn("rita")
	first, _ := rita.proposeChange(region, cluster, draft{add: []string{spectrum}, reason: "Spectrum over the customer lake"})
	if got := rita.attr(tid("risk"), "data-risk"); got != "high" {
		rita.fail("a change of a production cluster is %q risk, want high", got)
	}
	// The cluster list marks the open request, with a link to it, and its
	// filter finds the cluster.
	rita.open("/clusters?open=1", 200)
	badge := `[data-testid="cluster-row"][data-id="` + cluster + `"] [data-testid="open-badge"]`
	if got := rita.attr(chromedp.CSS(badge), "href"); got != first {
		rita.fail("the cluster list's open-request badge links %q, want %s", got, first)
	}
	// The new-change form shows it with what it would change, and a second
	// request needs the requester to confirm having read it.
	rita.open(changeFormPath(region, cluster), 200)
	if got := rita.text(tid("open-requests")); !strings.Contains(got, spectrum) {
		rita.fail("the form's open requests do not say what the first would change: %q", got)
	}
	rita.fillChange(draft{add: []string{ml}, reason: "Churn model scoring in the warehouse"})
	rita.allowStatus(422)
	rita.submit(chromedp.Click(tid("submit-change"), chromedp.NodeVisible), 422)
	if got := rita.text(tid("open-error")); !strings.Contains(got, "confirm") {
		rita.fail("submitting without the confirmation says %q", got)
	}
	rita.do(chromedp.Click(tid("confirm-open"), chromedp.NodeVisible))
	second, _ := rita.submitChange()
	// Each request page links the other.
	if got := rita.attr(chromedp.CSS(`[data-testid="siblings"] [data-testid="open-request-link"]`), "href"); got != first {
		rita.fail("the second request links %q as its sibling, want %s", got, first)
	}
	rita.open(first, 200)
	if got := rita.attr(chromedp.CSS(`[data-testid="siblings"] [data-testid="open-request-link"]`), "href"); got != second {
		rita.fail("the first request links %q as its sibling, want %s", got, second)
	}

	arno := newTab(t, "arno")
	arno.signIn("arno")
	arno.open(first, 200)
	arno.activate(tid("approve"), 200)
	arno.wantState("pending")
	if got := arno.text(tid("approval-count")); !strings.HasPrefix(got, "1 of 2") {
		arno.fail("after one approval of two the page counts %q", got)
	}
	if arno.count(`[data-testid="blockers"]`) != 1 {
		arno.fail("the page does not say what the request waits for")
	}
	if arno.count(`[data-testid="approve"]`) != 0 {
		arno.fail("the page offers arno to approve a second time")
	}

	anna := newTab(t, "anna")
	anna.signIn("anna")
	anna.open(first, 200)
	anna.activate(tid("approve"), 200)
	anna.waitFor(chromedp.CSS(inSyncSel), inSyncLimit)

	// The second request saw the roles before the first one changed them.
	arno.open(second, 200)
	arno.allowStatus(409)
	arno.activate(tid("approve"), 409)
	// The answer is the request page itself, saying why above its state.
	if msg := arno.text(tid("action-error")); !strings.Contains(msg, "stale") {
		arno.fail("the refused approval says %q; it should say the request is stale", msg)
	}
	arno.wantState("stale")
	arno.open(second, 200)
	arno.wantState("stale")
	if arno.count(`[data-testid="approve"], [data-testid="resubmit"]`) != 0 {
		arno.fail("an approver is offered to approve or resubmit a stale request")
	}

	rita.open(second, 200)
	rita.wantState("stale")
	if got := rita.text(tid("state-reason")); !strings.Contains(got, spectrum) && !strings.Contains(got, "RedshiftSpectrum") {
		rita.fail("the stale request does not say what changed: %q", got)
	}
	rita.activate(tid("resubmit"), 200)
	third := strings.TrimPrefix(rita.location(), suite.baseURL)
	if third == second {
		rita.fail("resubmitting stayed on the stale request")
	}
	rita.wantState("pending")
	if n := rita.count(`[data-testid="role-diff"] [data-testid="diff-row"][data-change="added"]`); n != 1 {
		rita.fail("the resubmitted request adds %d roles, want 1", n)
	}
	if n := rita.count(`[data-testid="role-diff"] [data-testid="diff-row"][data-change="kept"]`); n != 2 {
		rita.fail("the resubmitted request keeps %d roles, want the cluster's 2 now", n)
	}
	rita.open(second, 200)
	rita.wantState("superseded")
	if got := rita.attr(tid("superseded-by"), "href"); got != third {
		rita.fail("the stale request links %q as its successor, want %s", got, third)
	}
}
