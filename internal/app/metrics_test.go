package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/internal/app"
)

// get asks the app's router for path, with a bearer token when given one.
func get(t *testing.T, a *app.App, path, token string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.Router.ServeHTTP(rec, req)
	return rec
}

// Without -metrics-token the dashboard's own listener has no /metrics;
// with it, /metrics answers 401 without the token and the metrics with
// it, counting the router's requests and the gateway's AWS calls and
// sweeps.
func TestMetricsOnTheDashboardListenerOnlyBehindTheToken(t *testing.T) {
	open := newApp(t, testConfig(t))
	if rec := get(t, open, "/metrics", ""); rec.Code == http.StatusOK || strings.Contains(rec.Body.String(), "rolegate_") {
		t.Fatalf("/metrics without -metrics-token: %d\n%s", rec.Code, rec.Body)
	}

	const token = "a-metrics-token-of-some-length"
	cfg := testConfig(t)
	cfg.MetricsToken = token
	a := newApp(t, cfg)
	for _, tok := range []string{"", "wrong-token-of-some-length"} {
		if rec := get(t, a, "/metrics", tok); rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "rolegate_") {
			t.Fatalf("/metrics with token %q: %d\n%s", tok, rec.Code, rec.Body)
		}
	}
	if rec := get(t, a, "/healthz", ""); rec.Code != http.StatusOK {
		t.Fatalf("/healthz: %d", rec.Code)
	}
	if _, err := a.Gateway.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec := get(t, a, "/metrics", token)
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics with the token: %d", rec.Code)
	}
	for _, want := range []string{
		`rolegate_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`rolegate_http_requests_total{method="GET",route="/metrics",status="401"} 2`,
		`rolegate_aws_calls_total{account="default",operation="DescribeClusters",outcome="success",region="us-east-1",service="Redshift"}`,
		`rolegate_inventory_sweeps_total{outcome="success",region="us-east-1"} 1`,
		`rolegate_audit_anchors 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// -metrics-listen serves /metrics on a listener of its own, which stops
// with the app.
func TestMetricsListenServesOnItsOwnListener(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsListen = "127.0.0.1:0"
	logs := &lockedBuffer{}
	a, err := app.New(context.Background(), cfg, app.Options{Version: "test", Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	urlRE := regexp.MustCompile(`msg="metrics listening" url=(\S+)`)
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == ""; time.Sleep(10 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(logs.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no metrics listener in the log:\n%s", logs)
		}
	}
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(body.String(), "rolegate_audit_chain_length") {
		t.Fatalf("%s: %d\n%s", url, res.StatusCode, body.String())
	}
	// The app's notification outbox is watched too.
	if !strings.Contains(body.String(), `rolegate_notify_outbox_backlog{channel_kind="email"} 0`) {
		t.Fatalf("%s: no outbox figures\n%s", url, body.String())
	}
	cancel()
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(url); err == nil {
		t.Fatal("the metrics listener still answers after the app stopped")
	}
}
