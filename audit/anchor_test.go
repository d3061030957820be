package audit_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

func testKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	k, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func record(t *testing.T, log *audit.Log, action audit.Action) audit.Event {
	t.Helper()
	e, err := log.Record(context.Background(), audit.Event{Actor: audit.System, Action: action, Outcome: audit.Success})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func anchor(t *testing.T, log *audit.Log) audit.Anchor {
	t.Helper()
	a, err := log.Anchor(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func lines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func hasFault(r audit.Report, kind audit.FaultKind) bool {
	for _, f := range r.Faults {
		if f.Kind == kind {
			return true
		}
	}
	return false
}

// chainWithAnchors is a log of 100 events anchored at seq 30, 60 and 100.
func chainWithAnchors(t *testing.T) (*store.DB, *audit.Log, *audit.Anchors) {
	t.Helper()
	db, log, anchors := chain(t, 30)
	if err := log.Generate(context.Background(), 30, 2, genStart.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	anchor(t, log)
	if err := log.Generate(context.Background(), 40, 3, genStart.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if a := anchor(t, log); a.N != 3 || a.Seq != 100 {
		t.Fatalf("third anchor %+v", a)
	}
	return db, log, anchors
}

func TestAnchorsAreNumberedLinkedAndNameTheirLog(t *testing.T) {
	_, log, anchors := chainWithAnchors(t)
	inst, err := log.Instance(context.Background())
	if err != nil || len(inst) != 32 {
		t.Fatalf("instance %q %v", inst, err)
	}
	var prev audit.Anchor
	for i, l := range lines(t, anchors.File()) {
		var a audit.Anchor
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		if a.Version != 2 || a.Log != inst || a.N != int64(i+1) || a.Sig == "" || a.Key == "" {
			t.Fatalf("anchor line %d: %s", i+1, l)
		}
		if (i == 0 && a.Prev != audit.GenesisHash) || (i > 0 && a.Prev != prev.ID()) {
			t.Fatalf("anchor %d is not linked to the one before: %s", a.N, l)
		}
		prev = a
	}
	r := verify(t, log)
	if !r.OK() || r.Anchors != 3 || r.AnchorsRecorded != 3 || r.Anchor == nil || r.Anchor.N != 3 || r.Instance != inst {
		t.Fatalf("intact: %+v", r)
	}
}

// Every anchor is checked, not only the newest: rewriting an event in the
// middle, re-chaining everything after it and removing the anchor lines
// that would show it is detected.
func TestVerifyChecksEveryAnchor(t *testing.T) {
	ctx := context.Background()
	t.Run("rewritten middle, later anchor lines removed", func(t *testing.T) {
		db, log, anchors := chainWithAnchors(t)
		if err := audit.RewriteAndRechain(ctx, db.Path(), 45, "forged"); err != nil {
			t.Fatal(err)
		}
		l := lines(t, anchors.File())
		if err := os.WriteFile(anchors.File(), []byte(l[0]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := verify(t, log)
		if r.OK() || !hasFault(r, audit.AnchorsLost) || !hasFault(r, audit.AnchorMismatch) {
			t.Fatalf("not detected: %v", r.Faults)
		}
	})
	t.Run("rewritten middle, checked by a middle anchor", func(t *testing.T) {
		db, log, _ := chainWithAnchors(t)
		if err := audit.RewriteAndRechain(ctx, db.Path(), 45, "forged"); err != nil {
			t.Fatal(err)
		}
		r := verify(t, log)
		if r.OK() || r.FirstBad() != 60 || !hasFault(r, audit.AnchorMismatch) {
			t.Fatalf("faults %v", r.Faults)
		}
	})
	t.Run("middle anchor line removed", func(t *testing.T) {
		_, log, anchors := chainWithAnchors(t)
		l := lines(t, anchors.File())
		if err := os.WriteFile(anchors.File(), []byte(l[0]+"\n"+l[2]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := verify(t, log)
		if !hasFault(r, audit.AnchorGap) || !hasFault(r, audit.AnchorsLost) {
			t.Fatalf("faults %v", r.Faults)
		}
	})
	t.Run("anchor file deleted", func(t *testing.T) {
		_, log, anchors := chainWithAnchors(t)
		if err := os.Remove(anchors.File()); err != nil {
			t.Fatal(err)
		}
		r := verify(t, log)
		if r.OK() || !hasFault(r, audit.AnchorsLost) || !strings.Contains(r.Faults[0].Detail, "does not exist") {
			t.Fatalf("a deleted anchor file is not a fault: %+v", r)
		}
	})
}

// A verifier needs only the public key.
func TestVerifyWithThePublicKeyOnly(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "k"), filepath.Join(dir, "k.pub")
	if _, err := audit.WriteKeyPair(priv, pub); err != nil {
		t.Fatal(err)
	}
	for file, mode := range map[string]os.FileMode{priv: 0o400, pub: 0o444} {
		if st, err := os.Stat(file); err != nil || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v %v", file, st.Mode(), err)
		}
	}
	if _, err := audit.WriteKeyPair(priv, pub); err == nil {
		t.Fatal("keygen overwrote a key")
	}
	key, _, err := audit.ReadPrivateKeyFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubKey, err := audit.ReadPublicKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	file := filepath.Join(t.TempDir(), "a.anchors")
	signer := audit.New(db, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: file, Signer: key})))
	if err := signer.Generate(context.Background(), 25, 1, genStart); err != nil {
		t.Fatal(err)
	}
	anchor(t, signer)
	checker := audit.New(db, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: file, Public: pubKey})))
	if r := verify(t, checker); !r.OK() || r.Anchors != 1 {
		t.Fatalf("verified with the public key: %+v", r)
	}
	if _, err := checker.Anchor(context.Background(), false); !errors.Is(err, audit.ErrNoSigningKey) {
		t.Fatalf("anchor without the private key: %v", err)
	}
	other := audit.New(db, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: file, Public: testKey(t).Public().(ed25519.PublicKey)})))
	if r := verify(t, other); !hasFault(r, audit.AnchorForged) || !strings.Contains(r.Faults[0].Detail, "signing key") {
		t.Fatalf("anchors checked with another public key: %v", r.Faults)
	}
}

// Version 1 anchor files (HMAC) keep verifying with the old key, and new
// anchors follow them in the same file.
func TestVersion1AnchorsKeepVerifying(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	log := audit.New(db)
	if err := log.Generate(ctx, 20, 1, genStart); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile, file := filepath.Join(dir, "anchor.key"), filepath.Join(dir, "rg.anchors")
	key := []byte("0123456789abcdef0123456789abcdef")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := log.Get(ctx, 20)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "rolegate.anchor.v1\n%d\n%s\n%s\n", e.Seq, e.Hash, at.Format(audit.TimeFormat))
	v1 := fmt.Sprintf(`{"seq":%d,"hash":%q,"time":%q,"mac":%q}`, e.Seq, e.Hash, at.Format(time.RFC3339Nano), hex.EncodeToString(m.Sum(nil)))
	if err := os.WriteFile(file, []byte(v1+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := audit.New(db, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: file, Signer: testKey(t), LegacyKeyFile: keyFile})))
	if mine, err := old.OwnsAnchorFile(ctx, file); err != nil || !mine {
		t.Fatalf("a version 1 file of this log is not recognised as its own: %v %v", mine, err)
	}
	if a := anchor(t, old); a.N != 1 || a.Seq != 20 {
		t.Fatalf("first version 2 anchor after version 1 ones: %+v", a)
	}
	if r := verify(t, old); !r.OK() || r.Anchors != 2 {
		t.Fatalf("version 1 then 2: %+v", r)
	}
	// A forged version 1 anchor is still caught.
	if err := os.WriteFile(file, []byte(strings.Replace(strings.Join(lines(t, file), "\n"), `"seq":20,"hash"`, `"seq":19,"hash"`, 1)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := verify(t, old); !hasFault(r, audit.AnchorForged) {
		t.Fatalf("forged version 1 anchor: %v", r.Faults)
	}
}

// Each log considers only its own anchors, and refuses to append to an
// anchor file of another log.
func TestAnchorsBelongToTheirLog(t *testing.T) {
	ctx := context.Background()
	_, a, anchorsA := chain(t, 10)
	dbB, b, anchorsB := chain(t, 12)
	intoA := audit.New(dbB, audit.WithAnchors(audit.NewAnchors(audit.AnchorConfig{File: anchorsA.File(), Signer: testKey(t)})))
	if _, err := intoA.Anchor(ctx, false); !errors.Is(err, audit.ErrOtherLog) {
		t.Fatalf("appending to another log's anchor file: %v", err)
	}
	if err := intoA.Check(ctx); !errors.Is(err, audit.ErrOtherLog) {
		t.Fatalf("checking against another log's anchor file: %v", err)
	}
	// Both logs' lines in one file: each verifies its own and says so.
	both := strings.Join(append(lines(t, anchorsA.File()), lines(t, anchorsB.File())...), "\n") + "\n"
	for _, f := range []string{anchorsA.File(), anchorsB.File()} {
		if err := os.WriteFile(f, []byte(both), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, log := range map[string]*audit.Log{"a": a, "b": b} {
		r := verify(t, log)
		if !r.OK() || r.Anchors != 1 || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "another log") {
			t.Fatalf("log %s: %+v", name, r)
		}
	}
}

// Before it signs, the log checks the chain since the last good anchor:
// on damage it signs nothing, keeps the damage and records the finding.
func TestAnchorRefusesToSignADamagedChain(t *testing.T) {
	ctx := context.Background()
	db, log, anchors := chain(t, 40)
	if err := log.Generate(ctx, 10, 9, genStart.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	tamper(t, db, `UPDATE audit_events SET request_id = request_id || 'x' WHERE seq = 45`)
	fresh := audit.New(db, audit.WithAnchors(anchors))
	if err := fresh.Check(ctx); err != nil {
		t.Fatal(err)
	}
	f, damaged := fresh.Damage()
	if !damaged || f.Seq != 45 || f.Kind != audit.Altered {
		t.Fatalf("damage %+v %v", f, damaged)
	}
	var de *audit.DamagedError
	if _, err := fresh.Anchor(ctx, false); !errors.As(err, &de) || de.Fault.Seq != 45 {
		t.Fatalf("anchor on a damaged chain: %v", err)
	}
	if n := len(lines(t, anchors.File())); n != 1 {
		t.Fatalf("%d anchors, want the 1 from before the damage", n)
	}
	p, err := fresh.Query(ctx, audit.Filter{Action: audit.AuditVerified, Outcome: audit.Failure}, "", 5)
	if err != nil || len(p.Events) != 1 || !strings.Contains(p.Events[0].ErrorMessage, "seq 45") {
		t.Fatalf("the finding is not recorded: %+v %v", p.Events, err)
	}
	// The first anchor's log already knew its chain good to seq 40, so it
	// checks only what came after: the same damage.
	if _, err := log.Anchor(ctx, false); !errors.As(err, &de) || de.Fault.Seq != 45 {
		t.Fatalf("anchor after the good point: %v", err)
	}
}

// A change request's state change is anchored at once, not at the next
// tick: rewriting that event afterwards is caught by its anchor.
func TestChangeStateChangeIsAnchoredAtOnce(t *testing.T) {
	ctx := context.Background()
	db, log, anchors := chain(t, 20)
	actx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		log.AnchorEvery(actx, time.Hour, func(err error) { t.Errorf("anchor: %v", err) })
	}()
	record(t, log, audit.SignIn) // not a state change: no anchor
	e := record(t, log, audit.ChangeApproved)
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := lines(t, anchors.File())
		if strings.Contains(l[len(l)-1], fmt.Sprintf(`"seq":%d,`, e.Seq)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no anchor of seq %d:\n%s", e.Seq, strings.Join(l, "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if err := audit.RewriteAndRechain(ctx, db.Path(), e.Seq, "rewritten"); err != nil {
		t.Fatal(err)
	}
	r := verify(t, log)
	if !hasFault(r, audit.AnchorMismatch) || r.FirstBad() != e.Seq {
		t.Fatalf("a rewritten state change after its anchor: %v", r.Faults)
	}
}

// An anchor never links to a forged one: a line slipped into the anchor
// file stops the signing.
func TestAnchorRefusesToFollowAForgedAnchor(t *testing.T) {
	_, log, anchors := chain(t, 10)
	record(t, log, audit.SignIn)
	l := lines(t, anchors.File())
	forged := strings.Replace(l[0], `"n":1,`, `"n":2,`, 1)
	if err := os.WriteFile(anchors.File(), []byte(l[0]+"\n"+forged+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var de *audit.DamagedError
	if _, err := log.Anchor(context.Background(), true); !errors.As(err, &de) || de.Fault.Kind != audit.AnchorForged {
		t.Fatalf("anchor after a forged line: %v", err)
	}
	if n := len(lines(t, anchors.File())); n != 2 {
		t.Fatalf("%d lines, want the 2 from before", n)
	}
}
