package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Single sign-on: the OpenID Connect providers, read from the JSON file
// that -oidc-config names, and whether local passwords still sign in.

// OIDCProvider is one provider of the -oidc-config file, its client
// secret read from the environment variable or the file it names.
type OIDCProvider struct {
	ID               string              `json:"id"`
	Name             string              `json:"name"`
	Issuer           string              `json:"issuer"`
	ClientID         string              `json:"client_id"`
	ClientSecretEnv  string              `json:"client_secret_env"`
	ClientSecretFile string              `json:"client_secret_file"`
	RedirectURL      string              `json:"redirect_url"`
	Scopes           []string            `json:"scopes"`
	GroupsClaim      string              `json:"groups_claim"`
	Roles            map[string][]string `json:"roles"`
	RequireACR       []string            `json:"require_acr"`
	RequireAMR       []string            `json:"require_amr"`

	// ClientSecret is the secret read; never logged.
	ClientSecret string `json:"-"`
}

type oidcFile struct {
	Providers []OIDCProvider `json:"providers"`
}

// Local sign-in modes.
const (
	LocalSignInAll        = "all"
	LocalSignInBreakGlass = "break-glass"
)

func oidcFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.OIDCConfig, "oidc-config", "", "JSON file of the OpenID Connect providers users sign in with (see README, Single sign-on); empty: password sign-in only")
	fs.StringVar(&c.LocalSignIn, "local-sign-in", LocalSignInAll, "who may sign in with a password: all, or break-glass (only admins marked break-glass; everyone else signs in through a provider)")
}

var providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// loadOIDC reads the -oidc-config file and each provider's secret.
func (c *Config) loadOIDC(getenv func(string) string) error {
	if c.OIDCConfig == "" {
		return nil
	}
	data, err := os.ReadFile(c.OIDCConfig)
	if err != nil {
		return fmt.Errorf("-oidc-config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f oidcFile
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("-oidc-config: %s: %w", c.OIDCConfig, err)
	}
	for i := range f.Providers {
		p := &f.Providers[i]
		switch {
		case p.ClientSecretEnv != "" && p.ClientSecretFile != "":
			return fmt.Errorf("-oidc-config: provider %q: client_secret_env and client_secret_file exclude each other", p.ID)
		case p.ClientSecretEnv != "":
			p.ClientSecret = getenv(p.ClientSecretEnv)
			if p.ClientSecret == "" {
				return fmt.Errorf("-oidc-config: provider %q: environment variable %s is empty", p.ID, p.ClientSecretEnv)
			}
		case p.ClientSecretFile != "":
			b, err := os.ReadFile(p.ClientSecretFile)
			if err != nil {
				return fmt.Errorf("-oidc-config: provider %q: client_secret_file: %w", p.ID, err)
			}
			p.ClientSecret = strings.TrimSpace(string(b))
		}
		if p.RedirectURL == "" && c.ExternalURL != "" {
			p.RedirectURL = strings.TrimSuffix(c.ExternalURL, "/") + "/login/sso/" + p.ID + "/callback"
		}
		if p.GroupsClaim == "" {
			p.GroupsClaim = "groups"
		}
		if p.Name == "" {
			p.Name = p.ID
		}
	}
	c.OIDC = f.Providers
	return nil
}

var oidcRoles = map[string]bool{"viewer": true, "requester": true, "approver": true, "admin": true}

func (c *Config) validateOIDC() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("-oidc-config: "+format, a...))
	}
	if c.LocalSignIn != LocalSignInAll && c.LocalSignIn != LocalSignInBreakGlass {
		errs = append(errs, fmt.Errorf("-local-sign-in: %q is not all or break-glass", c.LocalSignIn))
	}
	if c.LocalSignIn == LocalSignInBreakGlass && len(c.OIDC) == 0 {
		errs = append(errs, errors.New("-local-sign-in: break-glass needs at least one provider in -oidc-config"))
	}
	seen := map[string]bool{}
	for _, p := range c.OIDC {
		if !providerIDPattern.MatchString(p.ID) {
			bad("provider id %q must be 1 to 32 lower-case letters, digits or dashes", p.ID)
		}
		if seen[p.ID] {
			bad("provider %q is listed twice", p.ID)
		}
		seen[p.ID] = true
		if u, err := url.Parse(p.Issuer); err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
			bad("provider %q: issuer %q must be an https URL (http only on loopback)", p.ID, p.Issuer)
		}
		if p.ClientID == "" {
			bad("provider %q: client_id is required", p.ID)
		}
		if u, err := url.Parse(p.RedirectURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			bad("provider %q: redirect_url %q is not an http(s) URL (set it, or -external-url)", p.ID, p.RedirectURL)
		}
		if len(p.Roles) == 0 {
			bad("provider %q: roles must map at least one role to groups", p.ID)
		}
		for r := range p.Roles {
			if !oidcRoles[r] {
				bad("provider %q: roles: %q is not viewer, requester, approver or admin", p.ID, r)
			}
		}
	}
	return errors.Join(errs...)
}
