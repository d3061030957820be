package handlers_test

import (
	"log/slog"
	"path/filepath"
	"testing"

	"rolegate/audit"
	"rolegate/handlers"
)

// auditTest is the audit part of the test app: the anchors of its log.
type auditTest struct {
	anchors *audit.Anchors
}

// setupAuditTest gives the test app's audit log anchors in a directory of
// their own, as in production.
func (a *testApp) setupAuditTest(t *testing.T, o *testOptions, ho *handlers.Options, log *slog.Logger) {
	dir := t.TempDir()
	key, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	a.anchors = audit.NewAnchors(audit.AnchorConfig{File: filepath.Join(dir, "audit.anchors"), Signer: key})
	a.audit.SetAnchors(a.anchors)
}
