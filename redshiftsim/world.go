package redshiftsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
)

func roleARNFor(name string) string { return "arn:aws:iam::" + Account + ":role/" + name }

// DemoWorld is the built-in demo world: 14 clusters over us-east-1,
// eu-west-1 and ap-southeast-2 with varied node types and states, one
// paused and one modifying, several with roles and a default, one with a
// role still adding, production and staging tags.
func DemoWorld() []Seed {
	copyUnload := roleARNFor("RedshiftCopyUnload")
	spectrum := roleARNFor("RedshiftSpectrum")
	etl := roleARNFor("service-role/RedshiftETL")
	ml := roleARNFor("RedshiftML")
	audit := roleARNFor("RedshiftAuditExport")
	prod := func(team string) map[string]string {
		return map[string]string{"environment": "production", "team": team}
	}
	return []Seed{
		{"us-east-1", ClusterSpec{ID: "analytics-prod", NodeType: "ra3.4xlarge", NumberOfNodes: 4,
			Roles: []RoleSpec{{ARN: copyUnload}, {ARN: spectrum}}, DefaultRole: copyUnload,
			Tags: prod("analytics"), DBName: "analytics"}},
		{"us-east-1", ClusterSpec{ID: "analytics-staging", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: copyUnload}}, DefaultRole: copyUnload,
			Tags: map[string]string{"environment": "staging", "team": "analytics"}, DBName: "analytics"}},
		{"us-east-1", ClusterSpec{ID: "finance-reporting", NodeType: "ra3.16xlarge", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: audit}, {ARN: copyUnload}}, DefaultRole: audit,
			Tags: prod("finance"), DBName: "finance", MasterUsername: "finadmin"}},
		{"us-east-1", ClusterSpec{ID: "marketing-sandbox", NodeType: "dc2.large", NumberOfNodes: 1,
			Status: StatusPaused, Tags: map[string]string{"environment": "sandbox", "team": "marketing"}}},
		{"us-east-1", ClusterSpec{ID: "ml-feature-store", NodeType: "ra3.4xlarge", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: ml}, {ARN: spectrum, Status: RoleAdding}},
			Tags:  prod("data-science"), DBName: "features"}},
		{"us-east-1", ClusterSpec{ID: "etl-batch", NodeType: "dc2.8xlarge", NumberOfNodes: 3,
			Roles: []RoleSpec{{ARN: etl}, {ARN: copyUnload}}, DefaultRole: etl,
			Tags: map[string]string{"environment": "production", "team": "platform", "cost-center": "cc-1042"}}},
		{"eu-west-1", ClusterSpec{ID: "eu-analytics-prod", NodeType: "ra3.4xlarge", NumberOfNodes: 6,
			Roles: []RoleSpec{{ARN: copyUnload}, {ARN: spectrum}, {ARN: ml}}, DefaultRole: spectrum,
			Tags: prod("analytics"), DBName: "analytics"}},
		{"eu-west-1", ClusterSpec{ID: "eu-customer-360", NodeType: "ra3.xlplus", NumberOfNodes: 4,
			Roles: []RoleSpec{{ARN: copyUnload}}, DefaultRole: copyUnload,
			Tags: map[string]string{"environment": "production", "team": "crm", "data-class": "pii"}}},
		{"eu-west-1", ClusterSpec{ID: "eu-dev", NodeType: "dc2.large", NumberOfNodes: 2,
			Tags: map[string]string{"environment": "development", "team": "platform"}}},
		{"eu-west-1", ClusterSpec{ID: "eu-gdpr-archive", NodeType: "ra3.large", NumberOfNodes: 2,
			Status: StatusModifying, Roles: []RoleSpec{{ARN: audit}},
			Tags: map[string]string{"environment": "production", "team": "legal"}}},
		{"eu-west-1", ClusterSpec{ID: "eu-logistics", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: etl}}, DefaultRole: etl,
			Tags: map[string]string{"environment": "staging", "team": "logistics"}}},
		{"ap-southeast-2", ClusterSpec{ID: "apac-sales", NodeType: "ra3.xlplus", NumberOfNodes: 2,
			Roles: []RoleSpec{{ARN: copyUnload}, {ARN: spectrum}}, DefaultRole: copyUnload,
			Tags: prod("sales")}},
		{"ap-southeast-2", ClusterSpec{ID: "apac-reporting", NodeType: "dc2.large", NumberOfNodes: 4,
			Tags: map[string]string{"environment": "staging", "team": "sales"}}},
		{"ap-southeast-2", ClusterSpec{ID: "apac-poc", NodeType: "ra3.large", NumberOfNodes: 1,
			Roles: []RoleSpec{{ARN: ml}},
			Tags:  map[string]string{"environment": "sandbox"}}},
	}
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

// LoadWorldFile reads seeds from a JSON file: an array of
// {"region": "...", "cluster": {"id": "...", "node_type": "...",
// "number_of_nodes": 2, "status": "available", "roles": [{"arn": "...",
// "status": "adding"}], "default_role": "...", "tags": {"k": "v"},
// "db_name": "...", "master_username": "...", "no_namespace_arn": true}}.
// Unknown fields are errors.
func LoadWorldFile(path string) ([]Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("redshiftsim: read world: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var seeds []Seed
	if err := dec.Decode(&seeds); err != nil {
		return nil, fmt.Errorf("redshiftsim: parse world %s: %w", path, err)
	}
	for i, s := range seeds {
		if s.Region == "" || s.Cluster.ID == "" {
			return nil, fmt.Errorf("redshiftsim: world %s: seed %d needs a region and a cluster id", path, i+1)
		}
	}
	return seeds, nil
}
