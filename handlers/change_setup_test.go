package handlers_test

import (
	"strings"
	"testing"
	"time"

	"rolegate/internal/app"
	"rolegate/internal/change"
	"rolegate/internal/config"
)

// changeTest is the change-request service with its apply worker running,
// on the app's database, audit log and inventory gateway.
type changeTest struct {
	changes *change.Service
}

type changeTestOptions struct {
	// maxAttempts bounds apply attempts (default 5); backoffs are short.
	maxAttempts int
	// requestTTL is how long a pending request waits (default a week).
	requestTTL time.Duration
	// highRiskTags need two approvers besides environment=production.
	highRiskTags []string
	// iamAllowedAccounts are listed in -iam-allowed-accounts.
	iamAllowedAccounts []string
}

// setupChangeTest sets the apply settings (as -apply-max-attempts,
// -apply-backoff, -request-ttl and -worker-every do, but with waits too
// short for the flags) and the app's short waits between follow-ups.
func (a *testApp) setupChangeTest(t *testing.T, o *testOptions, cfg *config.Config, ao *app.Options) {
	t.Helper()
	cfg.ApplyMaxAttempts = o.maxAttempts
	if cfg.ApplyMaxAttempts == 0 {
		cfg.ApplyMaxAttempts = 5
	}
	if o.requestTTL > 0 {
		cfg.RequestTTL = o.requestTTL
	}
	cfg.ProductionTag = "environment=production"
	cfg.HighRiskTags = strings.Join(o.highRiskTags, ",")
	cfg.IAMAllowedAccounts = strings.Join(o.iamAllowedAccounts, ",")
	cfg.ApplyBackoff, cfg.WorkerEvery = 10*time.Millisecond, 10*time.Millisecond
	ao.Pace.ApplyMaxBackoff, ao.Pace.Follow = 50*time.Millisecond, 10*time.Millisecond
}
