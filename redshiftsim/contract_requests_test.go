package redshiftsim_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

// The tests here and in contract_responses_test.go hold the simulator to the
// wire contract written down in docs/redshift-contract.md, one test per
// item.

// Requests: POST form or GET query string, Action required, unknown
// Action refused, any SigV4 credentials, the region from the scope.
func TestRequestsByPOSTOrGETWithRegionFromSignature(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "eu-west-1", redshiftsim.ClusterSpec{ID: "alpha"})

	post := e.post(t, "eu-west-1", form("Action", "DescribeClusters"))
	post.wantOK(t)
	get := e.get(t, "eu-west-1", form("Action", "DescribeClusters"))
	get.wantOK(t)
	for _, r := range []wireResp{post, get} {
		if !strings.Contains(r.body, "<ClusterIdentifier>alpha</ClusterIdentifier>") {
			t.Errorf("cluster missing from %s", r.body)
		}
	}
	// The region comes from the credential scope: us-east-1 has nothing.
	if r := e.post(t, "us-east-1", form("Action", "DescribeClusters")); !strings.Contains(r.body, "<Clusters/>") {
		t.Errorf("us-east-1 should be empty: %s", r.body)
	}
	// No Authorization header: the default region.
	if r := e.post(t, "", form("Action", "DescribeClusters")); r.status != 200 || !strings.Contains(r.body, "<Clusters/>") {
		t.Errorf("unsigned request: %d %s", r.status, r.body)
	}
	e.post(t, "eu-west-1", form()).wantError(t, 400, "MissingAction", "")
	e.post(t, "eu-west-1", form("Action", "DescribeClusterz")).wantError(t, 400, "InvalidAction", "")
	e.post(t, "eu-west-1", "Action=DescribeClusters&Version=2011-01-01").wantError(t, 400, "NoSuchVersion", "")

	// Any credentials work through the SDK.
	c := redshift.New(redshift.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(e.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("ASIAANYTHING", "whatever", "a-session-token"), HTTPClient: &httpClient{rt: redshiftsim.ClientTransport()},
	})
	out, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
	if err != nil || len(out.Clusters) != 1 {
		t.Fatalf("anonymous describe: %v %v", out, err)
	}
	st := e.sim.Stats()
	if st.Calls("DescribeClusters", "eu-west-1") != 4 || st.Calls("DescribeClusters", "us-east-1") != 2 || st.Calls("", "") != 8 {
		t.Errorf("stats by region: %+v", st.Ops)
	}
}

// List parameters: .N in any order, "Key=" as an empty list,
// "DefaultIamRoleArn=" as not set.
func TestListParametersByIndexEmptyListsAndUnsetDefault(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}, DefaultRole: roleA})

	// Members out of order are taken by their index.
	body := "Action=ModifyClusterIamRoles&Version=2012-12-01&ClusterIdentifier=alpha" +
		"&AddIamRoles.IamRoleArn.2=" + roleC + "&AddIamRoles.IamRoleArn.1=" + roleB +
		"&RemoveIamRoles=&DefaultIamRoleArn="
	r := e.post(t, "us-east-1", body)
	r.wantOK(t)
	if i, j := strings.Index(r.body, "RoleB"), strings.Index(r.body, "RoleC"); i < 0 || j < 0 || i > j {
		t.Errorf("roles not added in index order: %s", r.body)
	}
	c, _ := e.sim.Cluster("us-east-1", "alpha")
	if aws.ToString(c.DefaultIamRoleArn) != roleA {
		t.Errorf("DefaultIamRoleArn= changed the default to %q", aws.ToString(c.DefaultIamRoleArn))
	}

	// The SDK sends empty non-nil slices as "AddIamRoles=".
	_, err := e.client("us-east-1").ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("alpha"), AddIamRoles: []string{}, RemoveIamRoles: []string{roleC},
	})
	if err != nil {
		t.Fatalf("empty AddIamRoles: %v", err)
	}
	// Both lists empty: a no-op that succeeds.
	_, err = e.client("us-east-1").ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("alpha"), AddIamRoles: []string{}, RemoveIamRoles: []string{}, DefaultIamRoleArn: aws.String(""),
	})
	if err != nil {
		t.Fatalf("empty lists: %v", err)
	}
	got := roleStatuses(ptr(mustCluster(t, e, "us-east-1", "alpha")))
	if want := map[string]string{roleA: "in-sync", roleB: "in-sync"}; !reflect.DeepEqual(got, want) {
		t.Errorf("roles = %v, want %v", got, want)
	}

	// Malformed list keys are refused.
	for _, bad := range []string{
		"AddIamRoles.IamRoleArn.0=" + roleB,
		"AddIamRoles.IamRoleArn.x=" + roleB,
		"AddIamRoles.IamRoleArn.01=" + roleB,
		"AddIamRoles.IamRoleArn.2=" + roleB,
		"AddIamRoles.Arn.1=" + roleB,
		"AddIamRoles=" + roleB,
	} {
		e.post(t, "us-east-1", "Action=ModifyClusterIamRoles&ClusterIdentifier=alpha&"+bad).wantError(t, 400, "InvalidParameterValue", "")
	}
}

// Missing or unknown cluster.
func TestMissingClusterIdentifierAndUnknownClusterRefused(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.post(t, "us-east-1", form("Action", "ModifyClusterIamRoles", "AddIamRoles.IamRoleArn.1", roleA)).
		wantError(t, 400, "MissingParameter", "The request must contain the parameter ClusterIdentifier.")
	e.post(t, "us-east-1", form("Action", "ModifyClusterIamRoles", "ClusterIdentifier", "nope")).
		wantError(t, 404, "ClusterNotFound", "Cluster nope not found.")
	e.post(t, "us-east-1", form("Action", "DescribeClusters", "ClusterIdentifier", "nope")).
		wantError(t, 404, "ClusterNotFound", "Cluster nope not found.")

	c := e.client("us-east-1")
	_, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("nope"), AddIamRoles: []string{roleA}})
	var nf *types.ClusterNotFoundFault
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Cluster nope not found." {
		t.Errorf("modify unknown: %v", err)
	}
}

// State check: anything but an idle available cluster is refused with
// InvalidClusterState, as are clusters whose roles are still changing.
func TestModifyRefusedUnlessClusterAvailableAndSettled(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{RoleDelay: 60e9, StateDelay: 60e9})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "paused", Status: "paused"})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "modifying", Status: "modifying"})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "adding", Roles: []redshiftsim.RoleSpec{{ARN: roleA, Status: "adding"}}})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "removing", Roles: []redshiftsim.RoleSpec{{ARN: roleA, Status: "removing"}}})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "pausing"})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "deleting"})
	c := e.client("us-east-1")
	if _, err := c.PauseCluster(ctx(t), &redshift.PauseClusterInput{ClusterIdentifier: aws.String("pausing")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteCluster(ctx(t), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("deleting"), SkipFinalClusterSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateCluster(ctx(t), &redshift.CreateClusterInput{ClusterIdentifier: aws.String("creating"), NodeType: aws.String("dc2.large"),
		MasterUsername: aws.String("awsuser"), MasterUserPassword: aws.String("Secret123")}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"paused", "modifying", "adding", "removing", "pausing", "deleting", "creating"} {
		t.Run(id, func(t *testing.T) {
			before := mustCluster(t, e, "us-east-1", id)
			_, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String(id), AddIamRoles: []string{roleB}})
			var ics *types.InvalidClusterStateFault
			if !errors.As(err, &ics) {
				t.Fatalf("err = %v, want InvalidClusterStateFault", err)
			}
			if ics.ErrorCode() != "InvalidClusterState" || !strings.Contains(ics.ErrorMessage(), "concurrent operation") {
				t.Errorf("code %q message %q", ics.ErrorCode(), ics.ErrorMessage())
			}
			if after := mustCluster(t, e, "us-east-1", id); !reflect.DeepEqual(before, after) {
				t.Errorf("a refused call changed the cluster")
			}
		})
	}
}

// ARN validation: format, partition of the region, service-linked roles,
// and the trust hook.
func TestRoleARNsCheckedForFormatPartitionAndTrust(t *testing.T) {
	untrusted := "arn:aws:iam::123456789012:role/NoRedshiftTrust"
	e := newEnv(t, redshiftsim.Options{RoleTrusted: func(region, arn string) bool { return arn != untrusted }})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha"})
	e.add(t, "cn-north-1", redshiftsim.ClusterSpec{ID: "china"})
	cases := []struct {
		name, region, arn, message string
	}{
		{"not an arn", "us-east-1", "RedshiftRole", "The IAM role ARN RedshiftRole is not valid."},
		{"not a role", "us-east-1", "arn:aws:iam::123456789012:user/bob", ""},
		{"short account", "us-east-1", "arn:aws:iam::12345:role/R", ""},
		{"wrong service", "us-east-1", "arn:aws:s3::123456789012:role/R", ""},
		{"name too long", "us-east-1", "arn:aws:iam::123456789012:role/" + strings.Repeat("r", 65), ""},
		{"bad name char", "us-east-1", "arn:aws:iam::123456789012:role/a b", ""},
		{"china arn in us-east-1", "us-east-1", "arn:aws-cn:iam::123456789012:role/R", ""},
		{"aws arn in china", "cn-north-1", "arn:aws:iam::123456789012:role/R", ""},
		{"service-linked", "us-east-1", "arn:aws:iam::123456789012:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift",
			"The IAM Role ARN arn:aws:iam::123456789012:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift can't be used since it's a AWS service-linked IAM role."},
		{"untrusted", "us-east-1", untrusted, "The IAM role " + untrusted + " is not valid. The IAM role must delegate access to an Amazon Redshift account."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := map[string]string{"us-east-1": "alpha", "cn-north-1": "china"}[tc.region]
			e.post(t, tc.region, form("Action", "ModifyClusterIamRoles", "ClusterIdentifier", id, "AddIamRoles.IamRoleArn.1", tc.arn)).
				wantError(t, 400, "InvalidParameterValue", tc.message)
		})
	}
	// Valid ARNs, with a path and in their partition, pass.
	e.post(t, "us-east-1", form("Action", "ModifyClusterIamRoles", "ClusterIdentifier", "alpha",
		"AddIamRoles.IamRoleArn.1", "arn:aws:iam::123456789012:role/service-role/team/Copy+Unload=1,x.y@z_-")).wantOK(t)
	e.post(t, "cn-north-1", form("Action", "ModifyClusterIamRoles", "ClusterIdentifier", "china",
		"AddIamRoles.IamRoleArn.1", "arn:aws-cn:iam::123456789012:role/R")).wantOK(t)
}

// The partition a role ARN must name follows the cluster's region,
// the ISO partitions included (us-isof-* and eu-isof-* are aws-iso-f).
func TestRoleARNPartitionFollowsTheRegion(t *testing.T) {
	for region, partition := range map[string]string{
		"us-east-1":       "aws",
		"cn-north-1":      "aws-cn",
		"us-gov-west-1":   "aws-us-gov",
		"us-iso-east-1":   "aws-iso",
		"us-isob-east-1":  "aws-iso-b",
		"eu-isoe-west-1":  "aws-iso-e",
		"us-isof-south-1": "aws-iso-f",
		"eu-isof-south-1": "aws-iso-f",
		"eusc-de-east-1":  "aws-eusc",
	} {
		t.Run(region, func(t *testing.T) {
			e := newEnv(t, redshiftsim.Options{})
			e.add(t, region, redshiftsim.ClusterSpec{ID: "alpha"})
			if ns := aws.ToString(mustCluster(t, e, region, "alpha").ClusterNamespaceArn); !strings.HasPrefix(ns, "arn:"+partition+":redshift:"+region+":") {
				t.Errorf("namespace ARN %q is not in partition %s", ns, partition)
			}
			other := "aws"
			if partition == "aws" {
				other = "aws-cn"
			}
			e.post(t, region, form("Action", "ModifyClusterIamRoles", "ClusterIdentifier", "alpha",
				"AddIamRoles.IamRoleArn.1", "arn:"+other+":iam::123456789012:role/R")).
				wantError(t, 400, "InvalidParameterValue", "The IAM role ARN arn:"+other+":iam::123456789012:role/R is not valid in region "+region+": it belongs to partition "+other+".")
			_, err := e.client(region).ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
				ClusterIdentifier: aws.String("alpha"), AddIamRoles: []string{"arn:" + partition + ":iam::123456789012:role/R"}})
			if err != nil {
				t.Fatalf("a role of partition %s in %s: %v", partition, region, err)
			}
		})
	}
}

// Quota: 50 roles (10 in ISO regions, or configured), checked before any
// change so a failed call changes nothing.
func TestRoleQuotaCheckedBeforeAnyChange(t *testing.T) {
	roles := func(region string, n int) []string {
		out := make([]string, n)
		for i := range out {
			p := "aws"
			if strings.HasPrefix(region, "us-iso-") {
				p = "aws-iso"
			}
			out[i] = "arn:" + p + ":iam::123456789012:role/R" + string(rune('A'+i/26)) + string(rune('a'+i%26))
		}
		return out
	}
	cases := []struct {
		name   string
		region string
		quota  int
		limit  int
	}{
		{"commercial", "us-east-1", 0, 50},
		{"iso", "us-iso-east-1", 0, 10},
		{"configured", "eu-west-1", 3, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, redshiftsim.Options{RoleQuota: tc.quota})
			e.add(t, tc.region, redshiftsim.ClusterSpec{ID: "alpha"})
			c := e.client(tc.region)
			all := roles(tc.region, tc.limit+1)
			before := mustCluster(t, e, tc.region, "alpha")
			_, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("alpha"), AddIamRoles: all})
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" || !strings.Contains(api.ErrorMessage(), "at most") {
				t.Fatalf("over quota: %v", err)
			}
			if after := mustCluster(t, e, tc.region, "alpha"); !reflect.DeepEqual(before, after) {
				t.Fatalf("a refused call changed the cluster")
			}
			if _, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("alpha"), AddIamRoles: all[:tc.limit]}); err != nil {
				t.Fatalf("at quota: %v", err)
			}
			if got := len(mustCluster(t, e, tc.region, "alpha").IamRoles); got != tc.limit {
				t.Errorf("%d roles, want %d", got, tc.limit)
			}
		})
	}
}

// Duplicates: strict (InvalidParameterValue) by default, no-ops with
// LenientDuplicates.
func TestDuplicateRoleChangesStrictOrLenient(t *testing.T) {
	cases := []struct {
		name      string
		add, rm   []string
		wantRoles map[string]string // lenient outcome after settling
	}{
		{"add already associated", []string{roleA}, nil, map[string]string{roleA: "in-sync"}},
		{"add twice", []string{roleB, roleB}, nil, map[string]string{roleA: "in-sync", roleB: "in-sync"}},
		{"remove not associated", nil, []string{roleB}, map[string]string{roleA: "in-sync"}},
		{"remove twice", nil, []string{roleA, roleA}, map[string]string{}},
		{"same arn in both lists", []string{roleB}, []string{roleB}, map[string]string{roleA: "in-sync", roleB: "in-sync"}},
	}
	for _, lenient := range []bool{false, true} {
		for _, tc := range cases {
			name := tc.name + map[bool]string{false: " strict", true: " lenient"}[lenient]
			t.Run(name, func(t *testing.T) {
				e := newEnv(t, redshiftsim.Options{LenientDuplicates: lenient})
				e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "alpha", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}})
				before := mustCluster(t, e, "us-east-1", "alpha")
				_, err := e.client("us-east-1").ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
					ClusterIdentifier: aws.String("alpha"), AddIamRoles: tc.add, RemoveIamRoles: tc.rm})
				if !lenient {
					var api smithy.APIError
					if !errors.As(err, &api) || api.ErrorCode() != "InvalidParameterValue" {
						t.Fatalf("err = %v, want InvalidParameterValue", err)
					}
					if after := mustCluster(t, e, "us-east-1", "alpha"); !reflect.DeepEqual(before, after) {
						t.Fatalf("a refused call changed the cluster")
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got := roleStatuses(ptr(mustCluster(t, e, "us-east-1", "alpha")))
				if !reflect.DeepEqual(got, tc.wantRoles) {
					t.Errorf("roles = %v, want %v", got, tc.wantRoles)
				}
			})
		}
	}
}

func mustCluster(t testing.TB, e *env, region, id string) types.Cluster {
	t.Helper()
	c, ok := e.sim.Cluster(region, id)
	if !ok {
		t.Fatalf("cluster %s/%s not found", region, id)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

var _ = http.StatusOK
