package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/middleware"
	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/metrics"
	"rolegate/internal/notify"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

const (
	region = "eu-west-1"
	role   = "arn:aws:iam::123456789012:role/RedshiftCopy"
)

// families are every family the metrics promise.
var families = []string{
	"rolegate_http_requests_total", "rolegate_http_request_duration_seconds",
	"rolegate_aws_calls_total", "rolegate_aws_call_duration_seconds",
	"rolegate_inventory_sweeps_total", "rolegate_inventory_sweep_duration_seconds", "rolegate_inventory_clusters",
	"rolegate_change_requests", "rolegate_apply_attempts_total", "rolegate_apply_outcomes_total", "rolegate_reconciler_actions_total",
	"rolegate_audit_events_appended_total", "rolegate_audit_chain_length", "rolegate_audit_anchors", "rolegate_audit_last_anchor_age_seconds",
	"rolegate_notify_outbox_backlog", "rolegate_notify_deliveries_total", "rolegate_notify_oldest_pending_age_seconds",
}

// rig is the real parts the metrics watch: the database with its
// migrations, the audit log with anchors, the inventory gateway and the
// change service over HTTP to the simulator, and the notification service
// whose outbox the change service fills.
type rig struct {
	db     *store.DB
	log    *audit.Log
	sim    *redshiftsim.Sim
	gw     *inventory.Gateway
	svc    *change.Service
	notify *notify.Service
	m      *metrics.Metrics
}

func newRig(t testing.TB) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "data", "rolegate.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	l := audit.New(db, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: filepath.Join(dir, "anchors", "r.anchors"), Signer: key})))
	sim := redshiftsim.New(redshiftsim.Options{})
	for _, id := range []string{"alpha", "beta"} {
		if err := sim.AddCluster(region, redshiftsim.ClusterSpec{ID: id, NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available"}); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	m := metrics.New(db)
	gw, err := inventory.New(ctx, inventory.Options{Regions: []string{region}, Endpoint: srv.URL, Timeout: 5 * time.Second,
		APIOptions: []func(*middleware.Stack) error{m.AWS(metrics.DefaultAccount)}, OnSweep: m.Sweep})
	if err != nil {
		t.Fatal(err)
	}
	ns := notify.New(notify.Options{DB: db, Audit: l, BaseURL: "https://rolegate.example.com", Backoff: time.Hour, MaxBackoff: time.Hour})
	m.WatchOutbox(ns)
	svc := change.New(change.Options{DB: db, Audit: l, Redshift: gw, Backoff: 10 * time.Millisecond, Notifier: ns,
		FollowEvery: 10 * time.Millisecond, CallTimeout: 300 * time.Millisecond})
	return &rig{db: db, log: l, sim: sim, gw: gw, svc: svc, notify: ns, m: m}
}

// channels adds three channels that hear of every request: a Slack one
// whose receiver takes everything, a webhook whose receiver refuses
// everything for good (410), and one whose receiver is down for now (503),
// so that its notifications wait for a retry an hour later.
func (r *rig) channels(t testing.TB) {
	t.Helper()
	for _, c := range []struct {
		name   string
		kind   notify.ChannelKind
		status int
	}{{"#dba", notify.ChannelSlack, http.StatusOK}, {"gone-hook", notify.ChannelWebhook, http.StatusGone}, {"down-hook", notify.ChannelWebhook, http.StatusServiceUnavailable}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(c.status) }))
		t.Cleanup(srv.Close)
		_, err := r.notify.AddChannel(context.Background(), audit.System, audit.Origin{}, notify.ChannelForm{
			Name: c.name, Kind: c.kind, Target: srv.URL, Secret: "a signing secret of some length", Topics: notify.AllTopics, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// values sums each family's samples (a histogram's observation count).
func (r *rig) values(t *testing.T) map[string]float64 {
	t.Helper()
	got, err := r.m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range got {
		sum := 0.0
		for _, s := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				sum += s.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				sum += s.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				sum += float64(s.GetHistogram().GetSampleCount())
			}
		}
		out[f.GetName()] = sum
	}
	return out
}

// apply creates and approves a request for cluster and steps the worker
// until it is in sync.
func (r *rig) apply(t *testing.T, cluster string) {
	t.Helper()
	ctx := context.Background()
	req, err := r.svc.Create(ctx, change.Actor{ID: 1, Username: "rita", Role: "requester"}, audit.Origin{},
		change.ParseDraft(change.Input{Region: region, Cluster: cluster, Add: role, Reason: "Load the nightly batch"}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Approve(ctx, change.Actor{ID: 2, Username: "arno", Role: "approver"}, audit.Origin{}, req.ID, req.Hash, ""); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := r.svc.Step(ctx); err != nil {
			t.Logf("step: %v", err)
		}
		got, err := r.svc.Get(ctx, req.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State == "in_sync" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %d is still %s", req.ID, got.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// After a scripted run (an HTTP request, a sweep, an apply, an apply
// whose answer came too late and was settled by the reconciler, and an
// anchor) every family is present in the text format and has moved.
func TestEveryFamilyPresentAndMovingAfterAScriptedRun(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	before := r.values(t)
	r.channels(t)

	e := echo.New()
	e.Use(r.m.Echo())
	e.GET("/clusters/:region/:id", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/broken", func(c echo.Context) error { return echo.NewHTTPError(http.StatusConflict) })
	for _, path := range []string{"/clusters/eu-west-1/alpha", "/broken", "/nowhere"} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	if _, err := r.gw.List(ctx); err != nil {
		t.Fatal(err)
	}
	r.apply(t, "alpha")
	// The next call is processed but answered after the call timeout:
	// the reconciler settles it by reading the cluster.
	r.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: "latency-after", Latency: time.Second, Next: 1})
	r.apply(t, "beta")
	if err := r.notify.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := r.log.Anchor(ctx, false); err != nil {
		t.Fatal(err)
	}

	after := r.values(t)
	for _, f := range families {
		if _, ok := after[f]; !ok {
			t.Errorf("family %s is missing", f)
			continue
		}
		if _, was := before[f]; was && after[f] == before[f] {
			t.Errorf("family %s did not move: %v", f, after[f])
		}
	}

	rec := httptest.NewRecorder()
	r.m.Handler("").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`rolegate_http_requests_total{method="GET",route="/clusters/:region/:id",status="200"} 1`,
		`rolegate_http_requests_total{method="GET",route="/broken",status="409"} 1`,
		`rolegate_aws_calls_total{account="default",operation="ModifyClusterIamRoles",outcome="timeout",region="eu-west-1",service="Redshift"} 1`,
		`rolegate_inventory_clusters{region="eu-west-1"} 2`,
		`rolegate_change_requests{state="in_sync"} 2`,
		`rolegate_reconciler_actions_total{outcome="success"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the text format lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

func TestEndpointRefusesWithoutItsToken(t *testing.T) {
	r := newRig(t)
	h := r.m.Handler("s3cret-token")
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"s3cret-token", http.StatusUnauthorized},
		{"Basic czNjcmV0LXRva2Vu", http.StatusUnauthorized},
		{"Bearer s3cret-token", http.StatusOK},
	} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Authorization %q: status %d, want %d", tc.auth, rec.Code, tc.want)
		}
		if has := strings.Contains(rec.Body.String(), "rolegate_audit_chain_length"); has != (tc.want == http.StatusOK) {
			t.Errorf("Authorization %q: metrics in the body: %v", tc.auth, has)
		}
	}
}

// The Grafana dashboard in docs/ shows every family.
func TestGrafanaDashboardShowsEveryFamily(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct{ Expr string } `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("docs/grafana-dashboard.json: %v", err)
	}
	var exprs strings.Builder
	for _, p := range dash.Panels {
		for _, q := range p.Targets {
			exprs.WriteString(q.Expr + "\n")
		}
	}
	for _, f := range families {
		if !strings.Contains(exprs.String(), f) {
			t.Errorf("no panel of the dashboard shows %s", f)
		}
	}
}
