package auth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// ProviderConfig is one OpenID Connect provider users may sign in with.
type ProviderConfig struct {
	// ID names the provider in URLs, the audit log and the users it links
	// (lower-case letters, digits and dashes).
	ID string
	// Name is shown on the sign-in button.
	Name         string
	Issuer       string
	ClientID     string
	ClientSecret string // never logged
	RedirectURL  string
	// Scopes are asked for besides openid.
	Scopes []string
	// GroupsClaim is the ID token claim that lists the user's groups.
	GroupsClaim string
	// Groups maps a role to the groups that grant it; the highest role
	// any of the user's groups grants wins.
	Groups map[Role][]string
	// RequireACR, when set, lists the acr values of which the token must
	// carry one; RequireAMR the amr values of which it must carry one.
	RequireACR []string
	RequireAMR []string
}

// RoleFor is the highest role the groups grant, false when none does.
func (p ProviderConfig) RoleFor(groups []string) (Role, bool) {
	roles := Roles()
	for i := len(roles) - 1; i >= 0; i-- {
		for _, g := range p.Groups[roles[i]] {
			if slices.Contains(groups, g) {
				return roles[i], true
			}
		}
	}
	return "", false
}

// Why a single sign-on was refused; each is an SSOError's Reason.
const (
	SSOUnavailable  = "provider unavailable"
	SSOStateInvalid = "state mismatch"
	SSOCodeRefused  = "code refused"
	SSOTokenInvalid = "invalid id token"
	SSONonceInvalid = "nonce mismatch"
	SSOWeakAuth     = "acr or amr not met"
	SSONoGroup      = "no matching group"
	SSOGone         = "identity gone"
	SSODisabled     = "disabled account"
	SSOStale        = "authentication too old"
	SSOWrongUser    = "different user"
	SSOProviderErr  = "provider error"
)

// SSOError is a refused single sign-on: Reason is one of the SSO*
// constants (safe to record), Subject the token's subject when it was read.
type SSOError struct {
	Reason  string
	Subject string
	Err     error
}

func (e *SSOError) Error() string {
	if e.Err == nil {
		return "single sign-on: " + e.Reason
	}
	return "single sign-on: " + e.Reason + ": " + e.Err.Error()
}

func (e *SSOError) Unwrap() error { return e.Err }

func ssoErr(reason, subject string, err error) error {
	return &SSOError{Reason: reason, Subject: subject, Err: err}
}

// SSO signs users in through their OpenID Connect providers. A provider
// that cannot be reached when the dashboard starts is discovered at the
// first sign-in that needs it, so that the dashboard starts (and local
// sign-in works) while a provider is down.
type SSO struct {
	providers []*ssoProvider
	client    *http.Client
	log       *slog.Logger
	now       func() time.Time
}

type ssoProvider struct {
	cfg ProviderConfig

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	oauth    *oauth2.Config
}

// NewSSO returns the single sign-on of the providers, trying to discover
// each now; client is the HTTP client of every call to a provider (nil is
// one with a 10 s timeout), now the clock of the token checks.
func NewSSO(ctx context.Context, providers []ProviderConfig, client *http.Client, log *slog.Logger, now func() time.Time) *SSO {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	if now == nil {
		now = time.Now
	}
	s := &SSO{client: client, log: log, now: now}
	for _, p := range providers {
		sp := &ssoProvider{cfg: p}
		s.providers = append(s.providers, sp)
		if _, err := s.discover(ctx, sp); err != nil {
			log.Warn("OpenID provider not reachable; discovery is retried at the next sign-in", "provider", p.ID, "issuer", p.Issuer, "err", err)
		}
	}
	return s
}

// Providers lists the configured providers, in configuration order.
func (s *SSO) Providers() []ProviderConfig {
	if s == nil {
		return nil
	}
	out := make([]ProviderConfig, 0, len(s.providers))
	for _, p := range s.providers {
		out = append(out, p.cfg)
	}
	return out
}

// Provider is the configured provider with the ID.
func (s *SSO) Provider(id string) (ProviderConfig, bool) {
	if sp := s.find(id); sp != nil {
		return sp.cfg, true
	}
	return ProviderConfig{}, false
}

func (s *SSO) find(id string) *ssoProvider {
	if s == nil {
		return nil
	}
	for _, p := range s.providers {
		if p.cfg.ID == id {
			return p
		}
	}
	return nil
}

func (s *SSO) ctx(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, s.client)
}

// discover fetches the provider's metadata once it answers; the key set
// it builds fetches the signing keys when a token names one it does not
// know, so that keys rotated by the provider are picked up.
func (s *SSO) discover(ctx context.Context, sp *ssoProvider) (*ssoProvider, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.provider != nil {
		return sp, nil
	}
	// The key set keeps the context it was made with for its own fetches:
	// that must outlive this request.
	p, err := oidc.NewProvider(s.ctx(context.WithoutCancel(ctx)), sp.cfg.Issuer)
	if err != nil {
		return nil, ssoErr(SSOUnavailable, "", err)
	}
	sp.provider = p
	sp.verifier = p.Verifier(&oidc.Config{ClientID: sp.cfg.ClientID, Now: s.now})
	sp.oauth = &oauth2.Config{
		ClientID:     sp.cfg.ClientID,
		ClientSecret: sp.cfg.ClientSecret,
		RedirectURL:  sp.cfg.RedirectURL,
		Endpoint:     p.Endpoint(),
		Scopes:       append([]string{oidc.ScopeOpenID}, sp.cfg.Scopes...),
	}
	return sp, nil
}

// SSOStart is a sign-in sent to the provider: the browser goes to URL;
// State, Nonce and Verifier are kept in the session until it comes back,
// and used once.
type SSOStart struct {
	URL                    string
	State, Nonce, Verifier string
}

// Begin starts a sign-in with the provider: the authorization code flow
// with PKCE (S256), a state and a nonce. A maxAge above zero asks the
// provider to authenticate the user again (prompt=login, max_age), for
// re-authentication before a sensitive action.
func (s *SSO) Begin(ctx context.Context, id string, maxAge time.Duration) (SSOStart, error) {
	sp := s.find(id)
	if sp == nil {
		return SSOStart{}, ssoErr(SSOProviderErr, "", fmt.Errorf("unknown provider %q", id))
	}
	if _, err := s.discover(ctx, sp); err != nil {
		return SSOStart{}, err
	}
	st := SSOStart{State: rand.Text(), Nonce: rand.Text(), Verifier: oauth2.GenerateVerifier()}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier), oidc.Nonce(st.Nonce)}
	if maxAge > 0 {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "login"),
			oauth2.SetAuthURLParam("max_age", strconv.Itoa(int(maxAge/time.Second))))
	}
	st.URL = sp.oauth.AuthCodeURL(st.State, opts...)
	return st, nil
}

// Identity is who the provider says signed in.
type Identity struct {
	Provider string
	Subject  string
	// PreferredUsername, Email and Name help to name a new user.
	PreferredUsername, Email, Name string
	Groups                         []string
	AuthTime                       time.Time
}

type idClaims struct {
	Nonce             string   `json:"nonce"`
	PreferredUsername string   `json:"preferred_username"`
	Email             string   `json:"email"`
	Name              string   `json:"name"`
	AuthTime          int64    `json:"auth_time"`
	ACR               string   `json:"acr"`
	AMR               []string `json:"amr"`
}

// Finish completes a sign-in that came back with code: it exchanges the
// code (with the PKCE verifier), verifies the ID token (signature by the
// provider's keys, issuer, audience, expiry), checks the nonce and the
// required acr/amr, and asks the userinfo endpoint whether the user still
// exists. Every refusal is an *SSOError.
func (s *SSO) Finish(ctx context.Context, id, code, verifier, nonce string) (*Identity, error) {
	sp := s.find(id)
	if sp == nil {
		return nil, ssoErr(SSOProviderErr, "", fmt.Errorf("unknown provider %q", id))
	}
	if _, err := s.discover(ctx, sp); err != nil {
		return nil, err
	}
	cctx := s.ctx(ctx)
	tok, err := sp.oauth.Exchange(cctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return nil, ssoErr(SSOCodeRefused, "", err)
		}
		return nil, ssoErr(SSOUnavailable, "", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, ssoErr(SSOTokenInvalid, "", errors.New("no id_token in the token response"))
	}
	idt, err := sp.verifier.Verify(cctx, raw)
	if err != nil {
		return nil, ssoErr(SSOTokenInvalid, "", err)
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return nil, ssoErr(SSOTokenInvalid, idt.Subject, err)
	}
	if nonce == "" || cl.Nonce != nonce {
		return nil, ssoErr(SSONonceInvalid, idt.Subject, nil)
	}
	if err := sp.cfg.checkStrength(cl.ACR, cl.AMR); err != nil {
		return nil, ssoErr(SSOWeakAuth, idt.Subject, err)
	}
	var all map[string]json.RawMessage
	if err := idt.Claims(&all); err != nil {
		return nil, ssoErr(SSOTokenInvalid, idt.Subject, err)
	}
	groups, err := claimStrings(all[sp.cfg.GroupsClaim])
	if err != nil {
		return nil, ssoErr(SSOTokenInvalid, idt.Subject, fmt.Errorf("claim %q: %w", sp.cfg.GroupsClaim, err))
	}
	if err := s.stillExists(cctx, sp, tok, idt.Subject); err != nil {
		return nil, err
	}
	ident := &Identity{Provider: sp.cfg.ID, Subject: idt.Subject, PreferredUsername: cl.PreferredUsername,
		Email: cl.Email, Name: cl.Name, Groups: groups}
	if cl.AuthTime > 0 {
		ident.AuthTime = time.Unix(cl.AuthTime, 0)
	}
	return ident, nil
}

// checkStrength applies RequireACR and RequireAMR.
func (p ProviderConfig) checkStrength(acr string, amr []string) error {
	if len(p.RequireACR) > 0 && !slices.Contains(p.RequireACR, acr) {
		return fmt.Errorf("acr %q is not one of %v", acr, p.RequireACR)
	}
	if len(p.RequireAMR) > 0 && !slices.ContainsFunc(amr, func(m string) bool { return slices.Contains(p.RequireAMR, m) }) {
		return fmt.Errorf("amr %v has none of %v", amr, p.RequireAMR)
	}
	return nil
}

// claimStrings reads a claim that is a list of strings or one string;
// a missing claim is no groups.
func claimStrings(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, errors.New("not a string or a list of strings")
	}
	return []string{one}, nil
}

// stillExists asks the userinfo endpoint about the token's user: a 4xx
// answer (the provider no longer knows them, or refuses their token) is
// SSOGone, which disables the linked user; an unreachable provider is
// SSOUnavailable, an answer about someone else SSOTokenInvalid. A
// provider without a userinfo endpoint is believed.
func (s *SSO) stillExists(ctx context.Context, sp *ssoProvider, tok *oauth2.Token, subject string) error {
	endpoint := sp.provider.UserInfoEndpoint()
	if endpoint == "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return ssoErr(SSOProviderErr, subject, err)
	}
	tok.SetAuthHeader(req)
	res, err := s.client.Do(req)
	if err != nil {
		return ssoErr(SSOUnavailable, subject, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	switch {
	case res.StatusCode >= 500:
		return ssoErr(SSOUnavailable, subject, fmt.Errorf("userinfo: status %d", res.StatusCode))
	case res.StatusCode >= 400:
		return ssoErr(SSOGone, subject, fmt.Errorf("userinfo: status %d", res.StatusCode))
	case res.StatusCode != http.StatusOK:
		return ssoErr(SSOProviderErr, subject, fmt.Errorf("userinfo: status %d", res.StatusCode))
	}
	var info struct {
		Subject string `json:"sub"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		return ssoErr(SSOProviderErr, subject, fmt.Errorf("userinfo: %w", err))
	}
	if info.Subject != subject {
		return ssoErr(SSOTokenInvalid, subject, fmt.Errorf("userinfo names subject %q", info.Subject))
	}
	return nil
}
