package redshiftsim_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
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

// discardWriter is a ResponseWriter that keeps only the status, so the
// simulator-only benchmarks measure the handler and nothing else.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }

// serveBench calls the handler directly from `clients` goroutines (no SDK,
// no network): the simulator's own cost per call.
func serveBench(b *testing.B, s *redshiftsim.Sim, clients int, body func(i int) string) {
	benchClients(b, clients, func(i int) error {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body(i)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", authFor("us-east-1"))
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			return fmt.Errorf("status %d", w.status)
		}
		return nil
	})
}

// BenchmarkServeDescribeClustersPage100 is the simulator alone rendering a
// page of 100 clusters (of 250).
func BenchmarkServeDescribeClustersPage100(b *testing.B) {
	for _, clients := range []int{1, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := redshiftsim.New(redshiftsim.Options{})
			if err := s.Load(redshiftsim.Generate(250, []string{"us-east-1"}, 1)); err != nil {
				b.Fatal(err)
			}
			serveBench(b, s, clients, func(int) string { return "Action=DescribeClusters&Version=2012-12-01&MaxRecords=100" })
		})
	}
}

// BenchmarkServeModifyClusterIamRoles is the simulator alone adding a role,
// each call to its own cluster.
func BenchmarkServeModifyClusterIamRoles(b *testing.B) {
	for _, clients := range []int{1, 50} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			s := redshiftsim.New(redshiftsim.Options{})
			for i := 1; i <= b.N; i++ {
				if err := s.AddCluster("us-east-1", redshiftsim.ClusterSpec{ID: fmt.Sprintf("c%07d", i)}); err != nil {
					b.Fatal(err)
				}
			}
			serveBench(b, s, clients, func(i int) string {
				return fmt.Sprintf("Action=ModifyClusterIamRoles&Version=2012-12-01&ClusterIdentifier=c%07d&AddIamRoles.IamRoleArn.1=%s", i, url.QueryEscape(roleA))
			})
		})
	}
}
