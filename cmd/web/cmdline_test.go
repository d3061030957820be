package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/internal/config"
)

// rolegateCmd runs the whole program with args, the password (if any) on
// standard input and ROLEGATE_DB pointing at a database that the test
// expects to stay untouched, so that a setting lost in parsing shows.
func rolegateCmd(t *testing.T, unused, input string, args ...string) (string, error) {
	t.Helper()
	env := func(k string) string {
		switch k {
		case "ROLEGATE_DB":
			return unused
		case "USER":
			return "ops"
		case "ROLEGATE_AUDIT_SIGNING_KEY":
			return testSigningKey()
		}
		return ""
	}
	var out bytes.Buffer
	err := runInput(context.Background(), args, env, strings.NewReader(input), &out, &out)
	return out.String(), err
}

func TestSettingsGoBeforeOrAfterTheVerb(t *testing.T) {
	dir := t.TempDir()
	unused := filepath.Join(dir, "unused", "r.db")
	before, after := filepath.Join(dir, "before", "before.db"), filepath.Join(dir, "after", "after.db")
	steps := []struct {
		input string
		args  []string
		want  string
	}{
		{"a-long-enough-passphrase\n", []string{"user", "-db", before, "add", "-role", "admin", "ada"}, "user ada created"},
		{"a-long-enough-passphrase\n", []string{"user", "add", "-db", after, "-role", "admin", "bob"}, "user bob created"},
		{"a-long-enough-passphrase\n", []string{"user", "add", "-role", "approver", "-db=" + after, "cyd"}, "user cyd created"},
		{"", []string{"user", "set-role", "-db", after, "cyd", "requester"}, "role set to requester"},
		{"", []string{"user", "list", "-db", before}, "ada"},
		{"", []string{"user", "-db", after, "list"}, "cyd"},
		{"", []string{"audit", "-db", before, "generate", "-n", "20"}, "appended 20 events"},
		{"", []string{"audit", "generate", "-n", "20", "-db", after}, "appended 20 events"},
		{"", []string{"audit", "-db", before, "anchor"}, "anchored seq 21"},
		{"", []string{"audit", "anchor", "-db", after}, "anchored seq 23"},
		{"", []string{"audit", "-db", before, "verify", "-json"}, `"ok": true`},
		{"", []string{"audit", "verify", "-json", "-db", after}, `"ok": true`},
		{"", []string{"audit", "-db", before, "export", "-format", "jsonl", "-action", "user.created"}, `"username":"ada"`},
		{"", []string{"audit", "export", "-db", after, "-format", "jsonl", "-action", "user.created"}, `"username":"cyd"`},
	}
	for _, s := range steps {
		out, err := rolegateCmd(t, unused, s.input, s.args...)
		if err != nil || !strings.Contains(out, s.want) {
			t.Fatalf("rolegate %s: %v\n%s", strings.Join(s.args, " "), err, out)
		}
	}
	if _, err := os.Stat(filepath.Dir(unused)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a command ignored its -db and used ROLEGATE_DB (%v)", err)
	}
	// The same setting twice: the one after the verb wins.
	out, err := rolegateCmd(t, unused, "", "user", "-db", before, "list", "-db", after)
	if err != nil || !strings.Contains(out, "bob") || strings.Contains(out, "ada") {
		t.Fatalf("user -db A list -db B: %v\n%s", err, out)
	}
}

func TestSubcommandRefusesSettingsItDoesNotRead(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"user", "-listen", "127.0.0.1:9000", "list"},
		{"user", "list", "-regions", "eu-west-1"},
		{"audit", "export", "-audit-anchor-file", filepath.Join(dir, "a")},
		{"audit", "-session-idle", "1h", "verify"},
		{"audit", "-json", "verify"}, // verify's own flag, but before the verb
	} {
		out, err := rolegateCmd(t, filepath.Join(dir, "unused", "r.db"), "", args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "not defined") {
			t.Errorf("rolegate %s: exit %d, %v\n%s", strings.Join(args, " "), exitCode(err), err, out)
		}
	}
}

func TestSubcommandHelpShowsOnlyItsSettings(t *testing.T) {
	// Flags as flag.PrintDefaults lists them: indented, at the start of a line.
	dashboardOnly := []string{"\n  -listen", "\n  -regions", "\n  -session-idle", "\n  -demo", "\n  -tls-cert", "\n  -worker-every"}
	cases := []struct {
		args        []string
		want, avoid []string
	}{
		{[]string{"audit", "export", "-h"}, []string{"-format", "-o", "-role-arn", "-db", "ROLEGATE_DB"},
			[]string{"-audit-anchor-file", "\n  -json", "\n  -n "}},
		{[]string{"audit", "-db", "x.db", "export", "-help"}, []string{"-format", "-db"}, nil},
		{[]string{"audit", "verify", "-h"}, []string{"-json", "-db", "-audit-anchor-file", "ROLEGATE_AUDIT_ANCHOR_FILE", "-audit-anchor-key-file"},
			[]string{"\n  -format"}},
		{[]string{"audit", "anchor", "--help"}, []string{"-db", "-audit-anchor-file"}, []string{"\n  -json"}},
		{[]string{"audit", "generate", "-h"}, []string{"-n", "-seed", "-db"}, []string{"-audit-anchor-file"}},
		{[]string{"audit", "-h"}, []string{"verify", "export", "anchor", "generate"}, nil},
		{[]string{"user", "-h"}, []string{"add", "set-role", "-db", "ROLEGATE_DB"}, []string{"-audit-anchor-file"}},
		{[]string{"user", "help"}, []string{"add", "set-role", "-db"}, nil},
		{[]string{"audit", "help"}, []string{"verify", "export"}, nil},
		{[]string{"user", "add", "-h"}, []string{"-role", "-name", "-db"}, []string{"-audit-anchor-file"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			out, err := rolegateCmd(t, filepath.Join(t.TempDir(), "r.db"), "", tc.args...)
			if !errors.Is(err, config.ErrHelp) || exitCode(err) != 0 {
				t.Fatalf("exit %d, %v\n%s", exitCode(err), err, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			for _, a := range append(tc.avoid, dashboardOnly...) {
				if strings.Contains(out, a) {
					t.Errorf("help lists %q, which this command does not read:\n%s", a, out)
				}
			}
		})
	}
	// The dashboard's own help still lists every setting.
	out, err := rolegateCmd(t, filepath.Join(t.TempDir(), "r.db"), "", "-h")
	if !errors.Is(err, config.ErrHelp) {
		t.Fatalf("rolegate -h: %v", err)
	}
	for _, s := range config.Settings() {
		if !strings.Contains(out, s.Flag) {
			t.Errorf("rolegate -h lacks %s", s.Flag)
		}
	}
}
