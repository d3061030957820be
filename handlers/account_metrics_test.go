package handlers_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/internal/change"
)

const testMetricsToken = "a-metrics-token-of-some-length"

// scrape reads /metrics with the token, as Prometheus does.
func (a *testApp) scrape(t *testing.T) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.url+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testMetricsToken)
	res, err := a.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return wantStatus(t, res, http.StatusOK, "scrape")
}

var awsCallAccount = regexp.MustCompile(`(?m)^rolegate_aws_calls_total\{account="([^"]*)"`)

// The metrics of AWS calls carry the account each call was made in, by
// its ID: the sweeps of both accounts, the AssumeRole of the one reached
// through a role and the change made there; no call goes unlabelled and
// no label names anything but a configured account.
func TestAWSCallMetricsCarryTheAccount(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) {
		twoAccounts(o)
		o.metricsToken = testMetricsToken
	})
	rita := app.signIn(t, "rita", auth.RoleRequester)
	wantStatus(t, rita.get(t, "/clusters"), http.StatusOK, "list")
	id := approvedIn(t, app, "solo")
	app.waitState(t, id, change.InSync)

	body := app.scrape(t)
	for _, want := range []string{
		`rolegate_aws_calls_total{account="` + testAccount + `",operation="DescribeClusters",outcome="success",region="` + testRegion + `",service="Redshift"}`,
		`rolegate_aws_calls_total{account="` + analyticsAccount + `",operation="DescribeClusters",outcome="success",region="` + testRegion + `",service="Redshift"}`,
		`rolegate_aws_calls_total{account="` + analyticsAccount + `",operation="AssumeRole",outcome="success",region="` + testRegion + `",service="STS"}`,
		`rolegate_aws_calls_total{account="` + analyticsAccount + `",operation="ModifyClusterIamRoles",outcome="success",region="` + testRegion + `",service="Redshift"} 1`,
		`rolegate_aws_call_duration_seconds_count{account="` + analyticsAccount + `",operation="ModifyClusterIamRoles",region="` + testRegion + `",service="Redshift"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	series := awsCallAccount.FindAllStringSubmatch(body, -1)
	if len(series) == 0 {
		t.Fatal("no rolegate_aws_calls_total series")
	}
	for _, m := range series {
		if m[1] != testAccount && m[1] != analyticsAccount {
			t.Errorf("an AWS call labelled account %q", m[1])
		}
	}
}
