package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/auth"
)

func TestTokenLifecycle(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	now := time.Now()
	clock := func() time.Time { return now }
	tokens := auth.NewTokens(d.users, d.log, 30, clock)
	rita := d.create(t, "rita", auth.RoleRequester)
	by := audit.Actor{UserID: rita.ID, Username: "rita", Role: "requester"}

	secret, tk, err := tokens.Create(ctx, by, audit.Origin{}, rita, auth.NewToken{Name: " ci ", Scope: auth.ScopeRequest, Days: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, auth.TokenPrefix) || len(secret) != 56 || tk.Name != "ci" || !strings.HasPrefix(secret, tk.Prefix) {
		t.Fatalf("secret %q, token %+v", secret, tk)
	}
	var stored int
	d.db.Reader().QueryRow(`SELECT count(*) FROM api_tokens WHERE secret_hash = ? OR prefix = ?`, secret, secret).Scan(&stored)
	if stored != 0 {
		t.Fatal("the secret is stored")
	}
	got, u, err := tokens.Authenticate(ctx, secret)
	if err != nil || got.ID != tk.ID || u.ID != rita.ID || got.LastUsed.IsZero() {
		t.Fatalf("authenticate: %+v %v", got, err)
	}
	for _, bad := range []string{"", secret[:len(secret)-1], secret + "a", strings.ToUpper(secret), "rgp_" + strings.Repeat("a", 52)} {
		if _, _, err := tokens.Authenticate(ctx, bad); !errors.Is(err, auth.ErrTokenInvalid) {
			t.Errorf("%q: %v, want ErrTokenInvalid", bad, err)
		}
	}
	now = now.Add(49 * time.Hour)
	if _, _, err := tokens.Authenticate(ctx, secret); !errors.Is(err, auth.ErrTokenExpired) {
		t.Fatalf("after expiry: %v", err)
	}

	// Revoked tokens stop at once; someone else cannot revoke them.
	secret2, tk2, err := tokens.Create(ctx, by, audit.Origin{}, rita, auth.NewToken{Name: "b", Scope: auth.ScopeRead, Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	arno := d.create(t, "arno", auth.RoleApprover)
	if err := tokens.Revoke(ctx, audit.Actor{UserID: arno.ID, Username: "arno", Role: "approver"}, audit.Origin{}, rita, tk2.ID); !errors.Is(err, auth.ErrTokenForbidden) {
		t.Fatalf("revoke by another: %v", err)
	}
	if err := tokens.Revoke(ctx, by, audit.Origin{}, rita, tk2.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokens.Authenticate(ctx, secret2); !errors.Is(err, auth.ErrTokenRevoked) {
		t.Fatalf("after revoke: %v", err)
	}
	// Disabling the user ends the token too.
	secret3, _, err := tokens.Create(ctx, by, audit.Origin{}, rita, auth.NewToken{Name: "c", Scope: auth.ScopeRead, Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.dir.Disable(ctx, audit.System, audit.Origin{}, rita.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokens.Authenticate(ctx, secret3); !errors.Is(err, auth.ErrTokenInvalid) {
		t.Fatalf("disabled user: %v", err)
	}
}

func TestTokenRulesAndScopes(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	tokens := auth.NewTokens(d.users, d.log, 30, nil)
	vera := d.create(t, "vera", auth.RoleViewer)
	by := audit.Actor{UserID: vera.ID, Username: "vera", Role: "viewer"}
	_, _, err := tokens.Create(ctx, by, audit.Origin{}, vera, auth.NewToken{Name: "", Scope: auth.ScopeRequest, Days: 31})
	var bad *auth.InvalidToken
	if !errors.As(err, &bad) || bad.Name == nil || bad.Scope == nil || bad.Days == nil {
		t.Fatalf("%v, want every field refused", err)
	}
	// Somebody else's personal token is never made for them.
	ada := d.create(t, "ada", auth.RoleAdmin)
	admin := audit.Actor{UserID: ada.ID, Username: "ada", Role: "admin"}
	if _, _, err := tokens.Create(ctx, admin, audit.Origin{}, vera, auth.NewToken{Name: "x", Scope: auth.ScopeRead, Days: 1}); !errors.Is(err, auth.ErrTokenForbidden) {
		t.Fatalf("admin making a person's token: %v", err)
	}
	// A service account's tokens are made by admins only.
	bot, err := d.dir.CreateServiceAccount(ctx, admin, audit.Origin{}, auth.NewServiceAccount{Username: "etl-bot", Role: auth.RoleRequester})
	if err != nil {
		t.Fatal(err)
	}
	if bot.CheckPassword("") || bot.CheckPassword("anything") {
		t.Fatal("a service account has a password")
	}
	if _, _, err := tokens.Create(ctx, audit.Actor{UserID: bot.ID, Username: "etl-bot", Role: "requester"}, audit.Origin{}, bot, auth.NewToken{Name: "x", Scope: auth.ScopeRead, Days: 1}); !errors.Is(err, auth.ErrTokenForbidden) {
		t.Fatalf("service account making its own token: %v", err)
	}
	if _, _, err := tokens.Create(ctx, admin, audit.Origin{}, bot, auth.NewToken{Name: "x", Scope: auth.ScopeRequest, Days: 1}); err != nil {
		t.Fatal(err)
	}
	// The effective role is never above the user's.
	for _, tc := range []struct {
		scope auth.Scope
		role  auth.Role
		want  auth.Role
	}{
		{auth.ScopeRead, auth.RoleAdmin, auth.RoleViewer},
		{auth.ScopeRequest, auth.RoleAdmin, auth.RoleRequester},
		{auth.ScopeRequest, auth.RoleViewer, auth.RoleViewer},
		{auth.ScopeRequest, "", ""},
	} {
		if got := tc.scope.Role(tc.role); got != tc.want {
			t.Errorf("%s token of a %s acts as %q, want %q", tc.scope, tc.role, got, tc.want)
		}
	}
	var n int
	d.db.Reader().QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'token.created'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d token.created events, want 1", n)
	}
}
