package auth_test

import (
	"testing"

	"rolegate/internal/auth"
)

func TestSSOUsernameIsSafe(t *testing.T) {
	for _, tc := range []struct {
		id   auth.Identity
		want string
	}{
		{auth.Identity{PreferredUsername: "Dana.DBA@corp.example"}, "dana.dba.corp.example"},
		{auth.Identity{Email: "o'brien+x@corp.example"}, "obrienx"},
		{auth.Identity{Subject: "00u1ab"}, "00u1ab"},
		{auth.Identity{PreferredUsername: "..\u202e<script>"}, "script"},
		{auth.Identity{PreferredUsername: "é"}, "sso-user"},
	} {
		got := auth.SSOUsername(tc.id)
		if got != tc.want {
			t.Errorf("SSOUsername(%+v) = %q, want %q", tc.id, got, tc.want)
		}
		if err := auth.CheckUsername(got); err != nil {
			t.Errorf("%q is not a valid username: %v", got, err)
		}
	}
}

func TestRoleForPicksTheHighestGrantedRole(t *testing.T) {
	p := auth.ProviderConfig{Groups: map[auth.Role][]string{
		auth.RoleViewer: {"staff"}, auth.RoleApprover: {"leads"}, auth.RoleAdmin: {"admins"},
	}}
	for _, tc := range []struct {
		groups []string
		want   auth.Role
		ok     bool
	}{
		{[]string{"staff", "leads"}, auth.RoleApprover, true},
		{[]string{"admins", "staff"}, auth.RoleAdmin, true},
		{[]string{"staff"}, auth.RoleViewer, true},
		{[]string{"marketing"}, "", false},
		{nil, "", false},
	} {
		got, ok := p.RoleFor(tc.groups)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RoleFor(%v) = %s, %v; want %s, %v", tc.groups, got, ok, tc.want, tc.ok)
		}
	}
}
