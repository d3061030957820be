package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/internal/witness/witnesstest"
)

// TestMain reports, in one visible line each, tests skipped for want of
// versitygw or litestream, and removes the binary the crash tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	removeBinary()
	witnesstest.Missing.Report()
	litestreamMissing.Report()
	os.Exit(code)
}

// The dashboard publishes every anchor to the S3 witness; when the local
// anchor file is then removed, verify names what the witness holds and
// the file lacks.
func TestWitnessKeepsTheAnchorsTheLocalFileLost(t *testing.T) {
	srv := witnesstest.Start(t)
	srv.Bucket(t, "rolegate-witness", true)
	creds, err := srv.Config.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", creds.AccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	dir := t.TempDir()
	db := filepath.Join(dir, "data", "rg.db")
	anchors := filepath.Join(dir, "anchors", "rg.anchors")
	settings := []string{"-db", db, "-audit-anchor-file", anchors, "-audit-witness-s3-bucket", "rolegate-witness",
		"-audit-witness-s3-endpoint", srv.URL, "-audit-witness-s3-region", "us-east-1"}
	_, stop := startServer(t, settings, nil)
	if logs, err := stop(); err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}

	out, err := rolegateEnv(t, nil, append([]string{"audit", "verify"}, settings...)...)
	if err != nil || !strings.Contains(out, "witness") {
		t.Fatalf("verify with an intact witness: %v\n%s", err, out)
	}
	if err := os.Remove(anchors); err != nil {
		t.Fatal(err)
	}
	out, err = rolegateEnv(t, nil, append([]string{"audit", "verify"}, settings...)...)
	if err == nil || !strings.Contains(out, "witness-extra") {
		t.Fatalf("verify after the anchor file was removed: want a witness-extra fault, got %v\n%s", err, out)
	}
	t.Logf("verify after the anchor file was removed:\n%s", out)
}
