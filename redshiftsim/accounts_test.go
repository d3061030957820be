package redshiftsim_test

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"rolegate/redshiftsim"
)

// everyCluster lists "region/id" of every cluster the credentials see in
// the demo world's regions.
func everyCluster(t *testing.T, e *env, creds aws.CredentialsProvider) []string {
	t.Helper()
	var out []string
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-southeast-2"} {
		for _, id := range clusterIDs(t, e.redshiftAs(region, creds)) {
			id, _, _ = strings.Cut(id, "/")
			out = append(out, region+"/"+id)
		}
	}
	sort.Strings(out)
	return out
}

func seedIDs(seeds []redshiftsim.Seed) []string {
	var out []string
	for _, sd := range seeds {
		out = append(out, sd.Region+"/"+sd.Cluster.ID)
	}
	sort.Strings(out)
	return out
}

// The demo world has three accounts. Plain credentials see the default
// account's 14 clusters exactly as before; each other account's clusters
// are seen only with credentials from its RolegateAccess role, and the
// payments account's role wants its external ID.
func TestDemoWorldHasThreeAccounts(t *testing.T) {
	world := redshiftsim.DemoWorld()
	e := newMultiEnv(t, redshiftsim.Options{RoleDelay: 1 << 40}, world)
	if got := e.sim.Accounts(); !slices.Equal(got, []string{redshiftsim.DemoDataAccount, redshiftsim.Account, redshiftsim.DemoPaymentsAccount}) {
		t.Fatalf("accounts %v", got)
	}
	def := world.SeedsIn(redshiftsim.Account)
	if len(def) != 14 {
		t.Errorf("%d clusters in the default account", len(def))
	}
	if got := everyCluster(t, e, plain); !slices.Equal(got, seedIDs(def)) {
		t.Errorf("plain credentials see\n%v\nwant\n%v", got, seedIDs(def))
	}
	for _, tc := range []struct {
		account    string
		externalID string
		clusters   int
	}{
		{redshiftsim.DemoDataAccount, "", 3},
		{redshiftsim.DemoPaymentsAccount, redshiftsim.DemoPaymentsExternalID, 2},
	} {
		creds := e.assumed(roleIn(tc.account, redshiftsim.DemoAccessRole), plain, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "demo-approver"
			o.SourceIdentity = aws.String("approver@example.com")
			if tc.externalID != "" {
				o.ExternalID = aws.String(tc.externalID)
			}
		})
		want := seedIDs(world.SeedsIn(tc.account))
		if got := everyCluster(t, e, creds); len(want) != tc.clusters || !slices.Equal(got, want) {
			t.Errorf("%s: see %v, want %v", tc.account, got, want)
		}
	}
	_, err := e.stsClient("us-east-1", plain).AssumeRole(ctx(t), &sts.AssumeRoleInput{
		RoleArn: aws.String(roleIn(redshiftsim.DemoPaymentsAccount, redshiftsim.DemoAccessRole)), RoleSessionName: aws.String("no-external-id")})
	wantAPIError(t, err, 403, "AccessDenied")
}

// The documented example of a world file with accounts loads, and its
// roles can be assumed as declared.
func TestExampleAccountsWorldFileLoads(t *testing.T) {
	w, err := redshiftsim.ReadWorldFile("testdata/example-accounts-world.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newMultiEnv(t, redshiftsim.Options{RoleDelay: 1 << 40}, w)
	const partner = "210987654321"
	if c, ok := e.sim.ClusterIn(partner, "eu-west-1", "partner-reporting"); !ok || aws.ToString(c.IamRoles[0].ApplyStatus) != "adding" {
		t.Errorf("partner-reporting: %+v", c)
	}
	if _, ok := e.sim.Cluster("eu-west-1", "partner-reporting"); ok {
		t.Error("the partner's cluster is in the default account too")
	}
	got := clusterIDs(t, e.redshiftAs("eu-west-1", e.assumed(roleIn(partner, "RolegateAccess"), plain, session("reader", "someone"))))
	if !slices.Equal(got, []string{"partner-reporting/ra3.xlplus"}) {
		t.Errorf("partner account shows %v", got)
	}
	// partners/AuditRead trusts only the role Auditor, which is not declared.
	_, err = e.stsClient("us-east-1", plain).AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(partner, "partners/AuditRead")),
		RoleSessionName: aws.String("audit"), ExternalId: aws.String("audit-7Qx")})
	wantAPIError(t, err, 403, "AccessDenied")

	// The array form is the default account's clusters, as before; a file
	// with accounts must be read whole.
	if _, err := redshiftsim.LoadWorldFile("testdata/example-accounts-world.json"); err == nil {
		t.Error("LoadWorldFile dropped the accounts of a world silently")
	}
	arr, err := redshiftsim.ReadWorldFile("testdata/example-world.json")
	if err != nil || len(arr.Accounts) != 0 || len(arr.Seeds) != 3 {
		t.Errorf("array world: %+v, %v", arr, err)
	}
}

func TestWorldFilesWithBadAccountsAreRefused(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"unknown account field": `{"accounts": [{"id": "111111111111", "alias": "x"}], "clusters": []}`,
		"unknown role field":    `{"accounts": [{"id": "111111111111", "roles": [{"name": "R", "trust": ["*"], "policy": "{}"}]}], "clusters": []}`,
		"account without id":    `{"accounts": [{"roles": []}], "clusters": []}`,
		"unknown top field":     `{"accounts": [], "clusters": [], "users": []}`,
		"seed without region":   `{"clusters": [{"account": "111111111111", "cluster": {"id": "x"}}]}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := redshiftsim.ReadWorldFile(p); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestDeclareAccountRefusesBadSpecs(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	ok := redshiftsim.AssumableRole{Name: "Taken", Trust: []string{redshiftsim.Account}}
	if err := e.sim.DeclareAccount(redshiftsim.AccountSpec{ID: acctB, Roles: []redshiftsim.AssumableRole{ok}}); err != nil {
		t.Fatal(err)
	}
	role := func(r redshiftsim.AssumableRole) []redshiftsim.AssumableRole {
		if r.Trust == nil {
			r.Trust = []string{"*"}
		}
		return []redshiftsim.AssumableRole{r}
	}
	for name, spec := range map[string]redshiftsim.AccountSpec{
		"short account ID":     {ID: "12345"},
		"letters in ID":        {ID: "12345678901a"},
		"role without name":    {ID: acctC, Roles: role(redshiftsim.AssumableRole{})},
		"bad role name":        {ID: acctC, Roles: role(redshiftsim.AssumableRole{Name: "has space"})},
		"role trusting nobody": {ID: acctC, Roles: []redshiftsim.AssumableRole{{Name: "R"}}},
		"bad principal":        {ID: acctC, Roles: role(redshiftsim.AssumableRole{Name: "R", Trust: []string{"someone"}})},
		"service principal":    {ID: acctC, Roles: role(redshiftsim.AssumableRole{Name: "R", Trust: []string{"redshift.amazonaws.com"}})},
		"bad external ID":      {ID: acctC, Roles: role(redshiftsim.AssumableRole{Name: "R", ExternalID: "x"})},
		"session too short":    {ID: acctC, Roles: role(redshiftsim.AssumableRole{Name: "R", MaxSessionDuration: 900})},
		"session too long":     {ID: acctC, Roles: role(redshiftsim.AssumableRole{Name: "R", MaxSessionDuration: 43201})},
		"role twice":           {ID: acctC, Roles: []redshiftsim.AssumableRole{ok, ok}},
		"role declared before": {ID: acctB, Roles: []redshiftsim.AssumableRole{ok}},
	} {
		if err := e.sim.DeclareAccount(spec); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if got := e.sim.Accounts(); !slices.Equal(got, []string{acctB, redshiftsim.Account}) {
		t.Errorf("accounts after refusals: %v", got)
	}
	if err := e.sim.AddClusterIn("not-an-account", "us-east-1", redshiftsim.ClusterSpec{ID: "x"}); err == nil {
		t.Error("a cluster in a malformed account was accepted")
	}
	// The same identifier may exist in two accounts of one region.
	for _, acct := range []string{redshiftsim.Account, acctB} {
		if err := e.sim.AddClusterIn(acct, "us-east-1", redshiftsim.ClusterSpec{ID: "twin"}); err != nil {
			t.Errorf("twin in %s: %v", acct, err)
		}
	}
	if len(e.sim.ClustersIn(acctB, "us-east-1")) != 1 || len(e.sim.Clusters("us-east-1")) != 1 {
		t.Error("twins not one per account")
	}
	if _, err := e.client("us-east-1").DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("twin")}); err != nil {
		t.Error(err)
	}
}
