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
	"rolegate/handlers"
	"rolegate/internal/store"
	"rolegate/static"
)

// testApp is the real router on a real SQLite file in a temp dir, served
// over HTTP, with a cookie-keeping client that does not follow redirects.
// Each capability adds its own part of the app and of the options in its
// <area>_setup_test.go file.
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
	accountTest
}

type testOptions struct {
	https bool
	logs  io.Writer
	extra func(e *echo.Echo)

	accessTestOptions
	inventoryTestOptions
	changeTestOptions
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
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "rolegate.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	assets := static.New()
	app := &testApp{db: db, assets: assets, audit: audit.New(db)}
	ho := handlers.Options{
		Logger:  log,
		Version: "test",
		HTTPS:   o.https,
		DB:      db,
		Assets:  assets,
		Audit:   app.audit,
	}
	// Order matters: changes use the inventory and the audit log.
	app.setupAccessTest(t, &o, &ho, log)
	app.setupAuditTest(t, &o, &ho, log)
	app.setupInventoryTest(t, &o, &ho, log)
	app.setupChangeTest(t, &o, &ho, log)
	app.setupAccountTest(t, &o, &ho, log)
	e, err := handlers.New(ho)
	if err != nil {
		t.Fatal(err)
	}
	if o.extra != nil {
		o.extra(e)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	app.url = srv.URL
	app.client = newClient()
	return app
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
