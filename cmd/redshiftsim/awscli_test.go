package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// awsCLI runs `aws redshift ARGS --output json` against url in region.
type awsCLI struct {
	t    *testing.T
	bin  string
	url  string
	env  []string
	v2   bool
	errc int // exit code of a service error: 254 for v2, 255 for v1
}

func newAWSCLI(t *testing.T, url, region string) *awsCLI {
	bin := needTool(t, "aws")
	env := toolEnv(t, region)
	cliVersion.Do(func() {
		ver := runTool(t, env, bin, "--version")
		cliIsV2 = strings.Contains(ver.stdout+ver.stderr, "aws-cli/2.")
	})
	c := &awsCLI{t: t, bin: bin, url: url, env: env, v2: cliIsV2, errc: 255}
	if cliIsV2 {
		c.errc = 254
	}
	return c
}

// The CLI's major version decides its exit code for service errors; it is
// asked once per test run because each start of the CLI is slow.
var (
	cliVersion sync.Once
	cliIsV2    bool
)

func (c *awsCLI) run(args ...string) toolResult {
	c.t.Helper()
	return runTool(c.t, c.env, c.bin, append(append([]string{"redshift"}, args...), "--endpoint-url", c.url, "--output", "json")...)
}

// ok runs a command that must succeed and decodes its JSON output.
func (c *awsCLI) ok(v any, args ...string) {
	c.t.Helper()
	r := c.run(args...)
	if r.code != 0 {
		c.t.Fatalf("aws redshift %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
			c.t.Fatalf("aws redshift %s: %v\n%s", args[0], err, r.stdout)
		}
	}
}

// fails runs a command that must fail with a service error naming code and
// message.
func (c *awsCLI) fails(code, message string, args ...string) {
	c.t.Helper()
	r := c.run(args...)
	if r.code != c.errc {
		c.t.Errorf("aws redshift %s: exit %d, want %d\n%s", args[0], r.code, c.errc, r.stderr)
	}
	want := "(" + code + ")"
	if !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, message) {
		c.t.Errorf("aws redshift %s: stderr %q lacks %s / %q", args[0], r.stderr, want, message)
	}
}

type cliCluster struct {
	ClusterIdentifier         string
	ClusterStatus             string
	ClusterAvailabilityStatus string
	NodeType                  string
	NumberOfNodes             int
	Encrypted                 bool
	DefaultIamRoleArn         string
	ClusterCreateTime         string
	IamRoles                  []struct{ IamRoleArn, ApplyStatus string }
	Tags                      []struct{ Key, Value string }
	Endpoint                  *struct {
		Address string
		Port    int
	}
}

func (c cliCluster) roles() map[string]string {
	m := map[string]string{}
	for _, r := range c.IamRoles {
		m[r.IamRoleArn] = r.ApplyStatus
	}
	return m
}

type cliOne struct{ Cluster cliCluster }

type cliMany struct {
	Clusters  []cliCluster
	NextToken string
	Marker    string
}

const (
	cliRoleA = "arn:aws:iam::123456789012:role/CliRoleA"
	cliRoleB = "arn:aws:iam::123456789012:role/CliRoleB"
)

func TestAWSCLIDescribeClustersPaging(t *testing.T) {
	t.Parallel()
	url := startProcess(t, "-world", "generate:45", "-regions", "eu-west-1")
	cli := newAWSCLI(t, url, "eu-west-1")
	var all cliMany
	cli.ok(&all, "describe-clusters", "--page-size", "20")
	if len(all.Clusters) != 45 || all.NextToken != "" {
		t.Fatalf("%d clusters, next token %q", len(all.Clusters), all.NextToken)
	}
	seen := map[string]bool{}
	for _, c := range all.Clusters {
		seen[c.ClusterIdentifier] = true
	}
	if len(seen) != 45 {
		t.Errorf("%d distinct clusters", len(seen))
	}
	if n := simStats(t, url).Calls("DescribeClusters", "eu-west-1"); n != 3 {
		t.Errorf("--page-size 20 over 45 clusters made %d calls, want 3", n)
	}
	var some cliMany
	cli.ok(&some, "describe-clusters", "--page-size", "20", "--max-items", "25")
	if len(some.Clusters) != 25 || some.NextToken == "" {
		t.Errorf("--max-items 25: %d clusters, next token %q", len(some.Clusters), some.NextToken)
	}
	var rest cliMany
	cli.ok(&rest, "describe-clusters", "--page-size", "20", "--starting-token", some.NextToken)
	if len(rest.Clusters) != 20 || rest.Clusters[0].ClusterIdentifier == some.Clusters[24].ClusterIdentifier {
		t.Errorf("--starting-token: %d clusters", len(rest.Clusters))
	}
	var none cliMany
	cli.ok(&none, "describe-clusters", "--tag-keys", "no-such-key")
	if len(none.Clusters) != 0 {
		t.Errorf("tag filter: %d clusters", len(none.Clusters))
	}
	cli.fails("InvalidParameterValue", "MaxRecords", "describe-clusters", "--max-records", "5", "--no-paginate")
}

func TestAWSCLIModifyClusterIamRoles(t *testing.T) {
	t.Parallel()
	url := startProcess(t, "-world", "demo", "-role-delay", "0s")
	cli := newAWSCLI(t, url, "us-east-1")

	var added cliOne
	cli.ok(&added, "modify-cluster-iam-roles", "--cluster-identifier", "analytics-staging",
		"--add-iam-roles", cliRoleA, cliRoleB, "--default-iam-role-arn", cliRoleA)
	if r := added.Cluster.roles(); r[cliRoleA] != "adding" || r[cliRoleB] != "adding" || added.Cluster.DefaultIamRoleArn != cliRoleA ||
		added.Cluster.ClusterAvailabilityStatus != "Modifying" {
		t.Errorf("after add: %+v", added.Cluster)
	}
	var removed cliOne
	cli.ok(&removed, "modify-cluster-iam-roles", "--cluster-identifier", "analytics-staging", "--remove-iam-roles", cliRoleA)
	if r := removed.Cluster.roles(); r[cliRoleA] != "removing" || r[cliRoleB] != "in-sync" || removed.Cluster.DefaultIamRoleArn != "" {
		t.Errorf("after remove: %+v", removed.Cluster)
	}
	var after cliMany
	cli.ok(&after, "describe-clusters", "--cluster-identifier", "analytics-staging")
	if r := after.Clusters[0].roles(); len(r) != 2 || r[cliRoleB] != "in-sync" || r[cliRoleA] != "" {
		t.Errorf("settled: %v", r)
	}
	var def cliOne
	cli.ok(&def, "modify-cluster-iam-roles", "--cluster-identifier", "analytics-staging", "--default-iam-role-arn", cliRoleB)
	if def.Cluster.DefaultIamRoleArn != cliRoleB {
		t.Errorf("default: %q", def.Cluster.DefaultIamRoleArn)
	}

	cli.fails("ClusterNotFound", "Cluster nope not found.", "modify-cluster-iam-roles", "--cluster-identifier", "nope", "--add-iam-roles", cliRoleA)
	cli.fails("InvalidClusterState", "The Cluster is being modified by a concurrent operation.",
		"modify-cluster-iam-roles", "--cluster-identifier", "marketing-sandbox", "--add-iam-roles", cliRoleA)
	cli.fails("InvalidParameterValue", "should contain the ARN of the default IAM role",
		"modify-cluster-iam-roles", "--cluster-identifier", "analytics-staging", "--default-iam-role-arn", cliRoleA)
	cli.fails("InvalidParameterValue", "is not valid", "modify-cluster-iam-roles", "--cluster-identifier", "analytics-staging", "--add-iam-roles", "not-an-arn")
	cli.fails("ClusterNotFound", "Cluster nope not found.", "describe-clusters", "--cluster-identifier", "nope")
}

func TestAWSCLIClusterLifecycle(t *testing.T) {
	t.Parallel()
	url := startProcess(t, "-world", "empty", "-state-delay", "0s")
	cli := newAWSCLI(t, url, "ap-southeast-2")
	var created cliOne
	cli.ok(&created, "create-cluster", "--cluster-identifier", "cli-made", "--node-type", "ra3.xlplus", "--number-of-nodes", "2",
		"--master-username", "awsuser", "--master-user-password", "Secret123", "--iam-roles", cliRoleA,
		"--tags", "Key=environment,Value=test")
	if created.Cluster.ClusterStatus != "creating" || created.Cluster.NumberOfNodes != 2 || len(created.Cluster.Tags) != 1 {
		t.Errorf("create: %+v", created.Cluster)
	}
	cli.ok(nil, "wait", "cluster-available", "--cluster-identifier", "cli-made")
	cli.fails("ClusterAlreadyExists", "Cluster already exists", "create-cluster", "--cluster-identifier", "cli-made", "--node-type", "dc2.large",
		"--master-username", "awsuser", "--master-user-password", "Secret123")

	var paused cliOne
	cli.ok(&paused, "pause-cluster", "--cluster-identifier", "cli-made")
	if paused.Cluster.ClusterStatus != "pausing" {
		t.Errorf("pause: %s", paused.Cluster.ClusterStatus)
	}
	var list cliMany
	cli.ok(&list, "describe-clusters")
	if len(list.Clusters) != 1 || list.Clusters[0].ClusterStatus != "paused" || list.Clusters[0].Endpoint == nil {
		t.Errorf("paused: %+v", list.Clusters)
	}
	var resumed cliOne
	cli.ok(&resumed, "resume-cluster", "--cluster-identifier", "cli-made")
	if resumed.Cluster.ClusterStatus != "resuming" {
		t.Errorf("resume: %s", resumed.Cluster.ClusterStatus)
	}
	cli.fails("InvalidClusterState", "not in the paused state", "resume-cluster", "--cluster-identifier", "cli-made")
	var deleted cliOne
	cli.ok(&deleted, "delete-cluster", "--cluster-identifier", "cli-made", "--skip-final-cluster-snapshot")
	if deleted.Cluster.ClusterStatus != "deleting" {
		t.Errorf("delete: %s", deleted.Cluster.ClusterStatus)
	}
	cli.ok(nil, "wait", "cluster-deleted", "--cluster-identifier", "cli-made")
	cli.fails("ClusterNotFound", "Cluster cli-made not found.", "delete-cluster", "--cluster-identifier", "cli-made", "--skip-final-cluster-snapshot")
}
