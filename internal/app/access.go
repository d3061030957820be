package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/config"
	"rolegate/internal/store"
	"rolegate/views/pages"
)

// demoPassword is the shared password of the demo users (demo mode only).
const demoPassword = "rolegate-demo"

// demoUsers are made in demo mode: one per role and a second approver.
func demoUsers() []pages.DemoUser {
	return []pages.DemoUser{
		{Username: "vera", DisplayName: "Vera Viewer", Role: "viewer", Password: demoPassword},
		{Username: "rita", DisplayName: "Rita Requester", Role: "requester", Password: demoPassword},
		{Username: "arno", DisplayName: "Arno Approver", Role: "approver", Password: demoPassword},
		{Username: "anna", DisplayName: "Anna Approver", Role: "approver", Password: demoPassword},
		{Username: "ada", DisplayName: "Ada Admin", Role: "admin", Password: demoPassword},
	}
}

// sessionStore builds the session store from the settings' key pairs: the
// environment's, or the key file's (created on first start).
func sessionStore(cfg config.Config, db *store.DB, now func() time.Time) (*auth.SessionStore, error) {
	var pairs [][]byte
	var err error
	if cfg.SessionKeys != "" {
		pairs, err = auth.ParseKeyPairs(cfg.SessionKeys)
		if err != nil {
			return nil, fmt.Errorf("-session-keys: %w", err)
		}
	} else if pairs, err = auth.LoadOrCreateKeyFile(cfg.SessionKeyFile); err != nil {
		return nil, fmt.Errorf("-session-key-file: %w", err)
	}
	return auth.NewSessionStore(db, auth.SessionConfig{
		KeyPairs: pairs, Idle: cfg.SessionIdle, Max: cfg.SessionMax, Secure: cfg.HTTPS(), Now: now,
	})
}

// createDemoUsers creates the demo accounts that do not exist yet and
// prints the sign-ins.
func createDemoUsers(ctx context.Context, users *auth.Users, dir *auth.Directory, stdout io.Writer) ([]pages.DemoUser, error) {
	list := demoUsers()
	for _, du := range list {
		if _, err := users.ByUsername(ctx, du.Username); err == nil {
			continue
		} else if !errors.Is(err, auth.ErrNotFound) {
			return nil, err
		}
		_, err := dir.Create(ctx, audit.System, audit.Origin{}, auth.NewUser{
			Username: du.Username, DisplayName: du.DisplayName, Role: auth.Role(du.Role), Password: demoPassword, Demo: true,
		})
		if err != nil {
			return nil, fmt.Errorf("demo user %s: %w", du.Username, err)
		}
	}
	fmt.Fprintln(stdout, "Demo sign-ins (password "+demoPassword+"):")
	for _, du := range list {
		fmt.Fprintf(stdout, "  %-5s %-9s %s\n", du.Username, du.Role, du.DisplayName)
	}
	return list, nil
}

// sweepSessions deletes expired sessions now and every few minutes until
// ctx ends.
func (a *App) sweepSessions(ctx context.Context) error {
	t := time.NewTicker(a.pace.SessionSweep)
	defer t.Stop()
	for {
		if n, err := a.Sessions.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("sweeping sessions failed", "err", err)
		} else if n > 0 {
			a.log.Info("expired sessions swept", "count", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ssoProviders are the settings' OpenID Connect providers as the sign-in
// uses them.
func ssoProviders(cfg config.Config) []auth.ProviderConfig {
	var out []auth.ProviderConfig
	for _, p := range cfg.OIDC {
		groups := map[auth.Role][]string{}
		for r, g := range p.Roles {
			groups[auth.Role(r)] = g
		}
		out = append(out, auth.ProviderConfig{
			ID: p.ID, Name: p.Name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			RedirectURL: p.RedirectURL, Scopes: p.Scopes, GroupsClaim: p.GroupsClaim, Groups: groups,
			RequireACR: p.RequireACR, RequireAMR: p.RequireAMR,
		})
	}
	return out
}
