//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/chromedp/chromedp"

	"rolegate/redshiftsim"
)

// demoSimURL is the address of the demo server's simulator, which it
// prints when it starts.
func demoSimURL(t *testing.T) string {
	t.Helper()
	out, err := os.ReadFile(suite.srv.stdout)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Demo Redshift simulator on (http://\S+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("the demo server did not print its simulator's address:\n%s", out)
	}
	return string(m[1])
}

// analyticsOwner is the owner of the demo's analytics account working in
// it directly, through its RolegateAccess role.
func analyticsOwner(simURL string) *redshift.Client {
	hc := &http.Client{Transport: redshiftsim.ClientTransport()}
	base := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	stsc := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(simURL), Credentials: base, HTTPClient: hc})
	return redshift.New(redshift.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(simURL), HTTPClient: hc,
		Credentials: aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, "arn:aws:iam::"+dataAccount+":role/"+redshiftsim.DemoAccessRole,
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "owner" })),
	})
}

// TestOldAddressOfAClusterInTwoAccounts: once the analytics account has a
// cluster named like one of the main account's in the same region, the
// old address of that name offers both, by account name and ID (300),
// and choosing one opens that account's cluster.
func TestOldAddressOfAClusterInTwoAccounts(t *testing.T) {
	needSuite(t)
	const cluster = "finance-reporting" // the main account's, in us-east-1
	owner := analyticsOwner(demoSimURL(t))
	ctx := context.Background()
	if _, err := owner.CreateCluster(ctx, &redshift.CreateClusterInput{
		ClusterIdentifier: aws.String(cluster), NodeType: aws.String("dc2.large"),
		MasterUsername: aws.String("owner"), MasterUserPassword: aws.String("Owner-password-1"),
	}); err != nil {
		t.Fatal(err)
	}
	// The cluster goes again, so that the tests after this one find the
	// demo world as it was.
	removed := false
	remove := func() {
		if removed {
			return
		}
		removed = true
		// A cluster can be deleted once it is available, and is gone once
		// DescribeClusters no longer finds it.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(250 * time.Millisecond) {
			out, err := owner.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(cluster)})
			if err == nil && len(out.Clusters) == 1 && aws.ToString(out.Clusters[0].ClusterStatus) == "available" {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("analytics' %s never became available: %v", cluster, err)
				return
			}
		}
		if _, err := owner.DeleteCluster(ctx, &redshift.DeleteClusterInput{ClusterIdentifier: aws.String(cluster), SkipFinalClusterSnapshot: aws.Bool(true)}); err != nil {
			t.Errorf("deleting analytics' %s: %v", cluster, err)
			return
		}
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(250 * time.Millisecond) {
			if _, err := owner.DescribeClusters(ctx, &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(cluster)}); err != nil {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("analytics' %s is never gone", cluster)
				return
			}
		}
	}
	t.Cleanup(remove)

	vera := newTab(t, "vera")
	vera.signIn("vera")
	vera.open("/clusters", 200)
	vera.click(tid("refresh"))
	for deadline := time.Now().Add(stepTimeout); vera.count(`[data-testid="cluster-row"][data-id="`+cluster+`"]`) < 2; {
		if time.Now().After(deadline) {
			vera.fail("the list does not show %s in both accounts", cluster)
		}
		time.Sleep(200 * time.Millisecond)
		vera.open("/clusters", 200)
	}

	vera.open("/clusters/us-east-1/"+cluster, 300)
	choices := vera.text(tid("cluster-moved-choices"))
	for _, want := range []string{"main (123456789012)", "analytics (" + dataAccount + ")"} {
		if !strings.Contains(choices, want) {
			vera.fail("the choice page offers %q, lacking %q", choices, want)
		}
	}
	vera.click(chromedp.CSS(`[data-testid="cluster-moved-choice"][data-account="` + dataAccount + `"] a`))
	if !strings.HasSuffix(vera.location(), "/clusters/"+dataAccount+"/us-east-1/"+cluster) {
		vera.fail("the analytics choice led to %s", vera.location())
	}
	if got := vera.text(tid("cluster-account")); !strings.Contains(got, "analytics") {
		vera.fail("the chosen cluster's page names the account %q", got)
	}
	remove()
	vera.open("/clusters", 200)
	vera.click(tid("refresh"))
	if n := vera.count(`[data-testid="cluster-row"][data-id="` + cluster + `"]`); n != 1 {
		vera.fail("%d rows of %s after analytics' was deleted, want main's only", n, cluster)
	}
}
