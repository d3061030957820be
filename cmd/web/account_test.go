package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/internal/config"
)

func TestAccountCommandsManageAccountsWithSettingsBeforeOrAfterTheVerb(t *testing.T) {
	dir := t.TempDir()
	unused, db := filepath.Join(dir, "unused", "r.db"), filepath.Join(dir, "r.db")
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"account", "list", "-db", db}, "no account added"},
		{[]string{"account", "-db", db, "add", "-name", "main", "123456789012"}, "account 123456789012 (main): added"},
		{[]string{"account", "add", "-db", db, "-name", "analytics", "-role-arn", "arn:aws:iam::111122223333:role/RolegateAccess",
			"-account-regions", "us-east-1,eu-west-1", "111122223333"}, "account 111122223333 (analytics): added"},
		{[]string{"account", "add", "-name", "payments", "-role-arn", "arn:aws:iam::444455556666:role/RolegateAccess",
			"-external-id", "rolegate-demo", "-account-production-tag", "tier=prod", "-db=" + db, "444455556666"}, "added"},
		{[]string{"account", "set", "-db", db, "-name", "analytics (BI)", "111122223333"}, "settings saved"},
		{[]string{"account", "-db", db, "disable", "444455556666"}, "disabled"},
	}
	for _, s := range steps {
		out, err := rolegateCmd(t, unused, "", s.args...)
		if err != nil || !strings.Contains(out, s.want) {
			t.Fatalf("rolegate %s: %v\n%s", strings.Join(s.args, " "), err, out)
		}
	}
	out, err := rolegateCmd(t, unused, "", "account", "list", "-db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("list:\n%s", out)
	}
	for _, want := range []string{"analytics (BI)", "us-east-1,eu-west-1", "(Rolegate's own)", "tier=prod", "disabled"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "rolegate-demo") {
		t.Errorf("list shows the external ID:\n%s", out)
	}
	// Only the region list given to set changes: the name stays.
	if _, err := rolegateCmd(t, unused, "", "account", "set", "-db", db, "-account-regions", "ap-southeast-2", "111122223333"); err != nil {
		t.Fatal(err)
	}
	out, _ = rolegateCmd(t, unused, "", "account", "list", "-db", db)
	if !strings.Contains(out, "analytics (BI)") || !strings.Contains(out, "ap-southeast-2") {
		t.Errorf("after set -account-regions:\n%s", out)
	}
	// Every change is in the audit log, by the shell user.
	out, err = rolegateCmd(t, unused, "", "audit", "export", "-db", db, "-format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for action, n := range map[string]int{"account.added": 3, "account.changed": 2, "account.disabled": 1} {
		if got := strings.Count(out, `"action":"`+action+`"`); got != n {
			t.Errorf("%d %s events, want %d", got, action, n)
		}
	}
	if !strings.Contains(out, `"username":"shell:ops"`) {
		t.Errorf("events not by the shell user:\n%s", out)
	}
	// The export filters by account: analytics was added and set twice.
	out, err = rolegateCmd(t, unused, "", "audit", "export", "-db", db, "-format", "jsonl", "-account", "111122223333")
	if n := strings.Count(out, `"account":"111122223333"}`); err != nil || n != 3 || strings.Count(out, "\n") != 3 {
		t.Errorf("export -account: %d events of the account, %v\n%s", n, err, out)
	}
}

func TestAccountCommandsRefuseBadInputWithTheFlagAtFault(t *testing.T) {
	dir := t.TempDir()
	unused, db := filepath.Join(dir, "unused", "r.db"), filepath.Join(dir, "r.db")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"account", "add", "-db", db, "-name", "x", "-role-arn", "arn:aws:iam::999999999999:role/R", "111122223333"}, 1, "-role-arn: the role must be in the account itself"},
		{[]string{"account", "add", "-db", db, "-name", "x", "-account-regions", "mars", "111122223333"}, 1, "-account-regions:"},
		{[]string{"account", "add", "-db", db, "-name", "x", "12345"}, 1, "ACCOUNT_ID: an AWS account ID is 12 digits"},
		{[]string{"account", "add", "-db", db, "-name", "x"}, 2, "usage: rolegate account add"},
		{[]string{"account", "set", "-db", db, "-name", "x", "111122223333"}, 1, "not found"},
		{[]string{"account", "frobnicate"}, 2, "usage: rolegate account"},
		{[]string{"account", "list", "-regions", "eu-west-1"}, 2, "not defined"},
	} {
		out, err := rolegateCmd(t, unused, "", tc.args...)
		if exitCode(err) != tc.code || !strings.Contains(out+err.Error(), tc.want) {
			t.Errorf("rolegate %s: exit %d, %v\n%s", strings.Join(tc.args, " "), exitCode(err), err, out)
		}
	}
}

func TestAccountHelpListsItsFlagsAndOnlyTheDatabaseSetting(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"account", "-h"}, []string{"add", "set", "disable", "enable", "list", "-db"}},
		{[]string{"account", "add", "-h"}, []string{"-name", "-role-arn", "-external-id", "-account-regions", "-account-production-tag", "-db", "ROLEGATE_DB"}},
		{[]string{"account", "disable", "-h"}, []string{"ACCOUNT_ID", "-db"}},
	} {
		out, err := rolegateCmd(t, filepath.Join(t.TempDir(), "r.db"), "", tc.args...)
		if !errors.Is(err, config.ErrHelp) {
			t.Fatalf("%v: %v\n%s", tc.args, err, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: help lacks %q:\n%s", tc.args, w, out)
			}
		}
		for _, avoid := range []string{"\n  -listen", "\n  -regions", "\n  -production-tag", "\n  -audit-anchor-file"} {
			if strings.Contains(out, avoid) {
				t.Errorf("%v: help lists %q:\n%s", tc.args, avoid, out)
			}
		}
	}
}
