package iam_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/internal/iam"
	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

const (
	home = redshiftsim.Account
	data = redshiftsim.DemoDataAccount
)

func arnIn(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

type world struct {
	sim *redshiftsim.Sim
	gw  *inventory.Gateway
	now time.Time
}

// newWorld serves the demo world, with deny as the home account's refused
// IAM actions, and a gateway reading the home and data accounts.
func newWorld(t testing.TB, extraRoles int, deny ...string) *world {
	t.Helper()
	sim := redshiftsim.New(redshiftsim.Options{})
	w := redshiftsim.DemoWorld()
	for i := range w.Accounts {
		if w.Accounts[i].ID == home {
			w.Accounts[i].IAM.Deny = deny
			w.Accounts[i].IAM.Roles = append(w.Accounts[i].IAM.Roles, redshiftsim.GenerateIAMRoles(extraRoles)...)
		}
	}
	if err := sim.LoadWorld(w); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	// The simulator speaks plain HTTP: a CA bundle from the environment
	// has nothing to verify, and the SDK refuses one with a client of its
	// own.
	t.Setenv("AWS_CA_BUNDLE", "")
	gw, err := inventory.New(context.Background(), inventory.Options{Regions: []string{"us-east-1"}, Endpoint: srv.URL,
		HTTPClient: &http.Client{Transport: redshiftsim.ClientTransport()}, Accounts: []inventory.Account{
			{ID: home, Name: "main"},
			{ID: data, Name: "data", RoleARN: arnIn(data, redshiftsim.DemoAccessRole)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	return &world{sim: sim, gw: gw, now: time.Now()}
}

func (w *world) service(o iam.Options) *iam.Service {
	o.Connect = iam.Connect(w.gw.AccountConfig)
	if o.Now == nil {
		o.Now = func() time.Time { return w.now }
	}
	return iam.New(o)
}

func results(rep iam.Report, arn string) map[iam.Kind]iam.Result {
	out := map[iam.Kind]iam.Result{}
	for _, rr := range rep.Roles {
		if rr.ARN == arn {
			for _, r := range rr.Results {
				out[r.Kind] = r
			}
		}
	}
	return out
}

func TestEachRoleCheckPassesFailsOrIsNotCheckedWithItsReason(t *testing.T) {
	w := newWorld(t, 0)
	s := w.service(iam.Options{Accounts: iam.AccountRule{Allowed: []string{"999988887777"}}})
	good, lambda, missing := arnIn(home, "RedshiftCopyUnload"), arnIn(home, "LambdaDataLoader"), arnIn(home, "NoSuchRole")
	closed, linked := arnIn(home, "RedshiftPartnerShare"), arnIn(home, "aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift")
	foreign, allowed := arnIn("210987654321", "Elsewhere"), arnIn("999988887777", "Shared")
	rep := s.Check(context.Background(), home, []string{good, lambda, missing, closed, linked, foreign, allowed})
	for _, tc := range []struct {
		arn    string
		kind   iam.Kind
		status iam.Status
		detail string
	}{
		{good, iam.KindExists, iam.Pass, "exists"},
		{good, iam.KindTrust, iam.Pass, "allows redshift.amazonaws.com"},
		{good, iam.KindPassRole, iam.Pass, "user/rolegate may pass"},
		{good, iam.KindAccount, iam.Pass, "cluster's account"},
		{lambda, iam.KindTrust, iam.Fail, "does not allow redshift.amazonaws.com"},
		{missing, iam.KindExists, iam.Fail, "no role named NoSuchRole"},
		{missing, iam.KindTrust, iam.NotChecked, "does not exist"},
		{closed, iam.KindPassRole, iam.Fail, "no policy allows"},
		{linked, iam.KindServiceLinked, iam.Fail, "service-linked"},
		{foreign, iam.KindAccount, iam.Fail, "not the cluster's account"},
		{foreign, iam.KindExists, iam.NotChecked, "only in the cluster's account"},
		{allowed, iam.KindAccount, iam.Pass, "allowed by -iam-allowed-accounts"},
	} {
		got := results(rep, tc.arn)[tc.kind]
		if got.Status != tc.status || !strings.Contains(got.Detail, tc.detail) {
			t.Errorf("%s %s: %s %q, want %s containing %q", tc.arn, tc.kind, got.Status, got.Detail, tc.status, tc.detail)
		}
	}
	if len(rep.RequestIDs) < 10 {
		t.Errorf("IAM request IDs recorded: %d", len(rep.RequestIDs))
	}
	// Passing a role that does not exist is not asked about.
	if r := results(rep, missing)[iam.KindPassRole]; r.Status != iam.NotChecked {
		t.Errorf("pass role of a missing role: %s", r.Status)
	}
	if len(rep.Failures()) != 7 {
		t.Errorf("failures %v, want 7", rep.Failures())
	}
}

func TestChecksInAnotherAccountUseItsCredentialsAndItsRole(t *testing.T) {
	w := newWorld(t, 0)
	s := w.service(iam.Options{})
	rep := s.Check(context.Background(), data, []string{arnIn(data, "RedshiftSpectrum")})
	for k, r := range results(rep, arnIn(data, "RedshiftSpectrum")) {
		if r.Status != iam.Pass {
			t.Errorf("%s: %s %s", k, r.Status, r.Detail)
		}
	}
	if d := results(rep, arnIn(data, "RedshiftSpectrum"))[iam.KindPassRole].Detail; !strings.Contains(d, arnIn(data, redshiftsim.DemoAccessRole)) {
		t.Errorf("pass role simulated for %q, want the access role", d)
	}
}

func TestWithoutIAMPermissionsTheChecksAreNotCheckedAndSayWhy(t *testing.T) {
	w := newWorld(t, 0, "iam:*")
	rep := w.service(iam.Options{}).Check(context.Background(), home, []string{arnIn(home, "LambdaDataLoader")})
	got := results(rep, arnIn(home, "LambdaDataLoader"))
	for _, k := range []iam.Kind{iam.KindExists, iam.KindTrust, iam.KindPassRole} {
		if got[k].Status != iam.NotChecked || !strings.Contains(got[k].Detail, "AccessDenied") {
			t.Errorf("%s: %s %q", k, got[k].Status, got[k].Detail)
		}
	}
	if f := rep.Failures(); len(f) != 0 {
		t.Errorf("failures %v", f)
	}
}

func TestTheRoleListingIsCachedSharedAndSearchable(t *testing.T) {
	w := newWorld(t, 2500)
	s := w.service(iam.Options{TTL: time.Minute})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Roles(context.Background(), home); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	pages := w.sim.Stats().Calls("ListRoles", "")
	if pages != 3 {
		t.Fatalf("8 concurrent cold listings of 2509 roles made %d ListRoles calls, want 3 (one paginated listing)", pages)
	}
	got, more, err := s.Search(context.Background(), home, "copyUNLOAD", 10)
	if err != nil || more || len(got) != 1 || got[0].Name != "RedshiftCopyUnload" || !got[0].Trust.Redshift {
		t.Fatalf("search by name: %+v more=%v err=%v", got, more, err)
	}
	byPath, _, _ := s.Search(context.Background(), home, "/aws-service-role/", 10)
	if len(byPath) != 1 || !byPath[0].ServiceLinked {
		t.Fatalf("search by path: %+v", byPath)
	}
	byARN, more, _ := s.Search(context.Background(), home, ":role/service-role/Role0", 5)
	if len(byARN) != 5 || !more {
		t.Fatalf("search by ARN: %d roles, more=%v", len(byARN), more)
	}
	if n := w.sim.Stats().Calls("ListRoles", ""); n != pages {
		t.Fatalf("searches within the TTL listed again: %d calls", n)
	}
	w.now = w.now.Add(2 * time.Minute)
	if _, err := s.Roles(context.Background(), home); err != nil {
		t.Fatal(err)
	}
	if n := w.sim.Stats().Calls("ListRoles", ""); n != 2*pages {
		t.Fatalf("after the TTL: %d calls, want %d", n, 2*pages)
	}
}
