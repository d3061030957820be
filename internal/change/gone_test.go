package change_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

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
	return newRigWith(t, maxAttempts, nil)
}

// newRigWith lets wrap stand between the service and the real gateway.
func newRigWith(t *testing.T, maxAttempts int, wrap func(g *rig, gw *inventory.Gateway) change.Redshift) *rig {
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
	g := &rig{sim: sim, db: db, url: srv.URL}
	var rs change.Redshift = gw
	if wrap != nil {
		rs = wrap(g, gw)
	}
	g.svc = change.New(change.Options{DB: db, Audit: audit.New(db), Redshift: rs, MaxAttempts: maxAttempts,
		Backoff: time.Millisecond, MaxBackoff: time.Millisecond, FollowEvery: time.Millisecond, CallTimeout: 10 * time.Second})
	return g
}

var (
	rita = change.Actor{ID: 1, Username: "rita", Role: "requester"}
	arno = change.Actor{ID: 2, Username: "arno", Role: "approver"}
)

// approved submits and approves a request adding one role to the cluster.
func (g *rig) approved(t *testing.T, cluster string) *change.Request {
	t.Helper()
	ctx := context.Background()
	r, err := g.svc.Create(ctx, rita, audit.Origin{}, change.ParseDraft(change.Input{Region: rigRegion, Cluster: cluster,
		Add: "arn:aws:iam::123456789012:role/RedshiftCopy", Reason: "the nightly load needs COPY"}))
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

// deletedFirst is the real gateway, except that the cluster's owner deletes
// it (through the SDK, at the simulator) just before the worker's
// ModifyClusterIamRoles leaves.
type deletedFirst struct {
	*inventory.Gateway
	g *rig
}

func (d deletedFirst) ModifyClusterIamRoles(ctx context.Context, account, region, as string, in *redshift.ModifyClusterIamRolesInput) (*types.Cluster, inventory.Session, string, error) {
	if _, err := d.g.client().DeleteCluster(ctx, &redshift.DeleteClusterInput{ClusterIdentifier: in.ClusterIdentifier, SkipFinalClusterSnapshot: aws.Bool(true)}); err != nil {
		return nil, inventory.Session{}, "", err
	}
	return d.Gateway.ModifyClusterIamRoles(ctx, account, region, as, in)
}

// ModifyClusterIamRoles answers ClusterNotFound: the cluster was deleted
// after the worker read it. The request ends as cluster gone, not failed.
func TestApplyEndsRequestWhenModifyAnswersClusterNotFound(t *testing.T) {
	g := newRigWith(t, 5, func(g *rig, gw *inventory.Gateway) change.Redshift { return deletedFirst{Gateway: gw, g: g} })
	ctx := context.Background()
	if err := g.sim.AddCluster(rigRegion, redshiftsim.ClusterSpec{ID: "vanishing"}); err != nil {
		t.Fatal(err)
	}
	r := g.approved(t, "vanishing")
	if err := g.svc.Step(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := g.svc.Get(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != change.ClusterGone || !strings.Contains(got.StateReason, "ModifyClusterIamRoles") || got.Attempts != 1 {
		t.Fatalf("after the call: %s (%s), %d attempts", got.State, got.StateReason, got.Attempts)
	}
	var awsID, call string
	if err := g.db.Reader().QueryRow(`SELECT aws_request_id, json_extract(params, '$.call') FROM audit_events WHERE change_id = ? AND action = 'change.cluster_gone'`, r.ID).Scan(&awsID, &call); err != nil {
		t.Fatal(err)
	}
	answered := false
	for _, c := range g.sim.Stats().Log {
		answered = answered || (c.Op == "ModifyClusterIamRoles" && c.Code == "ClusterNotFound" && c.RequestID == awsID)
	}
	if !answered || call != "ModifyClusterIamRoles" {
		t.Fatalf("cluster_gone event: AWS request ID %q (the ClusterNotFound answer: %t), call %q", awsID, answered, call)
	}
}
