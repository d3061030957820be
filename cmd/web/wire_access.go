package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"rolegate/audit"
	"rolegate/handlers"
	"rolegate/internal/auth"
	"rolegate/views/pages"
)

// demoPassword is the shared password of the demo users (demo mode only).
const demoPassword = "rolegate-demo"

// demoUsers are made in demo mode: one per role and a second approver.
var demoUsers = []pages.DemoUser{
	{Username: "vera", DisplayName: "Vera Viewer", Role: "viewer"},
	{Username: "rita", DisplayName: "Rita Requester", Role: "requester"},
	{Username: "arno", DisplayName: "Arno Approver", Role: "approver"},
	{Username: "anna", DisplayName: "Anna Approver", Role: "approver"},
	{Username: "ada", DisplayName: "Ada Admin", Role: "admin"},
}

func (w *wiring) access(ctx context.Context, o *handlers.Options) error {
	var pairs [][]byte
	var err error
	if w.cfg.SessionKeys != "" {
		pairs, err = auth.ParseKeyPairs(w.cfg.SessionKeys)
		if err != nil {
			return fmt.Errorf("-session-keys: %w", err)
		}
	} else if pairs, err = auth.LoadOrCreateKeyFile(w.cfg.SessionKeyFile); err != nil {
		return fmt.Errorf("-session-key-file: %w", err)
	}
	st, err := auth.NewSessionStore(w.db, auth.SessionConfig{
		KeyPairs: pairs, Idle: w.cfg.SessionIdle, Max: w.cfg.SessionMax, Secure: w.cfg.HTTPS(),
	})
	if err != nil {
		return err
	}
	users := auth.NewUsers(w.db)
	dir := auth.NewDirectory(users, w.audit)
	o.Users = users
	o.Directory = dir
	o.Sessions = st
	o.ReauthAfter = w.cfg.ReauthAfter
	o.AdminMFA = !w.cfg.Demo
	if w.cfg.Demo {
		if err := w.demoUsers(ctx, users, dir); err != nil {
			return err
		}
		o.DemoUsers = demoUsers
	}
	// Sweep expired sessions now and every few minutes.
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Minute)
		defer t.Stop()
		for {
			if n, err := st.Sweep(sctx); err != nil && sctx.Err() == nil {
				w.log.Warn("sweeping sessions failed", "err", err)
			} else if n > 0 {
				w.log.Info("expired sessions swept", "count", n)
			}
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	w.onClose(func() { cancel(); <-done })
	return nil
}

// demoUsers creates the demo accounts that do not exist yet and prints the
// sign-ins.
func (w *wiring) demoUsers(ctx context.Context, users *auth.Users, dir *auth.Directory) error {
	for i := range demoUsers {
		demoUsers[i].Password = demoPassword
		du := demoUsers[i]
		if _, err := users.ByUsername(ctx, du.Username); err == nil {
			continue
		} else if !errors.Is(err, auth.ErrNotFound) {
			return err
		}
		_, err := dir.Create(ctx, audit.System, audit.Origin{}, auth.NewUser{
			Username: du.Username, DisplayName: du.DisplayName, Role: auth.Role(du.Role), Password: demoPassword, Demo: true,
		})
		if err != nil {
			return fmt.Errorf("demo user %s: %w", du.Username, err)
		}
	}
	fmt.Fprintln(w.stdout, "Demo sign-ins (password "+demoPassword+"):")
	for _, du := range demoUsers {
		fmt.Fprintf(w.stdout, "  %-5s %-9s %s\n", du.Username, du.Role, du.DisplayName)
	}
	return nil
}
