package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
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
	errc int // exit status of a service error, which depends on the CLI's major version
}

func newAWSCLI(t *testing.T, url, region string) *awsCLI {
	bin := needTool(t, "aws", awsCLIMissing)
	env := toolEnv(t, region)
	awsCLIOnPath.once.Do(func() {
		ver := runTool(t, env, bin, "--version")
		awsCLIOnPath.v, awsCLIOnPath.err = parseAWSCLIVersion(ver.stdout + ver.stderr)
	})
	v, err := awsCLIOnPath.v, awsCLIOnPath.err
	if err == nil {
		err = v.check()
	}
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	t.Logf("AWS CLI %s (a service error exits %d)", v.text, v.serviceErrorExit())
	return &awsCLI{t: t, bin: bin, url: url, env: env, errc: v.serviceErrorExit()}
}

// awsCLIOnPath is the version of the aws on PATH, asked once per test run
// because each start of the CLI is slow.
var awsCLIOnPath struct {
	once sync.Once
	v    cliVersion
	err  error
}

// cliVersion is what `aws --version` says, e.g. "aws-cli/2.9.19 Python/3.11.2
// Linux/6.1.0 source/x86_64.debian.12" (version 1 prints the same shape).
type cliVersion struct {
	text  string // "2.9.19"
	major int
}

var cliVersionRE = regexp.MustCompile(`\baws-cli/((\d+)\.\d+\.\d+)`)

func parseAWSCLIVersion(out string) (cliVersion, error) {
	m := cliVersionRE.FindStringSubmatch(out)
	if m == nil {
		return cliVersion{}, fmt.Errorf("`aws --version` printed %q, not aws-cli/X.Y.Z: is this the AWS CLI?", strings.TrimSpace(out))
	}
	major, err := strconv.Atoi(m[2])
	if err != nil {
		return cliVersion{}, fmt.Errorf("aws-cli version %q: %w", m[1], err)
	}
	return cliVersion{text: m[1], major: major}, nil
}

// check refuses a major version whose behaviour the tests do not know.
func (v cliVersion) check() error {
	if v.major != 1 && v.major != 2 {
		return fmt.Errorf("AWS CLI %s: the tests know versions 1 and 2 only", v.text)
	}
	return nil
}

// serviceErrorExit is the CLI's exit status when the service returns an
// error: 254 since version 2, 255 in version 1 (where 254 did not exist).
func (v cliVersion) serviceErrorExit() int {
	if v.major >= 2 {
		return 254
	}
	return 255
}

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
	cliRoleA = "arn:aws:iam::123456789012:role/RedshiftML"
	cliRoleB = "arn:aws:iam::123456789012:role/RedshiftAuditExport"
)

func TestAWSCLIVersionDecidesTheServiceErrorExitStatus(t *testing.T) {
	for _, tc := range []struct {
		out   string
		major int
		exit  int
		bad   bool
	}{
		{"aws-cli/1.45.11 Python/3.11.7 Linux/6.18.44-fc-v1300 botocore/1.43.11\n", 1, 255, false},
		{"aws-cli/1.18.69 Python/2.7.18 Linux/5.4.0 botocore/1.16.19\n", 1, 255, false}, // printed on standard error
		{"aws-cli/2.9.19 Python/3.11.2 Linux/6.1.0-28-amd64 source/x86_64.debian.12 prompt/off\n", 2, 254, false},
		{"aws-cli/2.31.20 Python/3.13.7 Linux/6.8.0 exe/x86_64.ubuntu.24\n", 2, 254, false},
		{"aws-cli/3.0.0 Python/3.14.0 Linux/6.18.0 exe/x86_64\n", 3, 0, true},
		{"", 0, 0, true},
		{"aws: command not found\n", 0, 0, true},
		{"Amazon Web Services shell 0.9\n", 0, 0, true},
	} {
		v, err := parseAWSCLIVersion(tc.out)
		if err == nil {
			err = v.check()
		}
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted as version %d", tc.out, v.major)
			}
			continue
		}
		if err != nil || v.major != tc.major || v.serviceErrorExit() != tc.exit {
			t.Errorf("%q: major %d, exit %d, %v; want %d, %d", tc.out, v.major, v.serviceErrorExit(), err, tc.major, tc.exit)
		}
	}
}

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
