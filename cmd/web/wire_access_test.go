package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoModeListsDemoUsersAndShowsBanner(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "demo.db")
	url, stop := startServer(t, []string{"-demo", "-db", db, "-audit-anchor-file", filepath.Join(dir, "anchors", "a.anchors")}, nil)
	res, err := http.Get(url + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	body := string(b)
	if log, err := stop(); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	if n := strings.Count(body, `data-testid="demo-user"`); n != 5 {
		t.Errorf("%d demo users listed, want 5", n)
	}
	for _, want := range []string{"vera", "rita", "arno", "anna", "ada", "rolegate-demo", `data-testid="demo-banner"`, "Demo: simulated Redshift"} {
		if !strings.Contains(body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
}

func TestSessionKeyFileCreatedPrivateAndReused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "rolegate.db")
	args := []string{"-db", db, "-audit-anchor-file", filepath.Join(dir, "anchors", "a.anchors")}
	_, stop := startServer(t, args, nil)
	if log, err := stop(); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	keyFile := filepath.Join(dir, "data", "session.keys")
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %o, want 600", st.Mode().Perm())
	}
	first, _ := os.ReadFile(keyFile)
	_, stop = startServer(t, args, nil)
	if log, err := stop(); err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	again, _ := os.ReadFile(keyFile)
	if string(first) != string(again) {
		t.Fatal("the key file changed on restart: every restart would sign everyone out")
	}
	// A key file others can read is refused.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb syncBuffer
	err = run(t.Context(), append([]string{"-listen", "127.0.0.1:0"}, args...), func(string) string { return "" }, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key file: err %v", err)
	}
}
