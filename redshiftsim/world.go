package redshiftsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
)

func roleARNFor(name string) string { return roleIn(Account, name) }

func roleIn(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// The demo world's further accounts, and the role in each that the default
// account may assume.
const (
	DemoDataAccount     = "111122223333"
	DemoPaymentsAccount = "444455556666"
	DemoAccessRole      = "RolegateAccess"
	// DemoPaymentsExternalID is the external ID the payments account's
	// role requires.
	DemoPaymentsExternalID = "rolegate-demo"
	// DemoOperatorKey is the access key of DemoOperator, an IAM user of the
	// default account who is not Rolegate: what it changes is drift, and
	// CloudTrail names it.
	DemoOperatorKey = "AKIADEMOOPERATOR"
	DemoOperator    = "dba-on-call"
)

// DemoWorld is the built-in demo world in three accounts. The default
// account (Account), which plain credentials reach, has 14 clusters over
// us-east-1, eu-west-1 and ap-southeast-2 with varied node types and
// states, one paused and one modifying, several with roles and a default,
// one with a role still adding, production and staging tags. The accounts
// DemoDataAccount (3 clusters) and DemoPaymentsAccount (2) are reached
// only with credentials from AssumeRole of their DemoAccessRole, which
// trusts the default account and allows a source identity; the payments
// account's requires DemoPaymentsExternalID as well. DemoOperator signs
// with DemoOperatorKey in the default account.
func DemoWorld() World {
	return World{
		Accounts: []AccountSpec{
			{ID: Account, IAM: demoIAM(false), Users: []UserSpec{{Name: DemoOperator, AccessKey: DemoOperatorKey}}},
			{ID: DemoDataAccount, IAM: demoIAM(true), Roles: []AssumableRole{
				{Name: DemoAccessRole, Trust: []string{Account}, AllowSourceIdentity: true},
			}},
			{ID: DemoPaymentsAccount, IAM: demoIAM(true), Roles: []AssumableRole{
				{Name: DemoAccessRole, Trust: []string{Account}, AllowSourceIdentity: true, ExternalID: DemoPaymentsExternalID},
			}},
		},
		Seeds: append(demoDefaultAccount(), demoOtherAccounts()...),
	}
}

func demoOtherAccounts() []Seed {
	data := func(name string) string { return roleIn(DemoDataAccount, name) }
	pay := func(name string) string { return roleIn(DemoPaymentsAccount, name) }
	return []Seed{
		{Account: DemoDataAccount, Region: "us-east-1", Cluster: ClusterSpec{ID: "lakehouse-prod", NodeType: "ra3.4xlarge", NumberOfNodes: 4,
			Roles:       []RoleSpec{{ARN: data("RedshiftSpectrum")}, {ARN: data("RedshiftCopyUnload")}},
			DefaultRole: data("RedshiftCopyUnload"), DBName: "lakehouse",
			Tags: map[string]string{"environment": "production", "team": "data-platform"}}},
		{Account: DemoDataAccount, Region: "us-east-1", Cluster: ClusterSpec{ID: "lakehouse-dev", NodeType: "dc2.large", NumberOfNodes: 1,
			Tags: map[string]string{"environment": "development", "team": "data-platform"}}},
		{Account: DemoDataAccount, Region: "eu-west-1", Cluster: ClusterSpec{ID: "eu-lakehouse", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: data("RedshiftSpectrum")}},
			Tags:  map[string]string{"environment": "production", "team": "data-platform"}}},
		{Account: DemoPaymentsAccount, Region: "us-east-1", Cluster: ClusterSpec{ID: "payments-ledger", NodeType: "ra3.16xlarge", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: pay("RedshiftAuditExport")}}, DefaultRole: pay("RedshiftAuditExport"), DBName: "ledger",
			Tags: map[string]string{"environment": "production", "team": "payments", "data-class": "pci"}}},
		{Account: DemoPaymentsAccount, Region: "ap-southeast-2", Cluster: ClusterSpec{ID: "apac-payments", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: pay("RedshiftCopyUnload")}},
			Tags:  map[string]string{"environment": "staging", "team": "payments"}}},
	}
}

func demoDefaultAccount() []Seed {
	copyUnload := roleARNFor("RedshiftCopyUnload")
	spectrum := roleARNFor("RedshiftSpectrum")
	etl := roleARNFor("service-role/RedshiftETL")
	ml := roleARNFor("RedshiftML")
	audit := roleARNFor("RedshiftAuditExport")
	prod := func(team string) map[string]string {
		return map[string]string{"environment": "production", "team": team}
	}
	return []Seed{
		{Region: "us-east-1", Cluster: ClusterSpec{ID: "analytics-prod", NodeType: "ra3.4xlarge", NumberOfNodes: 4,
			Roles: []RoleSpec{{ARN: copyUnload}, {ARN: spectrum}}, DefaultRole: copyUnload,
			Tags: prod("analytics"), DBName: "analytics"}},
		{Region: "us-east-1", Cluster: ClusterSpec{ID: "analytics-staging", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: copyUnload}}, DefaultRole: copyUnload,
			Tags: map[string]string{"environment": "staging", "team": "analytics"}, DBName: "analytics"}},
		{Region: "us-east-1", Cluster: ClusterSpec{ID: "finance-reporting", NodeType: "ra3.16xlarge", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: audit}, {ARN: copyUnload}}, DefaultRole: audit,
			Tags: prod("finance"), DBName: "finance", MasterUsername: "finadmin"}},
		{Region: "us-east-1", Cluster: ClusterSpec{ID: "marketing-sandbox", NodeType: "dc2.large", NumberOfNodes: 1,
			Status: StatusPaused, Tags: map[string]string{"environment": "sandbox", "team": "marketing"}}},
		{Region: "us-east-1", Cluster: ClusterSpec{ID: "ml-feature-store", NodeType: "ra3.4xlarge", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: ml}, {ARN: spectrum, Status: RoleAdding}},
			Tags:  prod("data-science"), DBName: "features"}},
		{Region: "us-east-1", Cluster: ClusterSpec{ID: "etl-batch", NodeType: "dc2.8xlarge", NumberOfNodes: 3,
			Roles: []RoleSpec{{ARN: etl}, {ARN: copyUnload}}, DefaultRole: etl,
			Tags: map[string]string{"environment": "production", "team": "platform", "cost-center": "cc-1042"}}},
		{Region: "eu-west-1", Cluster: ClusterSpec{ID: "eu-analytics-prod", NodeType: "ra3.4xlarge", NumberOfNodes: 6,
			Roles: []RoleSpec{{ARN: copyUnload}, {ARN: spectrum}, {ARN: ml}}, DefaultRole: spectrum,
			Tags: prod("analytics"), DBName: "analytics"}},
		{Region: "eu-west-1", Cluster: ClusterSpec{ID: "eu-customer-360", NodeType: "ra3.xlplus", NumberOfNodes: 4,
			Roles: []RoleSpec{{ARN: copyUnload}}, DefaultRole: copyUnload,
			Tags: map[string]string{"environment": "production", "team": "crm", "data-class": "pii"}}},
		{Region: "eu-west-1", Cluster: ClusterSpec{ID: "eu-dev", NodeType: "dc2.large", NumberOfNodes: 2,
			Tags: map[string]string{"environment": "development", "team": "platform"}}},
		{Region: "eu-west-1", Cluster: ClusterSpec{ID: "eu-gdpr-archive", NodeType: "ra3.large", NumberOfNodes: 2,
			Status: StatusModifying, Roles: []RoleSpec{{ARN: audit}},
			Tags: map[string]string{"environment": "production", "team": "legal"}}},
		{Region: "eu-west-1", Cluster: ClusterSpec{ID: "eu-logistics", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: etl}}, DefaultRole: etl,
			Tags: map[string]string{"environment": "staging", "team": "logistics"}}},
		{Region: "ap-southeast-2", Cluster: ClusterSpec{ID: "apac-sales", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: copyUnload}, {ARN: spectrum}}, DefaultRole: copyUnload,
			Tags: prod("sales")}},
		{Region: "ap-southeast-2", Cluster: ClusterSpec{ID: "apac-reporting", NodeType: "dc2.large", NumberOfNodes: 4,
			Tags: map[string]string{"environment": "staging", "team": "sales"}}},
		{Region: "ap-southeast-2", Cluster: ClusterSpec{ID: "apac-poc", NodeType: "ra3.large", NumberOfNodes: 1,
			Roles: []RoleSpec{{ARN: ml}},
			Tags:  map[string]string{"environment": "sandbox"}}},
	}
}

// GenerateAccounts returns a world of n clusters spread evenly over
// accounts accounts (the default one, then 100000000001, 100000000002, …),
// each account's clusters generated as Generate does with its own seed;
// every account but the default has a role RolegateAccess that the
// default account may assume with a source identity, as the cross-account
// recipe sets up. It is the large multi-account world of benchmarks.
func GenerateAccounts(n, accounts int, regions []string, seed int64) World {
	accounts = max(accounts, 1)
	w := World{Accounts: []AccountSpec{{ID: Account}}}
	for i := 1; i < accounts; i++ {
		w.Accounts = append(w.Accounts, AccountSpec{ID: fmt.Sprintf("%012d", 100000000000+i),
			Roles: []AssumableRole{{Name: "RolegateAccess", Trust: []string{Account}, AllowSourceIdentity: true}}})
	}
	for i, a := range w.Accounts {
		for _, sd := range Generate(n/accounts, regions, seed+int64(i)) {
			sd.Account = a.ID
			w.Seeds = append(w.Seeds, sd)
		}
	}
	return w
}

// Generate returns n clusters spread round-robin over regions, with node
// types, roles, defaults and tags drawn from seed, for benchmarks and
// paging tests. Identifiers are cluster-00001, cluster-00002, ….
func Generate(n int, regions []string, seed int64) []Seed {
	if len(regions) == 0 {
		regions = []string{DefaultRegion}
	}
	rnd := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b9))
	types := []string{"ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge", "dc2.large", "dc2.8xlarge", "ra3.large"}
	envs := []string{"production", "staging", "development", "sandbox"}
	teams := []string{"analytics", "finance", "platform", "sales", "crm", "data-science"}
	out := make([]Seed, 0, n)
	for i := 0; i < n; i++ {
		region := regions[i%len(regions)]
		spec := ClusterSpec{
			ID:            fmt.Sprintf("cluster-%05d", i+1),
			NodeType:      types[rnd.IntN(len(types))],
			NumberOfNodes: 1 + rnd.IntN(8),
			Tags:          map[string]string{"environment": envs[rnd.IntN(len(envs))], "team": teams[rnd.IntN(len(teams))]},
		}
		if rnd.IntN(10) == 0 {
			spec.Status = StatusPaused
		}
		nroles := rnd.IntN(4)
		for r := 0; r < nroles; r++ {
			spec.Roles = append(spec.Roles, RoleSpec{ARN: arnInPartition(region, fmt.Sprintf("Role%02d", rnd.IntN(40)))})
		}
		spec.Roles = dedupRoles(spec.Roles)
		if len(spec.Roles) > 0 && rnd.IntN(2) == 0 {
			spec.DefaultRole = spec.Roles[0].ARN
		}
		out = append(out, Seed{Region: region, Cluster: spec})
	}
	return out
}

func arnInPartition(region, name string) string {
	return "arn:" + partitionOf(region) + ":iam::" + Account + ":role/" + name
}

func dedupRoles(rs []RoleSpec) []RoleSpec {
	seen := map[string]bool{}
	out := rs[:0]
	for _, r := range rs {
		if !seen[r.ARN] {
			seen[r.ARN] = true
			out = append(out, r)
		}
	}
	return out
}

// LoadWorldFile reads the seeds of a world file that declares no
// accounts (see ReadWorldFile); one that does is refused, since its roles
// would be lost.
func LoadWorldFile(path string) ([]Seed, error) {
	w, err := ReadWorldFile(path)
	if err != nil {
		return nil, err
	}
	if len(w.Accounts) > 0 {
		return nil, fmt.Errorf("redshiftsim: world %s declares accounts: read it with ReadWorldFile", path)
	}
	return w.Seeds, nil
}

// ReadWorldFile reads a world from a JSON file, in one of two forms.
//
// An array of seeds puts every cluster in the default account:
// [{"region": "...", "cluster": {"id": "...", "node_type": "...",
// "number_of_nodes": 2, "status": "available", "roles": [{"arn": "...",
// "status": "adding"}], "default_role": "...", "tags": {"k": "v"},
// "db_name": "...", "master_username": "...", "no_namespace_arn": true}}].
//
// An object declares accounts and the roles STS lets callers assume in
// them, and places each cluster in an account ("account" omitted: the
// default one): {"accounts": [{"id": "111122223333", "roles": [{"name":
// "RolegateAccess", "trust": ["123456789012"], "external_id": "...",
// "allow_source_identity": true, "max_session_duration": 3600}], "iam":
// {"roles": [{"name": "RedshiftCopyUnload", "services":
// ["redshift.amazonaws.com"], "pass": "allowed"}], "deny":
// ["iam:GetRole"]}}],
// "clusters": [{"account": "111122223333", "region": "...", "cluster":
// {...}}]}.
//
// Unknown fields are errors.
func ReadWorldFile(path string) (World, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return World{}, fmt.Errorf("redshiftsim: read world: %w", err)
	}
	b = bytes.TrimSpace(b)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var w World
	if len(b) > 0 && b[0] == '{' {
		err = dec.Decode(&w)
	} else {
		err = dec.Decode(&w.Seeds)
	}
	if err != nil {
		return World{}, fmt.Errorf("redshiftsim: parse world %s: %w", path, err)
	}
	for i, a := range w.Accounts {
		if a.ID == "" {
			return World{}, fmt.Errorf("redshiftsim: world %s: account %d needs an id", path, i+1)
		}
	}
	for i, s := range w.Seeds {
		if s.Region == "" || s.Cluster.ID == "" {
			return World{}, fmt.Errorf("redshiftsim: world %s: seed %d needs a region and a cluster id", path, i+1)
		}
	}
	return w, nil
}
