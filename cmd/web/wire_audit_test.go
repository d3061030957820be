package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/store"
)

// testSigningKey is one audit signing key for every server these tests
// start, so that a restarted server can check its earlier anchors.
var testSigningKey = sync.OnceValue(func() string {
	k, err := audit.GenerateKey()
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
})

// withSigningKey is env with ROLEGATE_AUDIT_SIGNING_KEY set to the test
// key unless env sets it (to "" for none: the key is then left out).
func withSigningKey(env map[string]string) map[string]string {
	out := map[string]string{"ROLEGATE_AUDIT_SIGNING_KEY": testSigningKey()}
	for k, v := range env {
		out[k] = v
	}
	return out
}

func rolegateEnv(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return withSigningKey(env)[k] }, &out, &errw)
	return out.String() + errw.String(), err
}

// Two databases named rg.db in sibling folders share the default anchors
// directory: each gets its own anchor file and both verify intact.
func TestSameNamedDatabasesShareAnAnchorDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, sib := range []string{"a", "b"} {
		db := filepath.Join(dir, sib, "rg.db")
		if out, err := rolegateEnv(t, nil, "audit", "generate", "-n", "50", "-db", db); err != nil {
			t.Fatalf("generate %s: %v\n%s", sib, err, out)
		}
		if out, err := rolegateEnv(t, nil, "audit", "anchor", "-db", db); err != nil || !strings.Contains(out, "anchored seq 50,") {
			t.Fatalf("anchor %s: %v\n%s", sib, err, out)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "anchors", "rg-*.anchors"))
	if len(files) != 2 {
		t.Fatalf("anchor files %v, want one per database", files)
	}
	for _, sib := range []string{"a", "b"} {
		out, err := rolegateEnv(t, nil, "audit", "verify", "-db", filepath.Join(dir, sib, "rg.db"))
		if err != nil || !strings.Contains(out, "OK: the audit chain is intact") || !strings.Contains(out, "1 anchors of log") {
			t.Fatalf("verify %s: %v\n%s", sib, err, out)
		}
	}
}

// The dashboard refuses to append to another instance's anchor file.
func TestStartRefusesAnotherInstancesAnchorFile(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "anchors", "shared.anchors")
	_, stop := startServer(t, []string{"-db", filepath.Join(dir, "a", "rg.db"), "-audit-anchor-file", shared}, nil)
	if logs, err := stop(); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	err := run(context.Background(), []string{"-listen", "127.0.0.1:0", "-db", filepath.Join(dir, "b", "rg.db"), "-audit-anchor-file", shared},
		func(k string) string { return withSigningKey(nil)[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-audit-anchor-file") || !strings.Contains(err.Error(), "another") {
		t.Fatalf("a second database on the first one's anchor file: %v", err)
	}
}

// Outside demo mode a missing signing key stops the start and says how
// to make one; keygen makes it, read-only.
func TestSigningKeyIsRequiredAndMadeByKeygen(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "rg.db")
	err := run(context.Background(), []string{"-listen", "127.0.0.1:0", "-db", db}, func(string) string { return "" }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "rolegate audit keygen") || !strings.Contains(err.Error(), "-audit-signing-key-file") {
		t.Fatalf("start without a signing key: %v", err)
	}
	key := filepath.Join(dir, "keys", "signing.key")
	if out, err := rolegateEnv(t, nil, "audit", "keygen", "-o", key); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	for file, mode := range map[string]os.FileMode{key: 0o400, key + ".pub": 0o444} {
		if st, err := os.Stat(file); err != nil || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v %v", file, st, err)
		}
	}
	if out, err := rolegateEnv(t, nil, "audit", "keygen", "-o", key); err == nil {
		t.Fatalf("keygen overwrote a key:\n%s", out)
	}
	noEnvKey := map[string]string{"ROLEGATE_AUDIT_SIGNING_KEY": ""}
	_, stop := startServer(t, []string{"-db", db, "-audit-signing-key-file", key}, noEnvKey)
	if logs, err := stop(); err != nil || !strings.Contains(logs, "audit chain anchored") {
		t.Fatalf("%v\n%s", err, logs)
	}
	// A verifier with only the public key.
	out, err := rolegateEnv(t, noEnvKey, "audit", "verify", "-db", db, "-audit-public-key-file", key+".pub")
	if err != nil || !strings.Contains(out, "OK: the audit chain is intact") {
		t.Fatalf("verify with the public key: %v\n%s", err, out)
	}
}

// Started on a chain damaged after its newest anchor, the dashboard
// serves read-only with a banner, is not ready, records the finding and
// signs nothing.
func TestStartOnADamagedChainIsReadOnly(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "rg.db")
	_, stop := startServer(t, []string{"-db", db}, nil)
	if logs, err := stop(); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "anchors", "rg-*.anchors"))
	if len(files) != 1 {
		t.Fatalf("anchor files %v", files)
	}
	before, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// Events after the newest anchor, one of them then changed.
	sdb, err := store.Open(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var bad int64
	for range 3 {
		e, err := audit.New(sdb).Record(context.Background(), audit.Event{Actor: audit.System, Action: audit.SignIn, Outcome: audit.Success})
		if err != nil {
			t.Fatal(err)
		}
		if bad == 0 {
			bad = e.Seq
		}
	}
	sdb.Close()
	raw, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`DROP TRIGGER audit_events_no_update`, `UPDATE audit_events SET outcome = 'failure' WHERE seq = ` + itoa(bad)} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	url, stop := startServer(t, []string{"-db", db}, nil)
	res, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(ready), "damaged") || !strings.Contains(string(ready), "altered at seq "+itoa(bad)) {
		t.Fatalf("/readyz on a damaged chain: %d %s", res.StatusCode, ready)
	}
	res, err = http.Get(url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), `data-testid="read-only-banner"`) || !strings.Contains(string(page), "first bad event is seq "+itoa(bad)) {
		t.Fatalf("sign-in page on a damaged chain: %d\n%s", res.StatusCode, page)
	}
	logs, err := stop()
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	if !strings.Contains(logs, "the audit chain is damaged") {
		t.Fatalf("the damage is not in the log:\n%s", logs)
	}
	after, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("anchors were signed on a damaged chain:\n%s", after)
	}
	if n := countFailedVerifications(t, db); n != 1 {
		t.Fatalf("%d audit.verified failures recorded, want 1", n)
	}
}

func countFailedVerifications(t *testing.T, dbPath string) int {
	t.Helper()
	db, err := store.Open(context.Background(), dbPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM audit_events WHERE action = ? AND outcome = 'failure'`, string(audit.AuditVerified)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// An anchor file of an older release (version 1, HMAC, named after the
// database only) stays in use and keeps verifying with its old key.
func TestOlderDefaultAnchorFileKeepsVerifying(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "rg.db")
	if out, err := rolegateEnv(t, nil, "audit", "generate", "-n", "30", "-db", db); err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	sdb, err := store.Open(context.Background(), db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	e, err := audit.New(sdb).Get(context.Background(), 30)
	sdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("0123456789abcdef0123456789abcdef")
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "rolegate.anchor.v1\n%d\n%s\n%s\n", e.Seq, e.Hash, at.Format(audit.TimeFormat))
	legacy := filepath.Join(dir, "anchors", "rg.anchors")
	if err := os.MkdirAll(filepath.Dir(legacy), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "anchors", "anchor.key"), []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v1 := fmt.Sprintf(`{"seq":%d,"hash":%q,"time":%q,"mac":%q}`+"\n", e.Seq, e.Hash, at.Format(time.RFC3339Nano), hex.EncodeToString(m.Sum(nil)))
	if err := os.WriteFile(legacy, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := rolegateEnv(t, nil, "audit", "anchor", "-db", db); err != nil || !strings.Contains(out, legacy) {
		t.Fatalf("anchor: %v\n%s", err, out)
	}
	out, err := rolegateEnv(t, nil, "audit", "verify", "-db", db)
	if err != nil || !strings.Contains(out, "OK: the audit chain is intact") || !strings.Contains(out, "2 anchors of log") {
		t.Fatalf("verify: %v\n%s", err, out)
	}
}
