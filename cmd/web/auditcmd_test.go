package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/audit"
)

func TestAuditCommandVerifyExportAnchor(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "r.db")
	env := func(k string) string {
		if k == "USER" {
			return "ops"
		}
		return withSigningKey(nil)[k]
	}
	rolegate := func(args ...string) (string, error) {
		var out, errw bytes.Buffer
		err := run(ctx, append([]string{"audit"}, args...), env, &out, &errw)
		return out.String() + errw.String(), err
	}
	if out, err := rolegate("generate", "-n", "500", "-db", db); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	if out, err := rolegate("anchor", "-db", db); err != nil || !strings.Contains(out, "anchored seq 500") {
		t.Fatalf("anchor: %v\n%s", err, out)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "anchors", "r-*.anchors")); len(m) != 1 {
		t.Fatalf("anchor files %v, want one named after the database and its instance", m)
	}
	out, err := rolegate("verify", "-db", db)
	if err != nil || !strings.Contains(out, "OK: the audit chain is intact") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "out.jsonl")
	if out, err := rolegate("export", "-format", "jsonl", "-region", "eu-west-1", "-o", file, "-db", db); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	if err := audit.ReadJSONL(f, func(e audit.Event) error {
		if e.Target.Region != "eu-west-1" || !e.HashOK() {
			t.Errorf("exported event %d: region %q, hash ok %v", e.Seq, e.Target.Region, e.HashOK())
		}
		n++
		return nil
	}); err != nil || n == 0 {
		t.Fatalf("read back %d events: %v", n, err)
	}
	if _, err := rolegate("export", "-action", "no.such", "-db", db); err == nil || !strings.Contains(err.Error(), "-action") {
		t.Fatalf("bad filter: %v", err)
	}

	// Cut the tail off behind Rolegate's back: verify fails and names it.
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{`DROP TRIGGER audit_events_no_delete`, `DROP TRIGGER audit_event_arns_no_delete`,
		`DELETE FROM audit_event_arns WHERE seq > 490`, `DELETE FROM audit_events WHERE seq > 490`} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	out, err = rolegate("verify", "-db", db)
	if exitCode(err) != 2 || !strings.Contains(out, "FAULT truncated at seq 491") {
		t.Fatalf("verify of a truncated log: exit %d %v\n%s", exitCode(err), err, out)
	}
}
