package redshiftsim_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

// The SDK's own default HTTP client (no ClientTransport) reads big pages
// and modifies roles without trouble too.
func TestSDKDefaultHTTPClient(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	if err := e.sim.Load(redshiftsim.Generate(150, []string{"us-east-1"}, 5)); err != nil {
		t.Fatal(err)
	}
	c := redshift.New(redshift.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(e.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	n := 0
	p := redshift.NewDescribeClustersPaginator(c, &redshift.DescribeClustersInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Clusters)
	}
	if n != 150 {
		t.Errorf("%d clusters", n)
	}
	if _, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("cluster-00001"), AddIamRoles: []string{roleC}, RemoveIamRoles: []string{}}); err != nil {
		t.Fatal(err)
	}
}
