package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func runUserCmd(t *testing.T, db, input string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runInput(context.Background(), append([]string{"user", "-db", db}, args...), func(string) string { return "" }, strings.NewReader(input), &out, &errb)
	return out.String() + errb.String(), err
}

func TestUserCommandsManageUsers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	if out, err := runUserCmd(t, db, "a-long-enough-passphrase\n", "add", "-role", "admin", "-name", "First Admin", "root"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if out, err := runUserCmd(t, db, "short\n", "add", "bob"); err == nil {
		t.Fatalf("add with a short password succeeded:\n%s", out)
	}
	if out, err := runUserCmd(t, db, "", "set-role", "root", "viewer"); err == nil || !strings.Contains(err.Error(), "last enabled admin") {
		t.Fatalf("demoting the last admin: err %v\n%s", err, out)
	}
	if out, err := runUserCmd(t, db, "", "disable", "root"); err == nil {
		t.Fatalf("disabling the last admin succeeded:\n%s", out)
	}
	if _, err := runUserCmd(t, db, "another-long-passphrase\n", "add", "-role", "approver", "arno"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"set-role", "arno", "requester"}, {"disable", "arno"}, {"enable", "arno"}, {"reset-mfa", "root"}, {"end-sessions", "arno"}} {
		if out, err := runUserCmd(t, db, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	if out, err := runUserCmd(t, db, "yet-another-passphrase\n", "passwd", "arno"); err != nil {
		t.Fatalf("passwd: %v\n%s", err, out)
	}
	out, err := runUserCmd(t, db, "", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"root", "First Admin", "admin", "arno", "requester", "active"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if _, err := runUserCmd(t, db, "", "frobnicate"); exitCode(err) != 2 {
		t.Fatalf("unknown command: exit %d", exitCode(err))
	}
}

func TestUserBreakGlassMarksAdminsOnly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	if out, err := runUserCmd(t, db, "a-long-enough-passphrase\n", "add", "-role", "admin", "root"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if _, err := runUserCmd(t, db, "another-long-passphrase\n", "add", "-role", "approver", "arno"); err != nil {
		t.Fatal(err)
	}
	if out, err := runUserCmd(t, db, "", "break-glass", "root", "on"); err != nil || !strings.Contains(out, "break-glass on") {
		t.Fatalf("break-glass root on: %v\n%s", err, out)
	}
	if out, err := runUserCmd(t, db, "", "break-glass", "arno", "on"); err == nil || !strings.Contains(err.Error(), "only admins") {
		t.Fatalf("break-glass for an approver: %v\n%s", err, out)
	}
	if _, err := runUserCmd(t, db, "", "break-glass", "root", "maybe"); exitCode(err) != 2 {
		t.Fatalf("break-glass maybe: exit %d", exitCode(err))
	}
	if out, err := runUserCmd(t, db, "", "break-glass", "root", "off"); err != nil {
		t.Fatalf("break-glass root off: %v\n%s", err, out)
	}
}
