package change_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

const rigRegion = "eu-west-1"

// rig is the change service on a real database and audit log, talking to
// the simulator through the inventory gateway over HTTP. No worker runs:
// tests call Step themselves.
type rig struct {
	svc *change.Service
	sim *redshiftsim.Sim
	db  *store.DB
	url string
}

func newRig(t *testing.T, maxAttempts int) *rig {
	t.Helper()
	ctx := context.Background()
	sim := redshiftsim.New(redshiftsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "rolegate.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	gw, err := inventory.New(ctx, inventory.Options{Regions: []string{rigRegion}, Endpoint: srv.URL, Timeout: 10 * time.Second, MaxBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc := change.New(change.Options{DB: db, Audit: audit.New(db), Redshift: gw, MaxAttempts: maxAttempts,
		Backoff: time.Millisecond, MaxBackoff: time.Millisecond, FollowEvery: time.Millisecond, CallTimeout: 10 * time.Second})
	return &rig{svc: svc, sim: sim, db: db, url: srv.URL}
}

var (
	rita = change.Actor{ID: 1, Username: "rita", Role: "requester"}
	arno = change.Actor{ID: 2, Username: "arno", Role: "approver"}
)

// approved submits and approves a request adding one role to the cluster.
func (g *rig) approved(t *testing.T, cluster string) *change.Request {
	t.Helper()
	ctx := context.Background()
	r, err := g.svc.Create(ctx, rita, audit.Origin{}, change.Input{Region: rigRegion, Cluster: cluster,
		Add: "arn:aws:iam::123456789012:role/RedshiftCopy", Reason: "the nightly load needs COPY"})
	if err != nil {
		t.Fatal(err)
	}
	if r, err = g.svc.Approve(ctx, arno, audit.Origin{}, r.ID, r.Hash, ""); err != nil || r.State != change.Approved {
		t.Fatalf("approve: %v", err)
	}
	return r
}

func (g *rig) client() *redshift.Client {
	return redshift.New(redshift.Options{
		Region: rigRegion, BaseEndpoint: aws.String(g.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
}

// A restart interrupted the call; by the time the reconciler reads the
// cluster it has been deleted. ClusterNotFound closes the request as
// cluster gone, with the AWS request ID of that answer.
func TestReconcilerEndsRequestWhoseClusterWasDeleted(t *testing.T) {
	g := newRig(t, 5)
	ctx := context.Background()
	if err := g.sim.AddCluster(rigRegion, redshiftsim.ClusterSpec{ID: "short-lived"}); err != nil {
		t.Fatal(err)
	}
	r := g.approved(t, "short-lived")

	// The call hangs until the process stops: the request is left in the
	// calling phase, as a crash would leave it.
	g.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultLatency, Latency: time.Minute})
	stepCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- g.svc.Step(stepCtx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cur, err := g.svc.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Phase == change.PhaseCalling {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call never started: %s", cur.State)
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	if cur, _ := g.svc.Get(ctx, r.ID); cur.State != change.Applying || cur.Phase != change.PhaseCalling {
		t.Fatalf("after the interrupted call: %s/%s", cur.State, cur.Phase)
	}

	g.sim.ClearFaults()
	if _, err := g.client().DeleteCluster(ctx, &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("short-lived"), SkipFinalClusterSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if err := g.svc.Step(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := g.svc.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != change.ClusterGone || !got.State.Done() || got.AWSRequestID == "" {
		t.Fatalf("after reconciling: %s (%s), AWS request ID %q", got.State, got.StateReason, got.AWSRequestID)
	}
	var awsID, code, params string
	if err := g.db.Reader().QueryRow(`SELECT aws_request_id, error_code, params FROM audit_events WHERE change_id = ? AND action = 'change.cluster_gone'`, r.ID).Scan(&awsID, &code, &params); err != nil {
		t.Fatal(err)
	}
	answered := false
	for _, c := range g.sim.Stats().Log {
		answered = answered || (c.Op == "DescribeClusters" && c.Code == "ClusterNotFound" && c.RequestID == awsID)
	}
	if !answered || code != "ClusterNotFound" || awsID != got.AWSRequestID {
		t.Fatalf("cluster_gone event: AWS request ID %q (request %q, a ClusterNotFound answer: %t), code %q, params %s", awsID, got.AWSRequestID, answered, code, params)
	}
	// Nothing more happens to it.
	if err := g.svc.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := g.svc.Get(ctx, r.ID); again.Version != got.Version {
		t.Fatalf("a closed request moved on: %s", again.State)
	}
}
