package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// `rolegate user add -service` makes a service account without reading a
// password; it is recorded as one.
func TestUserAddServiceAccount(t *testing.T) {
	db := filepath.Join(t.TempDir(), "svc", "r.db")
	out, err := rolegateCmd(t, db, "", "user", "add", "-service", "-role", "requester", "etl-bot")
	if err != nil || !strings.Contains(out, "service account etl-bot created with role requester") {
		t.Fatalf("user add -service: %v\n%s", err, out)
	}
	out, err = rolegateCmd(t, db, "", "audit", "export", "-format", "jsonl", "-action", "user.created")
	if err != nil || !strings.Contains(out, `"service":true`) || !strings.Contains(out, `"username":"etl-bot"`) {
		t.Fatalf("audit: %v\n%s", err, out)
	}
}
