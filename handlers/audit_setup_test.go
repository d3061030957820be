package handlers_test

import (
	"path/filepath"
	"testing"

	"rolegate/audit"
	"rolegate/internal/app"
	"rolegate/internal/config"
)

// auditTest is the audit part of the test app: the anchors of its log.
type auditTest struct {
	anchors *audit.Anchors
}

// setupAuditTest gives the app's audit log an anchor file in a directory
// of its own, as in production, and a signing key from the settings (as
// ROLEGATE_AUDIT_SIGNING_KEY gives it).
func (a *testApp) setupAuditTest(t *testing.T, o *testOptions, cfg *config.Config, ao *app.Options) {
	t.Helper()
	key, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.AnchorFile = filepath.Join(t.TempDir(), "audit.anchors")
	cfg.SigningKey = string(audit.EncodePrivateKey(key))
}
