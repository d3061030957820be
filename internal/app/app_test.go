package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/app"
	"rolegate/internal/auth"
	"rolegate/internal/config"
	"rolegate/redshiftsim"
)

// testConfig is the dashboard's settings for a database in a temp dir,
// its Redshift calls sent to a simulator.
func testConfig(t *testing.T) config.Config {
	t.Helper()
	sim := redshiftsim.New(redshiftsim.Options{Logger: slog.New(slog.DiscardHandler)})
	if err := sim.Load([]redshiftsim.Seed{{Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{ID: "c1"}}}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	key, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ROLEGATE_AUDIT_SIGNING_KEY": string(audit.EncodePrivateKey(key))}
	cfg, err := config.Load([]string{
		"-db", filepath.Join(t.TempDir(), "rolegate.db"),
		"-audit-anchor-file", filepath.Join(t.TempDir(), "rolegate.anchors"),
		"-regions", "us-east-1", "-aws-endpoint", srv.URL,
	}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newApp(t *testing.T, cfg config.Config) *app.App {
	t.Helper()
	a, err := app.New(context.Background(), cfg, app.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

// wait is what Serve returned, failing the test if it never does.
func wait(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatal("Serve did not return")
		return nil
	}
}

// One context stops the server and every loop, and what was recorded up
// to then is anchored once they have all stopped.
func TestServeStopsWithItsContextAndAnchorsTheLastEvents(t *testing.T) {
	a := newApp(t, testConfig(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()

	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %d", res.StatusCode)
	}
	if _, err := a.Directory.Create(ctx, audit.System, audit.Origin{}, auth.NewUser{Username: "ada", Role: auth.RoleAdmin, Password: "ada's long password"}); err != nil {
		t.Fatal(err)
	}
	head, _, err := a.Audit.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}

	cancel()
	if err := wait(t, done); err != nil {
		t.Fatalf("Serve after its context ended: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("the server still answers")
	}
	r, err := a.Audit.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || r.Anchor == nil || r.Anchor.Seq != head {
		t.Fatalf("after Serve: ok %v, newest anchor %+v, want one at seq %d", r.OK(), r.Anchor, head)
	}
}

// A server that cannot serve stops the background work too, and its
// error is what Serve returns, with the context still live.
func TestServeReturnsTheServersErrorAndStopsTheLoops(t *testing.T) {
	a := newApp(t, testConfig(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	done := make(chan error, 1)
	go func() { done <- a.Serve(context.Background(), ln) }()
	if err := wait(t, done); err == nil || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve on a closed listener: %v", err)
	}
}

// A setting that stops the start is an error of New naming the setting.
func TestNewNamesTheSettingThatStopsTheStart(t *testing.T) {
	cfg := testConfig(t)
	cfg.SigningKey = "not a key"
	_, err := app.New(context.Background(), cfg, app.Options{})
	if err == nil || !strings.Contains(err.Error(), "-audit-signing-key") {
		t.Fatalf("New with a bad signing key: %v", err)
	}
}
