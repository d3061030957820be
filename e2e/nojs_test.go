//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWithoutJavaScript: with script execution off in both browsers, a
// requester signs in, proposes a change (using the Preview button to pick
// the new default) and an approver approves it; reloading the request page
// shows it reach in-sync.
func TestWithoutJavaScript(t *testing.T) {
	needSuite(t)
	const region, cluster = "ap-southeast-2", "apac-reporting"
	etl := roleARN("service-role/RedshiftETL")

	rita := newTab(t, "rita", withoutJS())
	rita.signIn("rita")
	if run(rita, chromedp.Evaluate[string](`typeof window.htmx`)) != "undefined" {
		rita.fail("scripts run although they are disabled")
	}
	rita.open("/clusters", 200)
	rita.click(clusterLink(cluster))
	rita.click(tid("propose-change"))
	// Without JavaScript the list cannot follow the typing; the page says
	// that Preview brings the typed roles into it.
	if got := rita.text(tid("default-nojs")); !strings.Contains(got, "Preview") {
		rita.fail("the form does not say that Preview refreshes the default's choices: %q", got)
	}
	rita.fillChange(draft{add: []string{etl}, def: etl, reason: "ETL jobs load the sales extracts"})
	path, _ := rita.submitChange()
	rita.wantState("pending")
	rita.signOut()

	arno := newTab(t, "arno", withoutJS())
	arno.signIn("arno")
	arno.open(path, 200)
	arno.activate(tid("approve"), 200)
	arno.reloadUntilInSync(path)
	if got := arno.liveRoleStatus(etl); got != "in-sync" {
		arno.fail("the request page shows %s as %q, want in-sync", etl, got)
	}
}
