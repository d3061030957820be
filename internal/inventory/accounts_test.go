package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

const (
	homeAccount = redshiftsim.Account // reached with the gateway's own credentials
	dataAccount = "111122223333"
	payAccount  = "444455556666"
	payExtID    = "pay-external-id"
)

var accountRegions = []string{"us-east-1", "eu-west-1"}

func accessRole(account string) string { return "arn:aws:iam::" + account + ":role/RolegateAccess" }

// threeAccounts is a world of three accounts × two regions with n clusters
// each, plus "shared-name" in us-east-1 of both role accounts, each with a
// role of its own account.
func threeAccounts(n int) redshiftsim.World {
	w := redshiftsim.World{Accounts: []redshiftsim.AccountSpec{
		{ID: homeAccount},
		{ID: dataAccount, Roles: []redshiftsim.AssumableRole{{Name: "RolegateAccess", Trust: []string{homeAccount}, AllowSourceIdentity: true}}},
		{ID: payAccount, Roles: []redshiftsim.AssumableRole{{Name: "RolegateAccess", Trust: []string{homeAccount}, AllowSourceIdentity: true, ExternalID: payExtID}}},
	}}
	for _, acc := range []string{homeAccount, dataAccount, payAccount} {
		for _, r := range accountRegions {
			for i := range n {
				w.Seeds = append(w.Seeds, redshiftsim.Seed{Account: acc, Region: r, Cluster: redshiftsim.ClusterSpec{ID: fmt.Sprintf("c-%s-%s-%d", acc[:4], r, i)}})
			}
		}
	}
	for _, acc := range []string{dataAccount, payAccount} {
		arn := "arn:aws:iam::" + acc + ":role/Copy"
		w.Seeds = append(w.Seeds, redshiftsim.Seed{Account: acc, Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{
			ID: "shared-name", Roles: []redshiftsim.RoleSpec{{ARN: arn}}, DefaultRole: arn}})
	}
	return w
}

func accountsOf(extID string) []inventory.Account {
	return []inventory.Account{
		{ID: homeAccount, Name: "main"},
		{ID: dataAccount, Name: "analytics", RoleARN: accessRole(dataAccount)},
		{ID: payAccount, Name: "payments", RoleARN: accessRole(payAccount), ExternalID: extID},
	}
}

type accountWorld struct {
	sim   *redshiftsim.Sim
	url   string
	clock *redshiftsim.ManualClock
}

func newAccountWorld(t *testing.T, n int) accountWorld {
	t.Helper()
	clock := redshiftsim.NewManualClock(time.Now())
	sim := redshiftsim.New(redshiftsim.Options{Clock: clock})
	if err := sim.LoadWorld(threeAccounts(n)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return accountWorld{sim: sim, url: srv.URL, clock: clock}
}

func (w accountWorld) gateway(t *testing.T, mod func(*inventory.Options)) *inventory.Gateway {
	t.Helper()
	o := inventory.Options{
		Regions: accountRegions, Accounts: accountsOf(payExtID), Endpoint: w.url,
		TTL: time.Hour, Timeout: 30 * time.Second, MaxBackoff: 10 * time.Millisecond, Now: w.clock.Now,
	}
	if mod != nil {
		mod(&o)
	}
	g, err := inventory.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestListSweepsEveryAccountAndRegionExactlyOnce(t *testing.T) {
	w := newAccountWorld(t, 3)
	g := w.gateway(t, nil)
	inv, err := g.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, c := range inv.Clusters {
		seen[c.Account+"/"+c.Region+"/"+c.ID]++
		if c.Account == "" || c.AccountName == "" {
			t.Errorf("%s/%s has no account", c.Region, c.ID)
		}
	}
	want := 3*2*3 + 2
	if len(inv.Clusters) != want || len(seen) != want {
		t.Fatalf("%d clusters (%d distinct), want %d", len(inv.Clusters), len(seen), want)
	}
	for _, acc := range []string{homeAccount, dataAccount, payAccount} {
		for _, r := range accountRegions {
			for i := range 3 {
				if k := fmt.Sprintf("%s/%s/c-%s-%s-%d", acc, r, acc[:4], r, i); seen[k] != 1 {
					t.Errorf("%s listed %d times", k, seen[k])
				}
			}
		}
	}
	// The identifier in two accounts is two clusters, each with its own roles.
	for _, c := range inv.Clusters {
		if c.ID == "shared-name" && !strings.Contains(c.Default, ":"+c.Account+":") {
			t.Errorf("shared-name of %s shows the role %s", c.Account, c.Default)
		}
	}
	if len(inv.Regions) != 6 || len(inv.Unreachable) != 0 {
		t.Errorf("%d region statuses, unreachable %v", len(inv.Regions), inv.Unreachable)
	}
	// One session per account, shared by its regions.
	if n := w.sim.Stats().Calls("AssumeRole", ""); n != 2 {
		t.Errorf("%d AssumeRole calls, want 2", n)
	}
}

func TestAnAccountWhoseRoleCannotBeAssumedLeavesTheOthersListed(t *testing.T) {
	w := newAccountWorld(t, 2)
	g := w.gateway(t, func(o *inventory.Options) { o.Accounts = accountsOf("not-the-external-id") })
	inv, err := g.List(context.Background())
	if err == nil {
		t.Fatal("no error for the account whose role was refused")
	}
	if len(inv.Unreachable) != 1 {
		t.Fatalf("unreachable %v", inv.Unreachable)
	}
	u := inv.Unreachable[0]
	if u.Account != payAccount || u.Name != "payments" || !strings.Contains(u.Reason(), "external ID") {
		t.Errorf("unreachable %s %q: %s", u.Account, u.Name, u.Reason())
	}
	var re *inventory.RegionError
	if !errors.As(err, &re) || re.Account != payAccount {
		t.Errorf("error %v", err)
	}
	byAccount := map[string]int{}
	for _, c := range inv.Clusters {
		byAccount[c.Account]++
	}
	if byAccount[homeAccount] != 4 || byAccount[dataAccount] != 5 || byAccount[payAccount] != 0 {
		t.Errorf("clusters per account %v", byAccount)
	}
}

func TestAssumedCredentialsAreRenewedBeforeTheyExpire(t *testing.T) {
	w := newAccountWorld(t, 1)
	g := w.gateway(t, nil)
	ctx := context.Background()
	if _, err := g.List(ctx); err != nil {
		t.Fatal(err)
	}
	// stscreds asks for 15-minute sessions; 11 minutes later they expire
	// within the 5-minute window, and 16 minutes later they have expired.
	for i, step := range []time.Duration{11 * time.Minute, 5 * time.Minute, 16 * time.Minute} {
		w.clock.Advance(step)
		g.Refresh("")
		if _, err := g.List(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if n := w.sim.Stats().Calls("AssumeRole", ""); n != 2*(i+2) {
			t.Errorf("step %d: %d AssumeRole calls, want %d", i, n, 2*(i+2))
		}
	}
	if n := w.sim.Stats().Errors("", ""); n != 0 {
		t.Errorf("%d failed calls", n)
	}
}

// inFlight counts the DescribeClusters calls under way over a real
// transport.
type inFlight struct {
	rt       http.RoundTripper
	now, max atomic.Int32
	mu       sync.Mutex
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	n := f.now.Add(1)
	defer f.now.Add(-1)
	f.mu.Lock()
	if n > f.max.Load() {
		f.max.Store(n)
	}
	f.mu.Unlock()
	return f.rt.RoundTrip(r)
}

func TestSweepsRunAtMostConcurrencyAtOnce(t *testing.T) {
	w := newAccountWorld(t, 2)
	w.sim.SetFaults(redshiftsim.Fault{Op: "DescribeClusters", Kind: redshiftsim.FaultLatency, Latency: 20 * time.Millisecond})
	// A CA bundle in the environment would need the SDK's own client type.
	t.Setenv("AWS_CA_BUNDLE", "")
	count := &inFlight{rt: http.DefaultTransport}
	g := w.gateway(t, func(o *inventory.Options) {
		o.Concurrency = 2
		o.HTTPClient = &http.Client{Transport: count}
	})
	inv, err := g.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Clusters) != 3*2*2+2 {
		t.Errorf("%d clusters", len(inv.Clusters))
	}
	// AssumeRole calls run inside a sweep's slot too.
	if m := count.max.Load(); m > 2 {
		t.Errorf("%d calls at once, bound 2", m)
	}
}

func TestWithoutAccountsTheGatewayReadsItsOwnAsBefore(t *testing.T) {
	w := newAccountWorld(t, 2)
	g := w.gateway(t, func(o *inventory.Options) { o.Accounts = nil })
	inv, err := g.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Clusters) != 4 || w.sim.Stats().Calls("AssumeRole", "") != 0 {
		t.Errorf("%d clusters, %d AssumeRole calls", len(inv.Clusters), w.sim.Stats().Calls("AssumeRole", ""))
	}
	// The account comes from each cluster's namespace ARN.
	for _, c := range inv.Clusters {
		if c.Account != homeAccount || c.AccountName != "" {
			t.Errorf("%s has account %q (%q)", c.ID, c.Account, c.AccountName)
		}
	}
}

func TestSTSNameKeepsToSTSCharacters(t *testing.T) {
	for in, want := range map[string]string{
		"arno":                  "arno",
		"ana.maria@example.eu":  "ana.maria@example.eu",
		"jörg müller":           "j-rg-m-ller",
		"a":                     "a-",
		"aws:root":              "aws-root",
		strings.Repeat("x", 70): strings.Repeat("x", 64),
	} {
		if got := inventory.STSName(in); got != want {
			t.Errorf("STSName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetAccountsKeepsWhatDidNotChange(t *testing.T) {
	w := newAccountWorld(t, 1)
	g := w.gateway(t, func(o *inventory.Options) { o.Accounts = accountsOf(payExtID)[:2] })
	ctx := context.Background()
	inv, err := g.List(ctx)
	if err != nil || len(inv.Clusters) != 2*2+1 {
		t.Fatalf("%d clusters, %v", len(inv.Clusters), err)
	}
	if err := g.SetAccounts(accountsOf(payExtID)); err != nil {
		t.Fatal(err)
	}
	inv, err = g.List(ctx)
	if err != nil || len(inv.Clusters) != 3*2+2 {
		t.Fatalf("%d clusters after adding payments, %v", len(inv.Clusters), err)
	}
	// Only the new account was swept and assumed: the others kept theirs.
	st := w.sim.Stats()
	if n := st.Calls("AssumeRole", ""); n != 2 {
		t.Errorf("%d AssumeRole calls, want 2", n)
	}
	if n := st.Calls("DescribeClusters", ""); n != 6 {
		t.Errorf("%d DescribeClusters calls, want 6", n)
	}
	if err := g.SetAccounts([]inventory.Account{{ID: homeAccount}, {ID: dataAccount}}); err == nil {
		t.Error("two accounts without a role were accepted")
	}
}
