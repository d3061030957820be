package audit_test

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"rolegate/audit"
)

// Two clusters of one name in two accounts are two targets: the account is
// stored, hashed, filtered on and exported, and events without one keep
// the hash they always had.
func TestTheAccountOfATargetIsStoredHashedFilteredAndExported(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	log := audit.New(db)
	for _, tg := range []audit.Target{
		{Region: "us-east-1", Cluster: "shared"},
		{Account: "111122223333", Region: "us-east-1", Cluster: "shared"},
		{Account: "444455556666", Region: "us-east-1", Cluster: "shared"},
	} {
		if _, err := log.Record(ctx, audit.Event{Actor: audit.System, Action: audit.ChangeCreated, Outcome: audit.Success, Target: tg}); err != nil {
			t.Fatal(err)
		}
	}
	if r, err := log.Verify(ctx); err != nil || !r.OK() {
		t.Fatalf("verify: %v %v", err, r.Faults)
	}
	p, err := log.Query(ctx, audit.Filter{Account: "444455556666", Cluster: "shared"}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Events) != 1 || p.Events[0].Target.Account != "444455556666" || !p.Events[0].HashOK() {
		t.Fatalf("filtered by account: %+v", p.Events)
	}

	// The account is in both exports, and both read back with hashes intact.
	for _, format := range []audit.Format{audit.CSV, audit.JSONL} {
		var buf bytes.Buffer
		if _, err := log.WriteExport(ctx, &buf, format, audit.Filter{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "111122223333") {
			t.Errorf("%s export lacks the account", format)
		}
		read := audit.ReadJSONL
		if format == audit.CSV {
			read = audit.ReadCSV
		}
		var accounts []string
		err := read(&buf, func(e audit.Event) error {
			if !e.HashOK() {
				t.Errorf("%s: event %d fails its hash", format, e.Seq)
			}
			accounts = append(accounts, e.Target.Account)
			return nil
		})
		if err != nil || strings.Join(accounts, ",") != ",111122223333,444455556666" {
			t.Errorf("%s read back %v, %v", format, accounts, err)
		}
	}

	// An export made before accounts (one column fewer) still reads.
	var buf bytes.Buffer
	if _, err := log.WriteExport(ctx, &buf, audit.CSV, audit.Filter{}); err != nil {
		t.Fatal(err)
	}
	var old strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")[:2] {
		old.WriteString(line[:strings.LastIndex(line, ",")] + "\n")
	}
	n := 0
	if err := audit.ReadCSV(strings.NewReader(old.String()), func(e audit.Event) error {
		n++
		if !e.HashOK() {
			t.Errorf("old-format event %d fails its hash", e.Seq)
		}
		return nil
	}); err != nil || n != 1 {
		t.Errorf("old-format export: %d events, %v", n, err)
	}
}

// Taking the account out of an event that had one breaks its hash.
func TestAnEventsAccountCannotBeDroppedUnnoticed(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	log := audit.New(db)
	e, err := log.Record(ctx, audit.Event{Actor: audit.System, Action: audit.ChangeCreated, Outcome: audit.Success,
		Target: audit.Target{Account: "111122223333", Region: "us-east-1", Cluster: "shared"}})
	if err != nil {
		t.Fatal(err)
	}
	e.Target.Account = ""
	if e.HashOK() {
		t.Fatal("the event without its account still matches its hash")
	}
	// The append-only triggers refuse changing it in place.
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE audit_events SET account = '' WHERE seq = ?`, e.Seq)
		return err
	})
	if err == nil {
		t.Fatal("the account of a stored event could be changed")
	}
}
