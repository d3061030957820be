package handlers_test

import (
	"log/slog"
	"testing"

	"rolegate/handlers"
	"rolegate/internal/account"
)

// accountTest is the AWS accounts service on the app's database and
// audit log.
type accountTest struct {
	accounts *account.Service
}

func (a *testApp) setupAccountTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
	t.Helper()
	a.accounts = account.New(account.Options{DB: a.db, Audit: a.audit, Logger: log.With("component", "accounts")})
	ho.AccountOptions = handlers.AccountOptions{
		Accounts:             a.accounts,
		DefaultRegions:       []string{"us-east-1", "eu-west-1"},
		DefaultProductionTag: "environment=production",
	}
}
