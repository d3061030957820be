package inventory_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/inventory"
	"rolegate/redshiftsim"
)

const failRegion = "eu-west-1"

// failGateway is a gateway on the simulator with one available cluster
// "analytics" and one paused cluster "asleep"; tweak adjusts its options.
func failGateway(t *testing.T, so redshiftsim.Options, tweak func(*inventory.Options)) (*inventory.Gateway, *redshiftsim.Sim, string) {
	t.Helper()
	sim := redshiftsim.New(so)
	for _, c := range []redshiftsim.ClusterSpec{
		{ID: "analytics", Roles: []redshiftsim.RoleSpec{{ARN: copyRole}}, DefaultRole: copyRole},
		{ID: "asleep", Status: redshiftsim.StatusPaused},
	} {
		if err := sim.AddCluster(failRegion, c); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return gatewayAt(t, srv.URL, tweak), sim, srv.URL
}

func gatewayAt(t *testing.T, url string, tweak func(*inventory.Options)) *inventory.Gateway {
	t.Helper()
	o := inventory.Options{Regions: []string{failRegion}, Endpoint: url, Timeout: 10 * time.Second, MaxBackoff: time.Millisecond}
	if tweak != nil {
		tweak(&o)
	}
	g, err := inventory.New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// refusingEndpoint answers every call with one AWS error, in the Query
// protocol's ErrorResponse, for the refusals the simulator does not make
// (it accepts any credentials and every identity).
func refusingEndpoint(t *testing.T, status int, code, message string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("x-amzn-RequestId", "refused-0001")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="http://redshift.amazonaws.com/doc/2012-12-01/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>refused-0001</RequestId></ErrorResponse>`, code, message)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func addRole(cluster, arn string) *redshift.ModifyClusterIamRolesInput {
	return &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String(cluster), AddIamRoles: []string{arn}}
}

func describeErr(g *inventory.Gateway, id string) error {
	_, _, err := g.DescribeCluster(context.Background(), "", failRegion, id)
	return err
}

func modifyErr(g *inventory.Gateway, in *redshift.ModifyClusterIamRolesInput) error {
	_, _, _, err := g.ModifyClusterIamRoles(context.Background(), "", failRegion, "", in)
	return err
}

func faulty(op string, kind redshiftsim.FaultKind) redshiftsim.Options {
	return redshiftsim.Options{Faults: []redshiftsim.Fault{{Op: op, Kind: kind}}}
}

// Every failure the simulator can produce, read through the gateway and
// the real SDK (reads with their retries, changes sent once), is
// classified with its kind, code, status and request ID, and with whether
// it is definitive and worth retrying.
func TestClassifyErrorsFromTheSDK(t *testing.T) {
	const read, change = "DescribeClusters", "ModifyClusterIamRoles"
	tests := []struct {
		name string
		err  func(t *testing.T) error
		want inventory.Failure
		// AWS answered with a request ID and a message.
		answered bool
	}{
		{"read throttled after every retry", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(read, redshiftsim.FaultThrottle), nil)
			return describeErr(g, "analytics")
		}, inventory.Failure{Kind: inventory.KindThrottled, Code: "Throttling", HTTPStatus: 400, Attempts: inventory.ReadAttempts, Definitive: true, Retryable: true}, true},
		{"change throttled", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(change, redshiftsim.FaultThrottle), nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindThrottled, Code: "Throttling", HTTPStatus: 400, Definitive: true, Retryable: true}, true},
		{"read unavailable", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(read, redshiftsim.FaultUnavailable), nil)
			return describeErr(g, "analytics")
		}, inventory.Failure{Kind: inventory.KindUnavailable, Code: "ServiceUnavailable", HTTPStatus: 503, Attempts: inventory.ReadAttempts, Retryable: true}, true},
		{"change unavailable", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(change, redshiftsim.FaultUnavailable), nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindUnavailable, Code: "ServiceUnavailable", HTTPStatus: 503, Retryable: true}, true},
		{"change internal error", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(change, redshiftsim.FaultInternal), nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindUnavailable, Code: "InternalFailure", HTTPStatus: 500, Retryable: true}, true},
		{"read internal error", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(read, redshiftsim.FaultInternal), nil)
			return describeErr(g, "analytics")
		}, inventory.Failure{Kind: inventory.KindUnavailable, Code: "InternalFailure", HTTPStatus: 500, Attempts: inventory.ReadAttempts, Retryable: true}, true},
		{"read connection dropped", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(read, redshiftsim.FaultDrop), nil)
			return describeErr(g, "analytics")
		}, inventory.Failure{Kind: inventory.KindNoAnswer, Attempts: inventory.ReadAttempts, Retryable: true}, false},
		{"change connection dropped", func(t *testing.T) error {
			g, _, _ := failGateway(t, faulty(change, redshiftsim.FaultDrop), nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindNoAnswer, Retryable: true}, false},
		{"change without an answer in time", func(t *testing.T) error {
			so := redshiftsim.Options{Faults: []redshiftsim.Fault{{Op: change, Kind: redshiftsim.FaultLatency, Latency: time.Minute}}}
			g, _, _ := failGateway(t, so, func(o *inventory.Options) { o.Timeout = 50 * time.Millisecond })
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindTimeout, Retryable: true}, false},
		{"read of a cluster that does not exist", func(t *testing.T) error {
			g, _, _ := failGateway(t, redshiftsim.Options{}, nil)
			return describeErr(g, "missing")
		}, inventory.Failure{Kind: inventory.KindNotFound, Code: "ClusterNotFound", HTTPStatus: 404, Definitive: true}, true},
		{"change of a cluster that does not exist", func(t *testing.T) error {
			g, _, _ := failGateway(t, redshiftsim.Options{}, nil)
			return modifyErr(g, addRole("missing", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindNotFound, Code: "ClusterNotFound", HTTPStatus: 404, Definitive: true}, true},
		{"change of a paused cluster", func(t *testing.T) error {
			g, _, _ := failGateway(t, redshiftsim.Options{}, nil)
			return modifyErr(g, addRole("asleep", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindInvalidState, Code: "InvalidClusterState", HTTPStatus: 400, Definitive: true, Retryable: true}, true},
		{"change while roles are still being added", func(t *testing.T) error {
			g, _, _ := failGateway(t, redshiftsim.Options{RoleDelay: time.Hour}, nil)
			if err := modifyErr(g, addRole("analytics", spectrumRole)); err != nil {
				t.Fatal(err)
			}
			return modifyErr(g, addRole("analytics", "arn:aws:iam::123456789012:role/Unload"))
		}, inventory.Failure{Kind: inventory.KindInvalidState, Code: "InvalidClusterState", HTTPStatus: 400, Definitive: true, Retryable: true}, true},
		{"change with a user ARN for a role", func(t *testing.T) error {
			g, _, _ := failGateway(t, redshiftsim.Options{}, nil)
			return modifyErr(g, addRole("analytics", "arn:aws:iam::123456789012:user/Copy"))
		}, inventory.Failure{Kind: inventory.KindInvalidInput, Code: "InvalidParameterValue", HTTPStatus: 400, Definitive: true}, true},
		{"change adding a role Redshift may not assume", func(t *testing.T) error {
			so := redshiftsim.Options{RoleTrusted: func(region, arn string) bool { return arn != spectrumRole }}
			g, _, _ := failGateway(t, so, nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindInvalidInput, Code: "InvalidParameterValue", HTTPStatus: 400, Untrusted: true, Definitive: true}, true},
		{"reads held back by the retry quota", func(t *testing.T) error {
			// One client for every read, as in production: server errors
			// that go on spend the quota until the SDK stops sending.
			g, _, _ := failGateway(t, faulty(read, redshiftsim.FaultUnavailable), nil)
			for range 40 {
				err := describeErr(g, "analytics")
				if inventory.Classify(err).Held {
					return err
				}
			}
			t.Fatal("the retry quota never held a read back")
			return nil
		}, inventory.Failure{Kind: inventory.KindThrottled, Code: inventory.CodeRetryQuota, HTTPStatus: 503, Held: true, Definitive: true, Retryable: true}, true},
		{"an error code Rolegate does not know", func(t *testing.T) error {
			_, _, url := failGateway(t, redshiftsim.Options{}, nil)
			c := redshift.New(redshift.Options{
				Region: failRegion, BaseEndpoint: aws.String(url),
				Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
				HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
			})
			_, err := c.CreateCluster(context.Background(), &redshift.CreateClusterInput{
				ClusterIdentifier: aws.String("analytics"), NodeType: aws.String("ra3.xlplus"),
				MasterUsername: aws.String("admin"), MasterUserPassword: aws.String("Secret-Passw0rd"),
			})
			return err
		}, inventory.Failure{Kind: inventory.KindOther, Code: "ClusterAlreadyExists", HTTPStatus: 400, Definitive: true}, true},
		{"identity without the permission", func(t *testing.T) error {
			g := gatewayAt(t, refusingEndpoint(t, http.StatusForbidden, "AccessDenied", "User is not authorized to perform: redshift:ModifyClusterIamRoles"), nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindDenied, Code: "AccessDenied", HTTPStatus: 403, Definitive: true}, true},
		{"credentials AWS does not accept", func(t *testing.T) error {
			g := gatewayAt(t, refusingEndpoint(t, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid."), nil)
			return describeErr(g, "analytics")
		}, inventory.Failure{Kind: inventory.KindDenied, Code: "InvalidClientTokenId", HTTPStatus: 403, Credentials: true, Definitive: true}, true},
		{"throttled the way other AWS services say it", func(t *testing.T) error {
			g := gatewayAt(t, refusingEndpoint(t, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."), nil)
			return modifyErr(g, addRole("analytics", spectrumRole))
		}, inventory.Failure{Kind: inventory.KindThrottled, Code: "SlowDown", HTTPStatus: 503, Definitive: true, Retryable: true}, true},
		{"a region Rolegate does not manage", func(t *testing.T) error {
			g, _, _ := failGateway(t, redshiftsim.Options{}, nil)
			_, _, err := g.DescribeCluster(context.Background(), "", "mars-north-1", "analytics")
			return err
		}, inventory.Failure{Kind: inventory.KindOther}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.err(t)
			if err == nil {
				t.Fatal("the call succeeded")
			}
			got := inventory.Classify(err)
			if tt.answered != (got.RequestID != "") || tt.answered != (got.Message != "" || got.Held) {
				t.Errorf("request ID %q, message %q; want them only when AWS answered (%t)", got.RequestID, got.Message, tt.answered)
			}
			if got.RequestID != inventory.RequestIDOf(err) {
				t.Errorf("request ID %q, RequestIDOf says %q", got.RequestID, inventory.RequestIDOf(err))
			}
			got.RequestID, got.Message = "", ""
			if got != tt.want {
				t.Errorf("Classify(%v)\n got %+v (%s)\nwant %+v (%s)", err, got, got.Kind, tt.want, tt.want.Kind)
			}
		})
	}
}

// An error that wraps the SDK's error keeps its meaning, and no error
// means no failure.
func TestClassifySeesThroughWrapping(t *testing.T) {
	g, _, _ := failGateway(t, redshiftsim.Options{}, nil)
	err := fmt.Errorf("approving change 7: %w", modifyErr(g, addRole("asleep", spectrumRole)))
	if f := inventory.Classify(err); f.Kind != inventory.KindInvalidState || f.RequestID == "" {
		t.Errorf("wrapped InvalidClusterState: %+v", f)
	}
	if f := inventory.Classify(errors.Join(errors.New("first"), err)); f.Kind != inventory.KindInvalidState {
		t.Errorf("joined InvalidClusterState: %+v", f)
	}
	if f := inventory.Classify(nil); f != (inventory.Failure{}) {
		t.Errorf("Classify(nil) = %+v", f)
	}
}
