package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/internal/account"
	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

const paymentsAccount = "444455556666"

// withRefusedPayments adds to twoAccounts a payments account whose role
// wants an external ID Rolegate does not give: STS refuses the AssumeRole
// (AccessDenied) every time.
func withRefusedPayments(o *testOptions) {
	twoAccounts(o)
	o.world.Accounts = append(o.world.Accounts, redshiftsim.AccountSpec{ID: paymentsAccount, Roles: []redshiftsim.AssumableRole{
		{Name: "RolegateAccess", Trust: []string{testAccount}, ExternalID: "the-right-one", AllowSourceIdentity: true}}})
	o.world.Seeds = append(o.world.Seeds, redshiftsim.Seed{Account: paymentsAccount, Region: testRegion, Cluster: redshiftsim.ClusterSpec{ID: "ledger"}})
	o.accounts = append(o.accounts, account.Spec{ID: paymentsAccount, Name: "payments",
		RoleARN: "arn:aws:iam::444455556666:role/RolegateAccess", ExternalID: "a-wrong-one"})
}

// An account whose AssumeRole is denied gets a banner on the cluster list
// naming the account and the reason in plain words, while the clusters
// of every other account still list.
func TestAnAccountWhoseRoleIsRefusedGetsABannerOnTheList(t *testing.T) {
	app := newTestAppWith(t, withRefusedPayments)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	d := doc(t, vera.get(t, "/clusters"), http.StatusOK)

	banners := d.Find(`[data-testid="account-error"]`)
	if banners.Length() != 1 || banners.AttrOr("data-account", "") != paymentsAccount {
		t.Fatalf("%d account banners (%q), want payments' only", banners.Length(), banners.AttrOr("data-account", ""))
	}
	text := strings.Join(strings.Fields(banners.Text()), " ")
	for _, want := range []string{"payments (" + paymentsAccount + ")", "refused to let Rolegate assume arn:aws:iam::444455556666:role/RolegateAccess", "external ID"} {
		if !strings.Contains(text, want) {
			t.Errorf("the banner %q lacks %q", text, want)
		}
	}
	// Safe to show: neither the external ID nor STS's own text.
	if strings.Contains(text, "a-wrong-one") || strings.Contains(text, "AccessDenied") || strings.Contains(text, "not authorized") {
		t.Errorf("the banner shows more than the plain reason: %q", text)
	}
	perAccount := map[string]int{}
	d.Find(`[data-testid="cluster-row"]`).Each(func(_ int, s *goquery.Selection) {
		perAccount[s.AttrOr("data-account", "")]++
	})
	if perAccount[testAccount] != 1 || perAccount[analyticsAccount] != 2 || perAccount[paymentsAccount] != 0 {
		t.Errorf("clusters per account %v, want main 1, analytics 2, payments none", perAccount)
	}
	// STS was asked, and said no, with its real error code.
	refused := 0
	for _, c := range app.sim.Stats().Log {
		if c.Op == "AssumeRole" && c.Code == "AccessDenied" && strings.Contains(c.Target, paymentsAccount) {
			refused++
		}
	}
	if refused == 0 {
		t.Error("the simulator refused no AssumeRole of payments' role")
	}
}
