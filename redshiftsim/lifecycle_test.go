package redshiftsim_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

func errCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return fmt.Sprint(err)
}

func TestSDKCreatePauseResumeDeleteRoundTrip(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{StateDelay: time.Minute})
	c := e.client("eu-west-1")
	status := func(id string) string {
		out, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String(id)})
		if err != nil {
			return errCode(err)
		}
		return aws.ToString(out.Clusters[0].ClusterStatus)
	}

	created, err := c.CreateCluster(ctx(t), &redshift.CreateClusterInput{
		ClusterIdentifier: aws.String("Sales-DW"), NodeType: aws.String("ra3.4xlarge"), NumberOfNodes: aws.Int32(3),
		ClusterType: aws.String("multi-node"), MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Secret123"),
		DBName: aws.String("sales"), IamRoles: []string{roleA, roleB}, DefaultIamRoleArn: aws.String(roleB),
		Tags: []types.Tag{{Key: aws.String("environment"), Value: aws.String("production")}, {Key: aws.String("team"), Value: aws.String("")}},
		Port: aws.Int32(5555), Encrypted: aws.Bool(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	cl := created.Cluster
	if aws.ToString(cl.ClusterIdentifier) != "sales-dw" || aws.ToString(cl.ClusterStatus) != "creating" || cl.Endpoint != nil ||
		aws.ToInt32(cl.NumberOfNodes) != 3 || aws.ToString(cl.DBName) != "sales" || aws.ToString(cl.DefaultIamRoleArn) != roleB ||
		len(cl.IamRoles) != 2 || len(cl.Tags) != 2 || aws.ToBool(cl.Encrypted) || cl.KmsKeyId != nil {
		t.Errorf("created cluster: %+v", cl)
	}
	if _, err := c.CreateCluster(ctx(t), &redshift.CreateClusterInput{ClusterIdentifier: aws.String("sales-dw"), NodeType: aws.String("dc2.large"),
		MasterUsername: aws.String("a"), MasterUserPassword: aws.String("Secret123")}); errCode(err) != "ClusterAlreadyExists" {
		t.Errorf("duplicate create: %v", err)
	} else {
		var ae *types.ClusterAlreadyExistsFault
		if !errors.As(err, &ae) {
			t.Errorf("duplicate create is not typed: %T", err)
		}
	}
	e.clock.Advance(time.Minute)
	if got := status("sales-dw"); got != "available" {
		t.Fatalf("after creating: %s", got)
	}
	after, _ := e.sim.Cluster("eu-west-1", "sales-dw")
	if after.Endpoint == nil || aws.ToInt32(after.Endpoint.Port) != 5555 || len(after.ClusterNodes) != 4 {
		t.Errorf("available cluster: %+v", after)
	}

	paused, err := c.PauseCluster(ctx(t), &redshift.PauseClusterInput{ClusterIdentifier: aws.String("sales-dw")})
	if err != nil || aws.ToString(paused.Cluster.ClusterStatus) != "pausing" {
		t.Fatalf("pause: %v %v", err, paused)
	}
	if _, err := c.PauseCluster(ctx(t), &redshift.PauseClusterInput{ClusterIdentifier: aws.String("sales-dw")}); errCode(err) != "InvalidClusterState" {
		t.Errorf("pause while pausing: %v", err)
	}
	e.clock.Advance(time.Minute)
	if got := status("sales-dw"); got != "paused" {
		t.Fatalf("after pausing: %s", got)
	}
	if _, err := c.PauseCluster(ctx(t), &redshift.PauseClusterInput{ClusterIdentifier: aws.String("sales-dw")}); errCode(err) != "InvalidClusterState" {
		t.Errorf("pause while paused: %v", err)
	}
	resumed, err := c.ResumeCluster(ctx(t), &redshift.ResumeClusterInput{ClusterIdentifier: aws.String("sales-dw")})
	if err != nil || aws.ToString(resumed.Cluster.ClusterStatus) != "resuming" || aws.ToString(resumed.Cluster.ClusterAvailabilityStatus) != "Modifying" {
		t.Fatalf("resume: %v %+v", err, resumed)
	}
	e.clock.Advance(time.Minute)
	if got := status("sales-dw"); got != "available" {
		t.Fatalf("after resuming: %s", got)
	}
	if _, err := c.ResumeCluster(ctx(t), &redshift.ResumeClusterInput{ClusterIdentifier: aws.String("sales-dw")}); errCode(err) != "InvalidClusterState" {
		t.Errorf("resume while available: %v", err)
	}

	if _, err := c.DeleteCluster(ctx(t), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("sales-dw")}); errCode(err) != "InvalidParameterCombination" {
		t.Errorf("delete without snapshot choice: %v", err)
	}
	deleted, err := c.DeleteCluster(ctx(t), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("sales-dw"), FinalClusterSnapshotIdentifier: aws.String("final")})
	if err != nil || aws.ToString(deleted.Cluster.ClusterStatus) != "deleting" {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.DeleteCluster(ctx(t), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("sales-dw"), SkipFinalClusterSnapshot: aws.Bool(true)}); errCode(err) != "InvalidClusterState" {
		t.Errorf("delete while deleting: %v", err)
	}
	e.clock.Advance(time.Minute)
	if got := status("sales-dw"); got != "ClusterNotFound" {
		t.Fatalf("after deleting: %s", got)
	}
	if _, ok := e.sim.Cluster("eu-west-1", "sales-dw"); ok {
		t.Error("Cluster still finds a deleted cluster")
	}
	for _, op := range []func() error{
		func() error {
			_, err := c.PauseCluster(ctx(t), &redshift.PauseClusterInput{ClusterIdentifier: aws.String("sales-dw")})
			return err
		},
		func() error {
			_, err := c.ResumeCluster(ctx(t), &redshift.ResumeClusterInput{ClusterIdentifier: aws.String("sales-dw")})
			return err
		},
		func() error {
			_, err := c.DeleteCluster(ctx(t), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("sales-dw"), SkipFinalClusterSnapshot: aws.Bool(true)})
			return err
		},
	} {
		var nf *types.ClusterNotFoundFault
		if err := op(); !errors.As(err, &nf) {
			t.Errorf("on a deleted cluster: %v", err)
		}
	}
	// The name is free again.
	if _, err := c.CreateCluster(ctx(t), &redshift.CreateClusterInput{ClusterIdentifier: aws.String("sales-dw"), NodeType: aws.String("dc2.large"),
		MasterUsername: aws.String("a"), MasterUserPassword: aws.String("Secret123")}); err != nil {
		t.Errorf("re-create: %v", err)
	}
}

func TestCreateClusterValidation(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	base := func() url2 {
		return url2{"Action": "CreateCluster", "Version": "2012-12-01", "ClusterIdentifier": "x1", "NodeType": "dc2.large",
			"MasterUsername": "awsuser", "MasterUserPassword": "Secret123"}
	}
	cases := []struct {
		name string
		edit func(url2)
		code string
	}{
		{"no id", func(u url2) { delete(u, "ClusterIdentifier") }, "MissingParameter"},
		{"no node type", func(u url2) { delete(u, "NodeType") }, "MissingParameter"},
		{"no user", func(u url2) { delete(u, "MasterUsername") }, "MissingParameter"},
		{"no password", func(u url2) { delete(u, "MasterUserPassword") }, "MissingParameter"},
		{"bad id", func(u url2) { u["ClusterIdentifier"] = "1-bad--id-" }, "InvalidParameterValue"},
		{"bad node type", func(u url2) { u["NodeType"] = "m5.large" }, "InvalidParameterValue"},
		{"multi-node of one", func(u url2) { u["ClusterType"] = "multi-node"; u["NumberOfNodes"] = "1" }, "InvalidParameterValue"},
		{"multi-node without count", func(u url2) { u["ClusterType"] = "multi-node" }, "MissingParameter"},
		{"single-node of two", func(u url2) { u["ClusterType"] = "single-node"; u["NumberOfNodes"] = "2" }, "InvalidParameterCombination"},
		{"bad cluster type", func(u url2) { u["ClusterType"] = "huge" }, "InvalidParameterValue"},
		{"too many nodes", func(u url2) { u["NumberOfNodes"] = "999" }, "InvalidParameterValue"},
		{"bad port", func(u url2) { u["Port"] = "80" }, "InvalidParameterValue"},
		{"bad bool", func(u url2) { u["Encrypted"] = "yes" }, "InvalidParameterValue"},
		{"bad role", func(u url2) { u["IamRoles.IamRoleArn.1"] = "nope" }, "InvalidParameterValue"},
		{"default not listed", func(u url2) { u["IamRoles.IamRoleArn.1"] = roleA; u["DefaultIamRoleArn"] = roleB }, "InvalidParameterValue"},
		{"tag without key", func(u url2) { u["Tags.Tag.1.Value"] = "v" }, "InvalidTagFault"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := base()
			tc.edit(u)
			e.post(t, "us-east-1", u.encode()).wantError(t, 400, tc.code, "")
		})
	}
	if got := e.sim.Clusters("us-east-1"); len(got) != 0 {
		t.Errorf("refused creates left %d clusters", len(got))
	}
	e.post(t, "us-east-1", base().encode()).wantOK(t)
	c := mustCluster(t, e, "us-east-1", "x1")
	if aws.ToInt32(c.NumberOfNodes) != 1 || !reflect.DeepEqual(c.IamRoles, []types.ClusterIamRole{}) {
		t.Errorf("defaults: %+v", c)
	}
}

// TestPaginatorOver250Clusters walks 250 clusters with the SDK paginator at
// every page size and sees each exactly once.
func TestPaginatorOver250Clusters(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	if err := e.sim.Load(redshiftsim.Generate(500, []string{"us-east-1", "eu-west-1"}, 7)); err != nil {
		t.Fatal(err)
	}
	c := e.client("eu-west-1")
	for _, size := range []int32{0, 20, 33} {
		in := &redshift.DescribeClustersInput{}
		if size > 0 {
			in.MaxRecords = aws.Int32(size)
		}
		seen := map[string]int{}
		pages := 0
		p := redshift.NewDescribeClustersPaginator(c, in)
		for p.HasMorePages() {
			out, err := p.NextPage(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, cl := range out.Clusters {
				seen[aws.ToString(cl.ClusterIdentifier)]++
			}
		}
		if len(seen) != 250 {
			t.Errorf("page size %d: %d distinct clusters", size, len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("page size %d: %s seen %d times", size, id, n)
			}
		}
		per := int(size)
		if per == 0 {
			per = 100
		}
		if want := (250 + per - 1) / per; pages != want {
			t.Errorf("page size %d: %d pages, want %d", size, pages, want)
		}
	}
}
