package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"rolegate/audit"
	"rolegate/internal/app"
	"rolegate/internal/config"
	"rolegate/internal/store"
	"rolegate/static"
)

// testApp is the app the dashboard runs (internal/app), on a real SQLite
// file in a temp dir, its background work running and its router served
// over HTTP, with a cookie-keeping client that does not follow redirects.
// Each capability sets its own settings and options of the app, and keeps
// what its tests look at, in its <area>_setup_test.go file.
type testApp struct {
	url    string
	client *http.Client
	db     *store.DB
	assets *static.Assets
	audit  *audit.Log

	accessTest
	auditTest
	inventoryTest
	changeTest
	notifyTest
	accountTest
}

type testOptions struct {
	https bool
	logs  io.Writer
	extra func(e *echo.Echo)

	accessTestOptions
	inventoryTestOptions
	changeTestOptions
	accountTestOptions
	ssoTestOptions
	apiTestOptions
}

func newTestApp(t *testing.T) *testApp { return newTestAppWith(t, nil) }

func newTestAppWith(t *testing.T, mod func(*testOptions)) *testApp {
	t.Helper()
	o := testOptions{logs: io.Discard}
	if mod != nil {
		mod(&o)
	}
	logw := &lockedWriter{w: o.logs}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	// The settings as the dashboard loads them, then each capability's.
	args := []string{"-db", filepath.Join(t.TempDir(), "rolegate.db")}
	if o.https {
		args = append(args, "-external-url", "https://rolegate.test")
	}
	cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ao := app.Options{Logger: log, Version: "test"}
	ta := &testApp{}
	ta.setupAccessTest(t, &o, &cfg, &ao)
	ta.setupAuditTest(t, &o, &cfg, &ao)
	ta.setupInventoryTest(t, &o, &cfg, &ao)
	ta.setupChangeTest(t, &o, &cfg, &ao)
	ta.setupNotifyTest(t, &o, &cfg, &ao)
	ta.setupAccountTest(t, &o, &cfg)
	ta.setupSSOTest(t, &o, &cfg)
	setupAPITest(&o, &cfg)

	a, err := app.New(context.Background(), cfg, ao)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	// Registered after Close, so it runs before it.
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("app: %v", err)
		}
	})
	if o.extra != nil {
		o.extra(a.Router)
	}
	srv := httptest.NewUnstartedServer(a.Router)
	if o.listener != nil {
		srv.Listener.Close()
		srv.Listener = o.listener
	}
	srv.Start()
	t.Cleanup(srv.Close)
	ta.url = srv.URL
	ta.client = newClient()
	ta.db, ta.audit, ta.assets = a.DB, a.Audit, a.Assets
	ta.users, ta.directory, ta.sessions = a.Users, a.Directory, a.Sessions
	ta.anchors = a.Audit.Anchors()
	ta.gateway, ta.changes, ta.accounts = a.Gateway, a.Changes, a.Accounts
	ta.notify = a.Notify
	return ta
}

// newClient keeps cookies and does not follow redirects, so that tests see
// them.
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (a *testApp) get(t *testing.T, path string) *http.Response {
	t.Helper()
	res, err := a.client.Get(a.url + path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// lockedWriter lets the server's goroutines and the test share a log sink.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
