package redshiftsim_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

// benchClients runs op from `clients` goroutines until b.N calls are done.
func benchClients(b *testing.B, clients int, op func(i int) error) {
	b.Helper()
	var next atomic.Int64
	b.ResetTimer()
	errs := make(chan error, clients)
	for g := 0; g < clients; g++ {
		go func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					errs <- nil
					return
				}
				if err := op(int(i)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for g := 0; g < clients; g++ {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDescribeClustersPage100 fetches a full page of 100 clusters
// (of 250) through aws-sdk-go-v2, decoding included.
func BenchmarkDescribeClustersPage100(b *testing.B) {
	for _, clients := range []int{1, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			e := newEnv(b, redshiftsim.Options{})
			if err := e.sim.Load(redshiftsim.Generate(250, []string{"us-east-1"}, 1)); err != nil {
				b.Fatal(err)
			}
			c := e.client("us-east-1")
			benchClients(b, clients, func(int) error {
				out, err := c.DescribeClusters(b.Context(), &redshift.DescribeClustersInput{MaxRecords: aws.Int32(100)})
				if err == nil && len(out.Clusters) != 100 {
					err = fmt.Errorf("%d clusters", len(out.Clusters))
				}
				return err
			})
		})
	}
}

// BenchmarkModifyClusterIamRoles adds a role through aws-sdk-go-v2; each
// call goes to its own cluster, so none is refused as concurrent.
func BenchmarkModifyClusterIamRoles(b *testing.B) {
	for _, clients := range []int{1, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			e := newEnv(b, redshiftsim.Options{})
			for i := 1; i <= b.N; i++ {
				if err := e.sim.AddCluster("us-east-1", redshiftsim.ClusterSpec{ID: fmt.Sprintf("c%07d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			c := e.client("us-east-1")
			benchClients(b, clients, func(i int) error {
				_, err := c.ModifyClusterIamRoles(b.Context(), &redshift.ModifyClusterIamRolesInput{
					ClusterIdentifier: aws.String(fmt.Sprintf("c%07d", i)), AddIamRoles: []string{roleA}, DefaultIamRoleArn: aws.String(roleA)})
				return err
			})
		})
	}
}

// BenchmarkServeDescribeClustersPage100 measures the simulator alone (no
// SDK, no network): one page of 100 clusters rendered from the cache.
func BenchmarkServeDescribeClustersPage100(b *testing.B) {
	e := newEnv(b, redshiftsim.Options{})
	if err := e.sim.Load(redshiftsim.Generate(250, []string{"us-east-1"}, 1)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.post(b, "us-east-1", form("Action", "DescribeClusters")); r.status != 200 {
			b.Fatal(r.status)
		}
	}
}
