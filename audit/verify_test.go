package audit_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

var genStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// chain opens a database with n generated events and anchors configured,
// anchored at the head.
func chain(t *testing.T, n int) (*store.DB, *audit.Log, *audit.Anchors) {
	t.Helper()
	db := openDB(t)
	dir := t.TempDir()
	anchors := audit.NewAnchors(audit.AnchorConfig{File: filepath.Join(dir, "anchors", "audit.anchors"), Signer: testKey(t)})
	log := audit.New(db, audit.WithAnchors(anchors))
	if err := log.Generate(context.Background(), n, 1, genStart); err != nil {
		t.Fatal(err)
	}
	if _, err := log.Anchor(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	return db, log, anchors
}

// tamper runs statements on a raw connection of the database file with
// the append-only triggers dropped, as an attacker with the file would.
func tamper(t *testing.T, db *store.DB, stmts ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	all := append([]string{
		`DROP TRIGGER audit_events_no_update`, `DROP TRIGGER audit_events_no_delete`,
		`DROP TRIGGER audit_event_arns_no_update`, `DROP TRIGGER audit_event_arns_no_delete`,
	}, stmts...)
	for _, s := range all {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func verify(t *testing.T, log *audit.Log) audit.Report {
	t.Helper()
	r, err := log.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerifyIntactChain(t *testing.T) {
	_, log, _ := chain(t, 300)
	r := verify(t, log)
	if !r.OK() || r.Checked != 300 || r.HeadSeq != 300 || r.Anchor == nil || r.Anchor.Seq != 300 || !r.AnchorsChecked {
		t.Fatalf("intact chain: %+v", r)
	}
	if last, ok := log.LastVerification(); !ok || last.HeadSeq != 300 {
		t.Fatalf("last verification not kept: %+v %v", last, ok)
	}
}

func TestVerifyNamesEachKindOfTampering(t *testing.T) {
	tests := []struct {
		name    string
		stmts   []string
		anchor  func(t *testing.T, a *audit.Anchors)
		kind    audit.FaultKind
		seq, to int64
	}{
		{
			name:  "changed byte in the request ID",
			stmts: []string{`UPDATE audit_events SET request_id = CASE substr(request_id, 1, 1) WHEN 'a' THEN 'b' ELSE 'a' END || substr(request_id, 2) WHERE seq = 57`},
			kind:  audit.Altered, seq: 57,
		},
		{
			name:  "changed byte in the outcome",
			stmts: []string{`UPDATE audit_events SET outcome = CASE outcome WHEN 'success' THEN 'failure' ELSE 'success' END WHERE seq = 120`},
			kind:  audit.Altered, seq: 120,
		},
		{
			name:  "changed byte in the time",
			stmts: []string{`UPDATE audit_events SET ts = replace(ts, '2026-', '2025-') WHERE seq = 9`},
			kind:  audit.Altered, seq: 9,
		},
		{
			name:  "deleted row",
			stmts: []string{`DELETE FROM audit_event_arns WHERE seq = 80`, `DELETE FROM audit_events WHERE seq = 80`},
			kind:  audit.Missing, seq: 80, to: 80,
		},
		{
			name:  "deleted rows in the middle",
			stmts: []string{`DELETE FROM audit_event_arns WHERE seq BETWEEN 100 AND 104`, `DELETE FROM audit_events WHERE seq BETWEEN 100 AND 104`},
			kind:  audit.Missing, seq: 100, to: 104,
		},
		{
			name:  "truncated tail",
			stmts: []string{`DELETE FROM audit_event_arns WHERE seq > 290`, `DELETE FROM audit_events WHERE seq > 290`},
			kind:  audit.Truncated, seq: 291, to: 300,
		},
		{
			name: "forged anchor",
			anchor: func(t *testing.T, a *audit.Anchors) {
				b, err := os.ReadFile(a.File())
				if err != nil {
					t.Fatal(err)
				}
				s := strings.Replace(string(b), `"seq":300`, `"seq":299`, 1)
				if err := os.WriteFile(a.File(), []byte(s), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			kind: audit.AnchorForged, seq: 299,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, log, anchors := chain(t, 300)
			tamper(t, db, tt.stmts...)
			if tt.anchor != nil {
				tt.anchor(t, anchors)
			}
			r := verify(t, log)
			if r.OK() {
				t.Fatal("tampering not detected")
			}
			f := r.Faults[0]
			if f.Kind != tt.kind || f.Seq != tt.seq || f.To != tt.to || r.FirstBad() != tt.seq {
				t.Fatalf("faults %v, want %s at %d–%d", r.Faults, tt.kind, tt.seq, tt.to)
			}
			if !strings.Contains(f.String(), string(tt.kind)) {
				t.Errorf("fault text %q does not name its kind", f.String())
			}
		})
	}
}

// A chain rewritten after the anchor (every hash recomputed by someone
// who can write the file) is caught by the anchor.
func TestVerifyDetectsRewrittenChainAgainstAnchor(t *testing.T) {
	db, log, _ := chain(t, 50)
	tamper(t, db, `UPDATE audit_events SET hash = 'ffff' || substr(hash, 5) WHERE seq = 50`)
	r := verify(t, log)
	if len(r.Faults) != 2 || r.Faults[0].Kind != audit.Altered || r.Faults[1].Kind != audit.AnchorMismatch || r.FirstBad() != 50 {
		t.Fatalf("faults %v", r.Faults)
	}
}

func TestAnchorSkipsUnchangedHead(t *testing.T) {
	_, log, anchors := chain(t, 10)
	if _, err := log.Anchor(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(anchors.File())
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 1 {
		t.Fatalf("%d anchors after an unchanged head, want 1", n)
	}
	if _, err := log.Record(context.Background(), audit.Event{Action: audit.SignIn, Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	a, err := log.Anchor(context.Background(), true)
	if err != nil || a.Seq != 11 || a.N != 2 {
		t.Fatalf("anchor %+v %v", a, err)
	}
}
