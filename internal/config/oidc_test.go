package config_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/internal/config"
)

func writeOIDC(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "oidc.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const okta = `{"providers":[{"id":"okta","name":"Okta","issuer":"https://example.okta.com","client_id":"c1",
	"client_secret_env":"OKTA_SECRET","roles":{"admin":["rolegate-admins"]}}]}`

func TestOIDCConfigReadsSecretsFromTheEnvironment(t *testing.T) {
	p := writeOIDC(t, okta)
	env := map[string]string{"OKTA_SECRET": "s3cret-value"}
	cfg, err := config.Load([]string{"-oidc-config", p, "-external-url", "https://rolegate.example.com", "-local-sign-in", "break-glass"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.OIDC) != 1 {
		t.Fatalf("providers %+v", cfg.OIDC)
	}
	got := cfg.OIDC[0]
	if got.ClientSecret != "s3cret-value" || got.RedirectURL != "https://rolegate.example.com/login/sso/okta/callback" || got.GroupsClaim != "groups" {
		t.Errorf("provider %+v", got)
	}
}

func TestOIDCConfigRefusals(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"secret missing", okta, "OKTA_SECRET is empty"},
		{"unknown field", `{"providers":[{"id":"x","client_secret":"inline"}]}`, "unknown field"},
		{"plain http issuer", strings.Replace(strings.Replace(okta, "https://example.okta.com", "http://idp.example.com", 1), `"client_secret_env":"OKTA_SECRET",`, "", 1), "must be an https URL"},
		{"bad role", strings.Replace(strings.Replace(okta, `"admin"`, `"root"`, 1), `"client_secret_env":"OKTA_SECRET",`, "", 1), `"root" is not viewer`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load([]string{"-oidc-config", writeOIDC(t, tc.body), "-external-url", "https://rolegate.example.com"},
				func(string) string { return "" }, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
	if _, err := config.Load([]string{"-local-sign-in", "break-glass"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("break-glass without a provider was accepted")
	}
}
