package redshiftsim_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/redshiftsim"
)

func TestSDKDescribeAndModifyRoundTrip(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	e.add(t, "eu-west-1", redshiftsim.ClusterSpec{ID: "alpha", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}, DefaultRole: roleA,
		Tags: map[string]string{"environment": "production"}})
	c := e.client("eu-west-1")

	out, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Clusters) != 1 || aws.ToString(out.Clusters[0].ClusterIdentifier) != "alpha" {
		t.Fatalf("clusters = %+v", out.Clusters)
	}
	if out.Marker != nil {
		t.Errorf("marker on the last page: %q", *out.Marker)
	}

	m, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("alpha"),
		AddIamRoles:       []string{roleB},
		RemoveIamRoles:    []string{},
		DefaultIamRoleArn: aws.String(roleB),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := roleStatuses(m.Cluster)
	want := map[string]string{roleA: "in-sync", roleB: "adding"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("roles after modify = %v, want %v", got, want)
	}
	if aws.ToString(m.Cluster.DefaultIamRoleArn) != roleB {
		t.Errorf("default = %v", aws.ToString(m.Cluster.DefaultIamRoleArn))
	}
	if aws.ToString(m.Cluster.ClusterAvailabilityStatus) != "Modifying" {
		t.Errorf("availability = %v", aws.ToString(m.Cluster.ClusterAvailabilityStatus))
	}

	// Another region does not see the cluster.
	_, err = e.client("us-east-1").DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("alpha")})
	var nf *types.ClusterNotFoundFault
	if !errors.As(err, &nf) {
		t.Fatalf("describe in another region: %v, want ClusterNotFoundFault", err)
	}

	// With RoleDelay 0 the next read settles the roles.
	d, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("alpha")})
	if err != nil {
		t.Fatal(err)
	}
	if got := roleStatuses(&d.Clusters[0]); !reflect.DeepEqual(got, map[string]string{roleA: "in-sync", roleB: "in-sync"}) {
		t.Errorf("roles after settle = %v", got)
	}
}

func roleStatuses(c *types.Cluster) map[string]string {
	out := map[string]string{}
	for _, r := range c.IamRoles {
		out[aws.ToString(r.IamRoleArn)] = aws.ToString(r.ApplyStatus)
	}
	return out
}
