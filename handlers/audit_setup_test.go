package handlers_test

import (
	"log/slog"
	"testing"

	"rolegate/handlers"
)

type auditTest struct{}

type auditTestOptions struct{}

func (a *testApp) setupAuditTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
}
