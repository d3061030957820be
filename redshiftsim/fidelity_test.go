package redshiftsim_test

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/redshiftsim"
)

// TestEveryClusterMemberSurvivesSDKRoundTrip compares what aws-sdk-go-v2
// decodes from DescribeClusters with the simulator's own snapshot, for every
// cluster of the demo world (paused, modifying, roles adding, tags …) and a
// publicly accessible single-node cluster that is still creating.
func TestEveryClusterMemberSurvivesSDKRoundTrip(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{RoleDelay: 1 << 40, StateDelay: 1 << 40})
	if err := e.sim.LoadWorld(redshiftsim.DemoWorld()); err != nil {
		t.Fatal(err)
	}
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "single", NodeType: "dc2.large", NumberOfNodes: 1})
	creating, err := e.client("us-west-2").CreateCluster(ctx(t), &redshift.CreateClusterInput{
		ClusterIdentifier: aws.String("fresh"), NodeType: aws.String("ra3.xlplus"), NumberOfNodes: aws.Int32(2),
		MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Passw0rd!x"), PubliclyAccessible: aws.Bool(true),
		ClusterType: aws.String("multi-node"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := e.sim.Cluster("us-west-2", "fresh")
	if !reflect.DeepEqual(*creating.Cluster, want) {
		t.Errorf("CreateCluster result differs from the simulator's state:\n got %+v\nwant %+v", *creating.Cluster, want)
	}

	seen := 0
	for _, region := range []string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"} {
		out, err := e.client(region).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
		if err != nil {
			t.Fatal(err)
		}
		want := e.sim.Clusters(region)
		if len(out.Clusters) != len(want) {
			t.Fatalf("%s: %d clusters over the wire, %d in the simulator", region, len(out.Clusters), len(want))
		}
		for i := range want {
			seen++
			if !reflect.DeepEqual(out.Clusters[i], want[i]) {
				t.Errorf("%s/%s differs after the SDK round trip:\n got %+v\nwant %+v", region,
					aws.ToString(want[i].ClusterIdentifier), out.Clusters[i], want[i])
			}
			if n := setMembers(want[i]); n < 35 {
				t.Errorf("%s sets only %d members", aws.ToString(want[i].ClusterIdentifier), n)
			}
		}
	}
	if seen < 16 {
		t.Errorf("compared %d clusters", seen)
	}
}

// setMembers counts the members of c that are set.
func setMembers(c types.Cluster) int {
	v := reflect.ValueOf(c)
	n := 0
	for i := 0; i < v.NumField(); i++ {
		if !v.Type().Field(i).IsExported() {
			continue
		}
		if !v.Field(i).IsZero() {
			n++
		}
	}
	return n
}
