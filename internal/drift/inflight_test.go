package drift_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

var (
	rita = change.Actor{ID: 1, Username: "rita", Role: "requester"}
	arno = change.Actor{ID: 2, Username: "arno", Role: "approver"}
)

// A change made through Rolegate is never drift: not while it is approved,
// not while the call hangs and the process stops with the roles changed at
// AWS, not while the reconciler settles it, and not once it is in-sync.
func TestAChangeThroughRolegateIsNeverDriftEvenAcrossACrashAndReconcile(t *testing.T) {
	r := newRig(t, redshiftsim.Options{})
	ctx := context.Background()
	svc := change.New(change.Options{DB: r.db, Audit: r.log, Redshift: r.gw, MaxAttempts: 5,
		Backoff: time.Millisecond, MaxBackoff: time.Millisecond, FollowEvery: time.Millisecond, CallTimeout: 10 * time.Second})
	r.sweep(t)

	req, err := svc.Create(ctx, rita, audit.Origin{}, change.ParseDraft(change.Input{Region: region, Cluster: "analytics",
		Add: spectrumRole, Reason: "Spectrum reads the lake"}))
	if err != nil {
		t.Fatal(err)
	}
	if req, err = svc.Approve(ctx, arno, audit.Origin{}, req.ID, req.Hash, ""); err != nil || req.State != change.Approved {
		t.Fatalf("approve: %v", err)
	}
	r.sweep(t)

	// The call hangs until the process stops, as a crash leaves it.
	r.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultLatency, Latency: time.Minute})
	stepCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Step(stepCtx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cur, err := svc.Get(ctx, req.ID)
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
	r.sim.ClearFaults()
	// The lost call had reached AWS: the role is there, in-sync, while
	// Rolegate's request is still applying.
	client := redshift.New(redshift.Options{
		Region: region, BaseEndpoint: aws.String(r.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
	if _, err := client.ModifyClusterIamRoles(ctx, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("analytics"), AddIamRoles: []string{spectrumRole}}); err != nil {
		t.Fatal(err)
	}
	r.sweep(t)

	// The reconciler reads the cluster and follows the change to in-sync.
	r.stepUntilInSync(t, svc, req.ID)
	r.sweep(t)
	r.sweep(t)
	if got := r.events(t, audit.DriftDetected); len(got) != 0 {
		t.Fatalf("a change through Rolegate reported as drift: %s", got[0].Params)
	}
	if n := len(r.events(t, audit.ApplyReconciled)); n == 0 {
		t.Fatal("the crash was not reconciled: the test did not exercise the reconciler")
	}

	// Now the same role removed with the SDK outside Rolegate is drift
	// against the state the change left.
	if _, err := client.ModifyClusterIamRoles(ctx, &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("analytics"), RemoveIamRoles: []string{spectrumRole}}); err != nil {
		t.Fatal(err)
	}
	r.sweep(t)
	got := r.events(t, audit.DriftDetected)
	if len(got) != 1 {
		t.Fatalf("drift events after a removal outside Rolegate: %d, want 1", len(got))
	}
}
