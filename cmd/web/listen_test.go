package main

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// A busy listen port is reported at once, in one line naming the address
// and the setting, before any other start-up output, and nothing is made
// (no database).
func TestBusyListenPortReportedFirst(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"-demo", "-listen", addr, "-db", filepath.Join(dir, "data", "demo.db")},
		func(string) string { return "" }, &stdout, &stderr)
	if err == nil {
		t.Fatal("started on a busy port")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, addr) || !strings.Contains(msg, "-listen") || !strings.Contains(msg, "in use") {
		t.Errorf("the error is %q; want one line naming %s, -listen and that it is in use", msg, addr)
	}
	if stdout.Len() != 0 || stderr.Len() != 0 {
		t.Errorf("start-up output before the error:\nstdout: %s\nstderr: %s", stdout.String(), stderr.String())
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "data", "*")); len(m) != 0 {
		t.Errorf("files made before the port was checked: %v", m)
	}
}
