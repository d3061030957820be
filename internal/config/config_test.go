package config_test

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"rolegate/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := config.Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:8080" || c.DBPath != "data/rolegate.db" || len(c.Regions) != 1 || c.Regions[0] != "us-east-1" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.SessionIdle != 30*time.Minute || c.SessionMax != 12*time.Hour || c.InventoryTTL != 30*time.Second || c.RequestTTL != 7*24*time.Hour {
		t.Fatalf("durations: %+v", c)
	}
	if c.SessionKeyFile != "data/session.keys" || c.AnchorFileFor("c0ffee") != "anchors/rolegate-c0ffee.anchors" || c.AnchorKeyFile != "anchors/anchor.key" {
		t.Fatalf("derived paths: %s %s %s", c.SessionKeyFile, c.AnchorFileFor("c0ffee"), c.AnchorKeyFile)
	}
	if c.HTTPS() {
		t.Fatal("HTTPS by default")
	}
	d, err := config.Load([]string{"-demo"}, env(nil), io.Discard)
	if err != nil || d.DBPath != "data/demo.db" {
		t.Fatalf("demo db path %q, %v", d.DBPath, err)
	}
}

func TestEnvironmentFallbackAndFlagWins(t *testing.T) {
	e := env(map[string]string{"ROLEGATE_REGIONS": "eu-west-1, us-west-2", "ROLEGATE_LISTEN": "127.0.0.1:9000", "ROLEGATE_TRUSTED_PROXIES": "10.0.0.0/8,192.168.1.1"})
	c, err := config.Load([]string{"-listen", "127.0.0.1:9100"}, e, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:9100" {
		t.Fatalf("flag did not win: %s", c.Listen)
	}
	if strings.Join(c.Regions, ",") != "eu-west-1,us-west-2" {
		t.Fatalf("regions %v", c.Regions)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.168.1.1/32" {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
}

func TestValidationNamesTheSetting(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-listen", "nope"}, nil, "-listen"},
		{[]string{"-listen", "0.0.0.0:8080"}, nil, "-listen"},
		{[]string{"-regions", "mars-1"}, nil, "-regions"},
		{[]string{"-regions", "eu-west-1,eu-west-1"}, nil, "-regions"},
		{[]string{"-regions", ""}, nil, "-regions"},
		{[]string{"-log-level", "loud"}, nil, "-log-level"},
		{[]string{"-log-format", "xml"}, nil, "-log-format"},
		{[]string{"-trusted-proxies", "somewhere"}, nil, "-trusted-proxies"},
		{[]string{"-session-idle", "10s"}, nil, "-session-idle"},
		{[]string{"-session-max", "10m"}, nil, "-session-max"},
		{[]string{"-tls-cert", "x.pem"}, nil, "-tls-cert"},
		{[]string{"-external-url", "ftp://x"}, nil, "-external-url"},
		{[]string{"-db", "a?b"}, nil, "-db"},
		{[]string{"-demo-reset"}, nil, "-demo-reset"},
		{[]string{"-production-tag", "production"}, nil, "-production-tag"},
		{[]string{"-high-risk-tags", "data=pii,tier"}, nil, "-high-risk-tags"},
		{[]string{"-apply-max-attempts", "0"}, nil, "-apply-max-attempts"},
		{[]string{"-audit-anchor-file", "data/x.anchors"}, nil, "-audit-anchor-file"},
		{nil, map[string]string{"ROLEGATE_INVENTORY_TTL": "often"}, "ROLEGATE_INVENTORY_TTL"},
		{[]string{"-no-such-flag"}, nil, "no-such-flag"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " ")+tc.want, func(t *testing.T) {
			_, err := config.Load(tc.args, env(tc.env), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error naming %s, got %v", tc.want, err)
			}
		})
	}
}

func TestPlainHTTPOffLoopbackNeedsExplicitSetting(t *testing.T) {
	for _, args := range [][]string{
		{"-listen", "0.0.0.0:8080", "-insecure-http"},
		{"-listen", "0.0.0.0:8080", "-external-url", "https://rolegate.example.com"},
		{"-listen", "[::1]:8080"},
		{"-listen", "localhost:8080"},
	} {
		if _, err := config.Load(args, env(nil), io.Discard); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestSettingsTableCoversEveryFlag(t *testing.T) {
	s := config.Settings()
	if len(s) < 20 {
		t.Fatalf("only %d settings", len(s))
	}
	for _, x := range s {
		if !strings.HasPrefix(x.Env, "ROLEGATE_") || x.Usage == "" {
			t.Errorf("setting %+v", x)
		}
	}
}

// The README's settings table is generated from the flags; this keeps it true.
func TestReadmeSettingsTableIsCurrent(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- settings:start -->\n", "<!-- settings:end -->"
	s := string(b)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatal("README.md lacks the settings markers")
	}
	if got, want := s[i+len(start):j], config.MarkdownTable(); got != want {
		if os.Getenv("ROLEGATE_UPDATE_README") == "1" {
			if err := os.WriteFile("../../README.md", []byte(s[:i+len(start)]+want+s[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Fatalf("README settings table is stale; run ROLEGATE_UPDATE_README=1 go test ./internal/config, or replace it with:\n%s", want)
	}
}
