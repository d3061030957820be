package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/internal/config"
	"rolegate/internal/store"
)

// accountTest is the app's AWS accounts service, for tests that look at
// what the admin pages stored.
type accountTest struct {
	accounts *account.Service
}

// accountTestOptions are the accounts stored before the app starts, as
// `rolegate account add` would have left them.
type accountTestOptions struct {
	accounts []account.Spec
}

// setupAccountTest adds the test's accounts to the database the app is
// about to open, through the accounts service.
func (a *testApp) setupAccountTest(t *testing.T, o *testOptions, cfg *config.Config) {
	t.Helper()
	if len(o.accounts) == 0 {
		return
	}
	ctx := context.Background()
	db, err := store.Open(ctx, cfg.DBPath, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := account.New(account.Options{DB: db, Audit: audit.New(db)})
	for _, sp := range o.accounts {
		if _, err := svc.Add(ctx, audit.Actor{Username: "shell:test"}, audit.Origin{}, sp); err != nil {
			t.Fatal(err)
		}
	}
}
