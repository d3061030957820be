package redshiftsim_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

// t0 is the ManualClock's start in tests.
var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

const (
	roleA = "arn:aws:iam::123456789012:role/RoleA"
	roleB = "arn:aws:iam::123456789012:role/RoleB"
	roleC = "arn:aws:iam::123456789012:role/RoleC"
)

type env struct {
	sim   *redshiftsim.Sim
	srv   *httptest.Server
	clock *redshiftsim.ManualClock
}

// newEnv starts a simulator on a manual clock behind an httptest server.
func newEnv(t testing.TB, o redshiftsim.Options) *env {
	t.Helper()
	clock := redshiftsim.NewManualClock(t0)
	if o.Clock == nil {
		o.Clock = clock
	}
	s := redshiftsim.New(o)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &env{sim: s, srv: srv, clock: clock}
}

// client returns an aws-sdk-go-v2 Redshift client for region, with retries
// off unless retries is set.
func (e *env) client(region string, retries ...int) *redshift.Client {
	attempts := 1
	if len(retries) > 0 {
		attempts = retries[0]
	}
	return redshift.New(redshift.Options{
		Region:       region,
		BaseEndpoint: aws.String(e.srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   &httpClient{rt: redshiftsim.ClientTransport()},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil })
		}),
	})
}

func (e *env) add(t testing.TB, region string, c redshiftsim.ClusterSpec) {
	t.Helper()
	if err := e.sim.AddCluster(region, c); err != nil {
		t.Fatal(err)
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
