//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/chromedp/chromedp"

	"rolegate/redshiftsim"
)

// TestDriftBadgeFilterPageAndRevert: a role added to a cluster straight at
// the simulator (as the console or the CLI would) by an IAM user other than
// Rolegate shows as a badge on the cluster list, under the "changed outside
// Rolegate" filter, and on the cluster page with its difference and the
// user CloudTrail names; proposing the revert opens the change
// form with the removal ticked, and once two approvers approved it (a
// production cluster) and it is in-sync the drift is gone.
func TestDriftBadgeFilterPageAndRevert(t *testing.T) {
	needSuite(t)
	// A cluster no other browser test touches: an open request left on it
	// would make the revert form ask about it first.
	const region, cluster = "us-east-1", "ml-feature-store"
	page := "/clusters/" + demoAccount + "/" + region + "/" + cluster
	extra := roleARN("RedshiftCopyUnload")

	rita := newTab(t, "rita")
	rita.signIn("rita")
	// Seen once through Rolegate: the baseline.
	rita.open(page, 200)
	if rita.count(`[data-testid="cluster-drift"]`) != 0 {
		rita.fail("a cluster first seen shows a drift")
	}

	client := redshift.New(redshift.Options{
		Region: region, BaseEndpoint: aws.String(demoSimURL(t)),
		Credentials: credentials.NewStaticCredentialsProvider(redshiftsim.DemoOperatorKey, "secret", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
	if _, err := client.ModifyClusterIamRoles(context.Background(), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String(cluster), AddIamRoles: []string{extra}}); err != nil {
		t.Fatal(err)
	}
	// The role is adding for a few seconds in the demo; once in-sync the
	// next read of the cluster finds the drift.
	deadline := time.Now().Add(inSyncLimit)
	for {
		rita.open(page, 200)
		if rita.count(`[data-testid="cluster-drift"]`) == 1 {
			break
		}
		if time.Now().After(deadline) {
			rita.fail("no drift shown %s after the role was added outside Rolegate", inSyncLimit)
		}
		rita.do(chromedp.Sleep(time.Second))
	}
	if got := rita.text(tid("drift-added")); !strings.Contains(got, extra) {
		rita.fail("the drift says %q, want the added %s", got, extra)
	}
	// CloudTrail names who did it.
	if got, want := rita.text(tid("drift-caller-arn")), "arn:aws:iam::"+demoAccount+":user/"+redshiftsim.DemoOperator; got != want {
		rita.fail("the drift names %q, want %s", got, want)
	}

	rita.open("/clusters", 200)
	badge := `[data-testid="cluster-row"][data-id="` + cluster + `"] [data-testid="drift-badge"]`
	if rita.count(badge) != 1 {
		rita.fail("the cluster list has no drift badge on %s", cluster)
	}
	rita.open("/clusters?drift=1", 200)
	if n := rita.count(`[data-testid="cluster-row"][data-id="` + cluster + `"]`); n != 1 {
		rita.fail("the filter lists %s %d times, want once", cluster, n)
	}
	if n := rita.count(`[data-testid="cluster-row"]`); n != rita.count(`[data-testid="cluster-row"] [data-testid="drift-badge"]`) {
		rita.fail("the filter lists clusters without drift")
	}

	rita.open(page, 200)
	rita.click(tid("drift-revert"))
	if loc := rita.location(); !strings.Contains(loc, page+"/changes/new?") {
		rita.fail("proposing the revert led to %s, not the change form", loc)
	}
	if got := run(rita, chromedp.Evaluate[bool](`document.querySelector('input[name="remove"][value="`+extra+`"]').checked`)); !got {
		rita.fail("the change form does not tick the removal of %s", extra)
	}
	path, _ := rita.submitChange()

	for _, name := range []string{"arno", "anna"} {
		a := newTab(t, name)
		a.signIn(name)
		a.open(path, 200)
		a.activate(tid("approve"), 200)
	}
	rita.reloadUntilInSync(path)
	deadline = time.Now().Add(inSyncLimit)
	for {
		rita.open(page, 200)
		if rita.count(`[data-testid="cluster-drift"]`) == 0 {
			break
		}
		if time.Now().After(deadline) {
			rita.fail("the drift is still shown after the revert went in-sync")
		}
		rita.do(chromedp.Sleep(time.Second))
	}
	rita.open("/clusters?drift=1", 200)
	if rita.count(`[data-testid="cluster-row"][data-id="`+cluster+`"]`) != 0 {
		rita.fail("the filter still lists %s after the revert", cluster)
	}
}
