//go:build e2e

package e2e

import (
	"github.com/chromedp/chromedp"

	"strings"
	"testing"
)

// TestSignInAndBrowse: the sign-in page lists the demo users and carries
// the demo banner; a viewer signs in, sees the clusters of every demo
// region, opens one and sees its roles with the default marked, and has no
// "Propose a change" button (the form's address answers 403); signing out
// ends the session.
func TestSignInAndBrowse(t *testing.T) {
	needSuite(t)
	vera := newTab(t, "vera")
	vera.open("/login", 200)
	if n := vera.count(`[data-testid="demo-user"]`); n < 5 {
		vera.fail("the sign-in page lists %d demo users, want the five of each role", n)
	}
	if got := vera.text(tid("demo-banner")); !strings.Contains(got, "simulated") {
		vera.fail("demo banner says %q", got)
	}
	vera.shot("sign-in")

	vera.signIn("vera")
	vera.open("/clusters", 200)
	if n := vera.count(`[data-testid="cluster-row"]`); n < 12 {
		vera.fail("the cluster list shows %d rows, want the demo world's clusters", n)
	}
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-southeast-2"} {
		if vera.count(`[data-testid="cluster-row"][data-region="`+region+`"]`) == 0 {
			vera.fail("no cluster of %s in the list", region)
		}
	}
	vera.shot("clusters")

	vera.click(clusterLink("analytics-prod"))
	if got := vera.text(tid("cluster-id")); got != "analytics-prod" {
		vera.fail("cluster page shows %q", got)
	}
	if n := vera.count(`[data-testid="role-row"]`); n != 2 {
		vera.fail("analytics-prod shows %d roles, want 2", n)
	}
	if n := vera.count(`[data-testid="role-row"] [data-testid="default-role"]`); n != 1 {
		vera.fail("analytics-prod marks %d roles as default, want 1", n)
	}
	if n := vera.count(`[data-testid="propose-change"]`); n != 0 {
		vera.fail("a viewer is offered to propose a change")
	}
	// Nor does the form open for her by its address.
	vera.allowStatus(403)
	vera.open(changeFormPath("us-east-1", "analytics-prod"), 403)

	vera.signOut()
	vera.open("/clusters", 200) // sent to sign in again
	if !strings.Contains(vera.location(), "/login") {
		vera.fail("after signing out /clusters did not lead to the sign-in page")
	}
}

// clusterLink is the link of a cluster's row in the cluster list.
func clusterLink(id string) chromedp.CSS {
	return chromedp.CSS(`[data-testid="cluster-row"][data-id="` + id + `"] a`)
}
