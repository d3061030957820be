package drift_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/drift"
	"rolegate/redshiftsim"
)

const (
	oskarKey = "AKIAOSKAREXAMPLE"
	oskarARN = "arn:aws:iam::123456789012:user/oskar"
)

// oskarWorld declares oskar, an IAM user with his own access key: someone
// other than Rolegate, whose credentials are the default user's.
func oskarWorld(denyLookups bool) redshiftsim.World {
	return redshiftsim.World{Accounts: []redshiftsim.AccountSpec{{ID: redshiftsim.Account,
		Users: []redshiftsim.UserSpec{{Name: "oskar", AccessKey: oskarKey}}, DenyLookupEvents: denyLookups}}}
}

// newTrailRig is a rig whose drift service asks the simulator's CloudTrail
// with the gateway's credentials, and whose AWS CLI signs as oskar.
func newTrailRig(t *testing.T, so redshiftsim.Options, do drift.Options, denyLookups bool) *rig {
	t.Helper()
	r := newRigWith(t, so, do, oskarWorld(denyLookups))
	r.drift.UseCloudTrail(r.gw.AccountConfig)
	r.cliKey = oskarKey
	return r
}

// whoOf reads the who of an audit event's params.
func whoOf(t *testing.T, e audit.Event) drift.Who {
	t.Helper()
	var p struct {
		Who *drift.Who `json:"who"`
	}
	if err := json.Unmarshal(e.Params, &p); err != nil || p.Who == nil {
		t.Fatalf("event %d has no who: %s", e.Seq, e.Params)
	}
	return *p.Who
}

var analytics = drift.Key{Account: redshiftsim.Account, Region: region, Cluster: "analytics"}

func TestTheAWSCLICallerIsNamedInEachDriftFound(t *testing.T) {
	r := newTrailRig(t, redshiftsim.Options{}, drift.Options{}, false)
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--remove-iam-roles", copyRole)
	r.sweep(t)
	r.sweep(t)

	got := r.events(t, audit.DriftDetected)
	if len(got) != 2 {
		t.Fatalf("drift events: %d, want 2", len(got))
	}
	first, second := whoOf(t, got[0]), whoOf(t, got[1])
	if !first.LookedUp || len(first.Events) != 1 || first.Events[0].ARN != oskarARN || len(first.Events[0].Added) != 1 || first.Events[0].Added[0] != spectrumRole {
		t.Errorf("who of the add: %+v", first)
	}
	// The second drift departs from the same baseline: both calls, newest
	// first.
	if !second.LookedUp || len(second.Events) != 2 || len(second.Events[0].Removed) != 1 || second.Events[0].Removed[0] != copyRole {
		t.Fatalf("who of the add and the remove: %+v", second)
	}
	c := second.Events[0]
	if c.ARN != oskarARN || c.Username != "oskar" || c.Type != "IAMUser" || c.AccessKeyID != oskarKey || c.SourceIP != "127.0.0.1" ||
		!strings.HasPrefix(c.UserAgent, "aws-cli/") || c.Time.IsZero() || c.EventID == "" {
		t.Errorf("caller: %+v", c)
	}
	d, err := r.drift.Open(context.Background(), analytics)
	if err != nil {
		t.Fatal(err)
	}
	if d.Who == nil || !d.Who.Found() || d.Who.Events[0].ARN != oskarARN || !d.Who.NextLook.IsZero() {
		t.Errorf("open drift's who: %+v", d.Who)
	}
	if n := len(r.events(t, audit.DriftAttributed)); n != 0 {
		t.Errorf("%d drift.attributed events for drifts named at once", n)
	}
}

func TestADriftWithCloudTrailDeniedSaysItWasNotLookedUpAndWhy(t *testing.T) {
	r := newTrailRig(t, redshiftsim.Options{}, drift.Options{}, true)
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	got := r.events(t, audit.DriftDetected)
	if len(got) != 1 {
		t.Fatalf("drift events: %d, want 1", len(got))
	}
	w := whoOf(t, got[0])
	want := "not looked up: Rolegate may not call cloudtrail:LookupEvents in account 123456789012"
	if w.LookedUp || w.Reason != want || w.Text() != want || len(w.Events) != 0 {
		t.Errorf("who: %+v, text %q; want %q", w, w.Text(), want)
	}
}

func TestACloudTrailEventDeliveredLateIsAttributedOnALaterSweepOnce(t *testing.T) {
	clock := redshiftsim.NewManualClock(time.Now().UTC())
	r := newTrailRig(t, redshiftsim.Options{Clock: clock, TrailDelay: 5 * time.Minute}, drift.Options{Now: clock.Now}, false)
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	got := r.events(t, audit.DriftDetected)
	if len(got) != 1 {
		t.Fatalf("drift events: %d, want 1", len(got))
	}
	w := whoOf(t, got[0])
	if !w.LookedUp || len(w.Events) != 0 || w.NextLook.IsZero() || w.Text() != "" {
		t.Fatalf("who before the event is delivered: %+v, %q", w, w.Text())
	}

	clock.Advance(2 * time.Minute) // looked again, still nothing
	r.sweep(t)
	if n := len(r.events(t, audit.DriftAttributed)); n != 0 {
		t.Fatalf("attributed before the event was delivered: %d", n)
	}
	clock.Advance(4 * time.Minute)
	r.sweep(t)
	r.sweep(t)
	att := r.events(t, audit.DriftAttributed)
	if len(att) != 1 {
		t.Fatalf("drift.attributed events: %d, want 1", len(att))
	}
	if w := whoOf(t, att[0]); !w.Found() || w.Events[0].ARN != oskarARN {
		t.Errorf("attributed who: %+v", w)
	}
	d, err := r.drift.Open(context.Background(), analytics)
	if err != nil {
		t.Fatal(err)
	}
	if d.Who == nil || !d.Who.Found() || !d.Who.NextLook.IsZero() {
		t.Errorf("open drift's who after attribution: %+v", d.Who)
	}
}

func TestLookingForTheCallerStopsAfterLookFor(t *testing.T) {
	clock := redshiftsim.NewManualClock(time.Now().UTC())
	r := newTrailRig(t, redshiftsim.Options{Clock: clock, TrailDelay: time.Hour}, drift.Options{Now: clock.Now, LookFor: 3 * time.Minute}, false)
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	for range 5 {
		clock.Advance(time.Minute)
		r.sweep(t)
	}
	d, err := r.drift.Open(context.Background(), analytics)
	if err != nil {
		t.Fatal(err)
	}
	if d.Who == nil || d.Who.Found() || !d.Who.NextLook.IsZero() || d.Who.Text() != "no CloudTrail event found within 3 minutes of the drift" {
		t.Errorf("who after giving up: %+v, %q", d.Who, d.Who.Text())
	}
	lookups := r.sim.Stats().Calls("LookupEvents", region)
	clock.Advance(time.Minute)
	r.sweep(t)
	if n := r.sim.Stats().Calls("LookupEvents", region); n != lookups {
		t.Errorf("looked up %d more times after giving up", n-lookups)
	}
}

// A change applied through Rolegate is no drift, and its CloudTrail event
// is not blamed on anyone when a later change outside Rolegate is.
func TestRolegatesOwnApplyIsNeverBlamed(t *testing.T) {
	r := newTrailRig(t, redshiftsim.Options{}, drift.Options{}, false)
	ctx := context.Background()
	svc := change.New(change.Options{DB: r.db, Audit: r.log, Redshift: r.gw, MaxAttempts: 5,
		Backoff: time.Millisecond, MaxBackoff: time.Millisecond, FollowEvery: time.Millisecond, CallTimeout: 10 * time.Second})
	r.sweep(t)
	req, err := svc.Create(ctx, rita, audit.Origin{}, change.ParseDraft(change.Input{Region: region, Cluster: "analytics",
		Add: spectrumRole, Reason: "Spectrum reads the lake"}))
	if err != nil {
		t.Fatal(err)
	}
	if req, err = svc.Approve(ctx, arno, audit.Origin{}, req.ID, req.Hash, ""); err != nil {
		t.Fatal(err)
	}
	r.stepUntilInSync(t, svc, req.ID)
	r.sweep(t)
	if got := r.events(t, audit.DriftDetected); len(got) != 0 {
		t.Fatalf("Rolegate's own apply reported as drift: %s", got[0].Params)
	}
	if n := len(r.sim.Trail(redshiftsim.Account, region)); n != 1 {
		t.Fatalf("%d CloudTrail events of Rolegate's apply, want 1", n)
	}

	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--remove-iam-roles", copyRole)
	r.sweep(t)
	got := r.events(t, audit.DriftDetected)
	if len(got) != 1 {
		t.Fatalf("drift events: %d, want 1", len(got))
	}
	w := whoOf(t, got[0])
	if !w.Found() || len(w.Events) != 1 || w.Events[0].ARN != oskarARN || w.Skipped != 1 {
		t.Errorf("who: %+v; want oskar alone, Rolegate's apply skipped", w)
	}
}

// A lookup CloudTrail throttles says so, names nobody, and is made again on
// a later sweep once CloudTrail answers.
func TestAThrottledLookupSaysWhyAndIsMadeAgainLater(t *testing.T) {
	clock := redshiftsim.NewManualClock(time.Now().UTC())
	r := newTrailRig(t, redshiftsim.Options{Clock: clock}, drift.Options{Now: clock.Now}, false)
	r.sweep(t)
	r.sim.SetFaults(redshiftsim.Fault{Op: "LookupEvents", Kind: redshiftsim.FaultThrottle})
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	got := r.events(t, audit.DriftDetected)
	if len(got) != 1 {
		t.Fatalf("drift events: %d, want 1", len(got))
	}
	w := whoOf(t, got[0])
	want := "not looked up: CloudTrail is throttling Rolegate's lookups in account 123456789012; it will look again"
	if w.LookedUp || w.Text() != want || len(w.Events) != 0 || w.NextLook.IsZero() {
		t.Fatalf("who while throttled: %+v, %q; want %q", w, w.Text(), want)
	}
	if n := r.sim.Stats().Calls("LookupEvents", region); n < 2 {
		t.Errorf("%d LookupEvents calls: the SDK did not retry the throttled call", n)
	}

	r.sim.ClearFaults()
	clock.Advance(time.Minute)
	r.sweep(t)
	att := r.events(t, audit.DriftAttributed)
	if len(att) != 1 || whoOf(t, att[0]).Events[0].ARN != oskarARN {
		t.Fatalf("drift.attributed after CloudTrail answered: %v", att)
	}
}

func TestALiveReadOfAnotherClusterDoesNotLookUpADueDrift(t *testing.T) {
	clock := redshiftsim.NewManualClock(time.Now().UTC())
	r := newTrailRig(t, redshiftsim.Options{Clock: clock, TrailDelay: time.Hour}, drift.Options{Now: clock.Now}, false)
	if err := r.sim.AddCluster(region, redshiftsim.ClusterSpec{ID: "etl"}); err != nil {
		t.Fatal(err)
	}
	r.sweep(t)
	r.cli(t, "modify-cluster-iam-roles", "--cluster-identifier", "analytics", "--add-iam-roles", spectrumRole)
	r.sweep(t)
	clock.Advance(2 * time.Minute) // the drift of analytics is due to be looked up again
	ctx := context.Background()
	lookups := r.sim.Stats().Calls("LookupEvents", region)
	if _, err := r.gw.Cluster(ctx, redshiftsim.Account, region, "etl", true); err != nil {
		t.Fatal(err)
	}
	if n := r.sim.Stats().Calls("LookupEvents", region); n != lookups {
		t.Errorf("a live read of etl looked up analytics's drift %d times", n-lookups)
	}
	if _, err := r.gw.Cluster(ctx, redshiftsim.Account, region, "analytics", true); err != nil {
		t.Fatal(err)
	}
	if n := r.sim.Stats().Calls("LookupEvents", region); n != lookups+1 {
		t.Errorf("a live read of analytics looked its drift up %d times, want 1", n-lookups)
	}
}
