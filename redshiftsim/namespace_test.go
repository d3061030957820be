package redshiftsim_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

// A cluster of the world can be described without ClusterNamespaceArn, as
// moto does; the others keep it.
func TestClusterWithoutNamespaceARN(t *testing.T) {
	path := filepath.Join(t.TempDir(), "world.json")
	world := `[{"region": "eu-west-1", "cluster": {"id": "bare", "no_namespace_arn": true}},
		{"region": "eu-west-1", "cluster": {"id": "full"}}]`
	if err := os.WriteFile(path, []byte(world), 0o600); err != nil {
		t.Fatal(err)
	}
	seeds, err := redshiftsim.LoadWorldFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, redshiftsim.Options{})
	if err := e.sim.Load(seeds); err != nil {
		t.Fatal(err)
	}
	out, err := e.client("eu-west-1").DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*string{}
	for _, c := range out.Clusters {
		got[aws.ToString(c.ClusterIdentifier)] = c.ClusterNamespaceArn
	}
	if len(got) != 2 || got["bare"] != nil || aws.ToString(got["full"]) == "" {
		t.Fatalf("namespace ARNs: bare %v, full %q", got["bare"], aws.ToString(got["full"]))
	}
}
