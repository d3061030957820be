package config_test

import (
	"bytes"
	"flag"
	"io"
	"strings"
	"testing"

	"rolegate/internal/config"
)

func TestSubsetReadsOnlyItsSettings(t *testing.T) {
	e := env(map[string]string{"ROLEGATE_DB": "x/from-env.db", "ROLEGATE_LISTEN": "not an address", "ROLEGATE_SESSION_IDLE": "soon"})
	s := config.NewSubset(e, "db", "audit-anchor-file")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.Define(fs)
	if err := fs.Parse([]string{"-audit-anchor-file", "elsewhere/a.anchors"}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Load()
	if err != nil {
		t.Fatalf("a bad variable of a setting outside the subset broke it: %v", err)
	}
	if c.DBPath != "x/from-env.db" || c.AnchorFile != "elsewhere/a.anchors" || c.AnchorKeyFile != "elsewhere/anchor.key" || c.Listen != "127.0.0.1:8080" {
		t.Fatalf("config %+v", c)
	}
	if err := fs.Parse([]string{"-listen", "127.0.0.1:1"}); err == nil {
		t.Fatal("a setting outside the subset was accepted")
	}

	bad := config.NewSubset(env(map[string]string{"ROLEGATE_DB": "a?b"}), "db")
	if _, err := bad.Load(); err == nil || !strings.Contains(err.Error(), "-db") {
		t.Fatalf("want an error naming -db, got %v", err)
	}
	var help bytes.Buffer
	s.PrintDefaults(&help)
	if h := help.String(); !strings.Contains(h, "-db") || !strings.Contains(h, "[$ROLEGATE_DB]") || !strings.Contains(h, "[$ROLEGATE_AUDIT_ANCHOR_FILE]") || strings.Contains(h, "-listen") ||
		strings.Contains(h, "from-env") {
		t.Fatalf("help:\n%s", h)
	}
}

func TestTakesValue(t *testing.T) {
	for name, want := range map[string][2]bool{"db": {true, true}, "-demo": {false, true}, "--listen": {true, true}, "no-such": {false, false}} {
		if takes, ok := config.TakesValue(name); takes != want[0] || ok != want[1] {
			t.Errorf("TakesValue(%q) = %v, %v", name, takes, ok)
		}
	}
}
