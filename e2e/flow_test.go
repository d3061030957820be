//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestChangeApprovedToInSync is the path the product exists for, in one
// browser per person: a requester signs in, opens a cluster from the list,
// proposes two roles with one of them as the new default (previewing the
// resulting set first), sees no approve button on her own request, and
// signs out. An approver finds the request in the queue, approves it and
// watches the request page follow the roles until they are in-sync, while
// a viewer watches the cluster page do the same and mark the new default.
// The audit pages show the request's events and the snapshot difference,
// and the CSV export downloads with those rows.
func TestChangeApprovedToInSync(t *testing.T) {
	needSuite(t)
	const region, cluster = "eu-west-1", "eu-dev"
	copyUnload, spectrum := roleARN("RedshiftCopyUnload"), roleARN("RedshiftSpectrum")

	rita := newTab(t, "rita")
	rita.signIn("rita")
	rita.open("/clusters", 200)
	rita.click(clusterLink(cluster))
	rita.click(tid("propose-change"))
	if !strings.HasSuffix(rita.location(), changeFormPath(region, cluster)) {
		rita.fail("Propose a change led to %s", rita.location())
	}
	rita.fillChange(draft{
		add:    []string{copyUnload, spectrum},
		def:    spectrum,
		reason: "Nightly COPY from the landing bucket and Spectrum queries on the lake",
		ticket: "DBA-1042",
	})
	// The preview shows the resulting set: both roles added, the new default.
	if n := rita.count(`[data-testid="preview"] [data-testid="diff-row"][data-change="added"]`); n != 2 {
		rita.fail("the preview shows %d added roles, want 2", n)
	}
	if got := rita.value(chromedp.CSS("#add")); got != copyUnload+"\n"+spectrum {
		rita.fail("the preview lost the typed roles: %q", got)
	}
	rita.shot("new-change")

	path, id := rita.submitChange()
	rita.wantState("pending")
	if n := rita.count(`[data-testid="role-diff"] [data-testid="diff-row"][data-change="added"]`); n != 2 {
		rita.fail("the request shows %d added roles, want 2", n)
	}
	if got := rita.text(tid("result-default")); got != spectrum {
		rita.fail("the request's resulting default is %q, want %s", got, spectrum)
	}
	if n := rita.count(`[data-testid="approve"], [data-testid="approve-form"]`); n != 0 {
		rita.fail("the requester is offered to approve her own request")
	}
	rita.signOut()

	arno := newTab(t, "arno")
	arno.signIn("arno")
	arno.open("/changes", 200)
	row := `[data-testid="change-row"][data-id="` + id + `"]`
	if arno.count(row) != 1 {
		arno.fail("the queue does not list request #%s", id)
	}
	if got := arno.attr(chromedp.CSS(row+` [data-testid="change-state"]`), "data-state"); got != "pending" {
		arno.fail("the queue shows request #%s as %q, want pending", id, got)
	}
	arno.shot("queue")
	arno.click(chromedp.CSS(row + " a"))
	if !strings.HasSuffix(arno.location(), path) {
		arno.fail("the queue's link led to %s, want %s", arno.location(), path)
	}
	arno.do(chromedp.SendKeys(chromedp.CSS("#approve-comment"), "Checked the trust policies", chromedp.NodeVisible))
	arno.activate(tid("approve"), 200)

	// Once AWS has accepted the call, a viewer opens the cluster page: its
	// roles table follows the roles live while they are adding.
	arno.waitFor(chromedp.CSS(`[data-testid="change-status"] [data-testid="change-state"]:is([data-state="applied"], [data-state="in-sync"])`), inSyncLimit)
	vera := newTab(t, "vera")
	vera.signIn("vera")
	vera.open("/clusters/"+region+"/"+cluster, 200)

	// The request page follows the request live (htmx polling) until
	// in-sync, and so does the cluster page's roles table.
	arno.waitFor(chromedp.CSS(inSyncSel), inSyncLimit)
	// The history followed too: without a reload it ends on the in-sync
	// event, not on an earlier step.
	last := run(arno, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="timeline-row"]')].pop().textContent`))
	if !strings.Contains(last, "in-sync") || strings.Contains(last, "unknown") {
		arno.fail("the history followed live ends on %q, want the in-sync event", last)
	}
	if n := arno.count(`[data-testid="checks-card"]`); n != 0 {
		arno.fail("an applied request still shows the pre-flight checks box")
	}
	for _, arn := range []string{copyUnload, spectrum} {
		if got := arno.liveRoleStatus(arn); got != "in-sync" {
			arno.fail("the request page shows %s as %q, want in-sync", arn, got)
		}
	}
	if got := arno.text(tid("approval-count")); !strings.HasPrefix(got, "1 of 1") {
		arno.fail("approvals: %q", got)
	}
	if got := arno.text(chromedp.CSS(`[data-testid="approval"] strong`)); !strings.Contains(got, "arno") {
		arno.fail("the approval is by %q, want arno", got)
	}
	arno.shot("change-request")

	for _, arn := range []string{copyUnload, spectrum} {
		vera.waitFor(chromedp.CSS(`[data-testid="role-row"][data-arn="`+arn+`"] [data-testid="apply-status"][data-status="in-sync"]`), inSyncLimit)
	}
	if n := vera.count(`[data-testid="role-row"][data-arn="` + spectrum + `"] [data-testid="default-role"]`); n != 1 {
		vera.fail("the cluster page does not mark %s as the default", spectrum)
	}
	vera.open("/clusters/"+region+"/"+cluster, 200)
	vera.shot("cluster", `[data-testid="cluster-roles"]`)

	checkAuditTrail(t, arno, cluster, id, []string{copyUnload, spectrum})
}
