package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/store"
)

type directoryTest struct {
	db       *store.DB
	log      *audit.Log
	users    *auth.Users
	dir      *auth.Directory
	sessions *auth.SessionStore
}

func newDirectoryTest(t *testing.T) *directoryTest {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "rolegate.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pairs, err := auth.LoadOrCreateKeyFile(filepath.Join(t.TempDir(), "session.keys"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := auth.NewSessionStore(db, auth.SessionConfig{KeyPairs: pairs, Idle: 30 * time.Minute, Max: 12 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	log := audit.New(db)
	users := auth.NewUsers(db)
	return &directoryTest{db: db, log: log, users: users, dir: auth.NewDirectory(users, log), sessions: st}
}

// events are the audit events recorded so far, oldest first.
func (d *directoryTest) events(t *testing.T) []audit.Event {
	t.Helper()
	p, err := d.log.Query(context.Background(), audit.Filter{}, "", audit.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for i := len(p.Events) - 1; i >= 0; i-- {
		out = append(out, p.Events[i])
	}
	return out
}

func (d *directoryTest) create(t *testing.T, username string, role auth.Role) *auth.User {
	t.Helper()
	u, err := d.dir.Create(context.Background(), audit.System, audit.Origin{}, auth.NewUser{Username: username, Role: role, Password: "the password of " + username})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// signIn stores a session of the user, as the sign-in page does.
func (d *directoryTest) signIn(t *testing.T, u *auth.User) {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	s, err := d.sessions.New(req, auth.CookieName(false))
	if err != nil {
		t.Fatal(err)
	}
	s.Values[auth.KeyUserID] = u.ID
	if err := s.Save(req, httptest.NewRecorder()); err != nil {
		t.Fatal(err)
	}
}

func (d *directoryTest) sessionsOf(t *testing.T, u *auth.User) int {
	t.Helper()
	n, err := d.sessions.CountUserSessions(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDirectoryCommitsEachChangeWithItsEvent(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	ada := d.create(t, "ada", auth.RoleAdmin)
	by := audit.Actor{UserID: ada.ID, Username: "ada", Role: "admin"}
	from := audit.Origin{ClientIP: "192.0.2.7", UserAgent: "test", RequestID: "req-1"}

	nina, err := d.dir.Create(ctx, by, from, auth.NewUser{Username: "nina", Role: auth.RoleApprover, Password: "nina's first password"})
	if err != nil {
		t.Fatal(err)
	}
	if nina.DisplayName != "nina" || nina.Role != auth.RoleApprover || !nina.CheckPassword("nina's first password") {
		t.Fatalf("created %+v", nina)
	}
	d.signIn(t, nina)
	var codes []string
	steps := []struct {
		action audit.Action
		do     func() error
		more   []audit.Action // further events of the same change
	}{
		{audit.UserRoleChanged, func() error { return d.dir.SetRole(ctx, by, from, nina.ID, auth.RoleRequester) }, nil},
		{audit.UserDisabled, func() error { return d.dir.Disable(ctx, by, from, nina.ID) }, nil},
		{audit.UserEnabled, func() error { return d.dir.Enable(ctx, by, from, nina.ID) }, nil},
		{audit.UserPasswordReset, func() error { return d.dir.SetPassword(ctx, by, from, nina.ID, "nina's second password") }, nil},
		{audit.UserPasswordChanged, func() error { return d.dir.ChangePassword(ctx, by, from, nina.ID, "nina's third password") }, nil},
		{audit.MFAEnrolled, func() (err error) {
			codes, err = d.dir.EnrollMFA(ctx, by, from, nina.ID, "JBSWY3DPEHPK3PXP")
			return err
		}, []audit.Action{audit.UserRecoveryCodes}},
		{audit.UserRecoveryCodeUsed, func() error {
			if ok, err := d.dir.UseRecoveryCode(ctx, by, from, nina.ID, codes[0]); err != nil || !ok {
				return fmt.Errorf("recovery code refused: %v", err)
			}
			return nil
		}, nil},
		{audit.UserRecoveryCodes, func() (err error) {
			codes, err = d.dir.RegenerateRecoveryCodes(ctx, by, from, nina.ID)
			return err
		}, nil},
		{audit.UserTimeZoneChanged, func() error { return d.dir.SetTimeZone(ctx, by, from, nina.ID, "Europe/Berlin") }, nil},
		{audit.UserMFAReset, func() error { return d.dir.ResetMFA(ctx, by, from, nina.ID) }, nil},
		{audit.SessionsEnded, func() error { return d.dir.EndSessions(ctx, by, from, nina.ID) }, nil},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
	}

	events := d.events(t)
	want := []audit.Action{audit.UserCreated, audit.UserCreated}
	for _, s := range steps {
		want = append(want, s.action)
		want = append(want, s.more...)
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, e := range events[1:] {
		if e.Action != want[i+1] || e.Actor != by || e.Origin != from || e.Outcome != audit.Success {
			t.Errorf("event %d: %s by %+v from %+v (%s), want %s by ada", i+1, e.Action, e.Actor, e.Origin, e.Outcome, want[i+1])
		}
		if string(e.Params) == "" || !jsonHas(t, e.Params, "username", "nina") {
			t.Errorf("%s: params %s do not name nina", e.Action, e.Params)
		}
	}
	if !jsonHas(t, events[1].Params, "role", "approver") || !jsonHas(t, events[2].Params, "role", "requester") {
		t.Errorf("the role is missing from %s or %s", events[1].Params, events[2].Params)
	}

	got, err := d.users.ByID(ctx, nina.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Role != auth.RoleRequester || got.Disabled || got.MFAEnrolled || !got.CheckPassword("nina's third password") || got.TimeZone != "Europe/Berlin" {
		t.Fatalf("after the steps: %+v", got)
	}
}

func TestDirectoryEndsSessionsWhereItSays(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	d.create(t, "ada", auth.RoleAdmin)
	vera := d.create(t, "vera", auth.RoleViewer)
	for _, c := range []struct {
		name string
		do   func() error
		ends bool
	}{
		{"set role", func() error { return d.dir.SetRole(ctx, audit.System, audit.Origin{}, vera.ID, auth.RoleRequester) }, false},
		{"enable", func() error { return d.dir.Enable(ctx, audit.System, audit.Origin{}, vera.ID) }, false},
		{"enrol", func() error {
			_, err := d.dir.EnrollMFA(ctx, audit.System, audit.Origin{}, vera.ID, "JBSWY3DPEHPK3PXP")
			return err
		}, false},
		{"new recovery codes", func() error {
			_, err := d.dir.RegenerateRecoveryCodes(ctx, audit.System, audit.Origin{}, vera.ID)
			return err
		}, false},
		{"time zone", func() error { return d.dir.SetTimeZone(ctx, audit.System, audit.Origin{}, vera.ID, "Asia/Tokyo") }, false},
		{"disable", func() error { return d.dir.Disable(ctx, audit.System, audit.Origin{}, vera.ID) }, true},
		{"reset password", func() error {
			return d.dir.SetPassword(ctx, audit.System, audit.Origin{}, vera.ID, "vera's next password")
		}, true},
		{"change password", func() error {
			return d.dir.ChangePassword(ctx, audit.System, audit.Origin{}, vera.ID, "vera's other password")
		}, true},
		{"reset MFA", func() error { return d.dir.ResetMFA(ctx, audit.System, audit.Origin{}, vera.ID) }, true},
		{"end sessions", func() error { return d.dir.EndSessions(ctx, audit.System, audit.Origin{}, vera.ID) }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d.signIn(t, vera)
			before := d.sessionsOf(t, vera)
			if err := c.do(); err != nil {
				t.Fatal(err)
			}
			after := d.sessionsOf(t, vera)
			if c.ends && after != 0 || !c.ends && after != before {
				t.Fatalf("sessions %d → %d", before, after)
			}
		})
	}
}

func TestDirectoryRefusesAndRecordsNothing(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	ada := d.create(t, "ada", auth.RoleAdmin)
	recorded := len(d.events(t))
	by := audit.Actor{UserID: ada.ID, Username: "ada", Role: "admin"}

	for _, c := range []struct {
		name string
		do   func() error
		want error
	}{
		{"demote the last admin", func() error { return d.dir.SetRole(ctx, by, audit.Origin{}, ada.ID, auth.RoleApprover) }, auth.ErrLastAdmin},
		{"disable the last admin", func() error { return d.dir.Disable(ctx, by, audit.Origin{}, ada.ID) }, auth.ErrLastAdmin},
		{"an unknown role", func() error { return d.dir.SetRole(ctx, by, audit.Origin{}, ada.ID, "root") }, nil},
		{"a short reset password", func() error { return d.dir.SetPassword(ctx, by, audit.Origin{}, ada.ID, "short") }, auth.ErrWeakPassword},
		{"a common own password", func() error { return d.dir.ChangePassword(ctx, by, audit.Origin{}, ada.ID, "password1234") }, auth.ErrWeakPassword},
		{"an unknown user", func() error { return d.dir.EndSessions(ctx, by, audit.Origin{}, ada.ID+100) }, auth.ErrNotFound},
		{"an unknown time zone", func() error { return d.dir.SetTimeZone(ctx, by, audit.Origin{}, ada.ID, "Mars/Olympus") }, auth.ErrUnknownTimeZone},
		{"a zone alias that is no choice", func() error { return d.dir.SetTimeZone(ctx, by, audit.Origin{}, ada.ID, "Local") }, auth.ErrUnknownTimeZone},
		{"recovery codes without a second factor", func() error {
			_, err := d.dir.RegenerateRecoveryCodes(ctx, by, audit.Origin{}, ada.ID)
			return err
		}, auth.ErrNoSecondFactor},
		{"a taken username", func() error {
			_, err := d.dir.Create(ctx, by, audit.Origin{}, auth.NewUser{Username: "ADA", Role: auth.RoleViewer, Password: "a long enough password"})
			return err
		}, auth.ErrUsernameTaken},
		{"a weak new password", func() error {
			_, err := d.dir.Create(ctx, by, audit.Origin{}, auth.NewUser{Username: "bob", Role: auth.RoleViewer, Password: "short"})
			return err
		}, auth.ErrWeakPassword},
		{"a bad new username", func() error {
			_, err := d.dir.Create(ctx, by, audit.Origin{}, auth.NewUser{Username: "-bob", Role: auth.RoleViewer, Password: "a long enough password"})
			return err
		}, auth.ErrInvalidUsername},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if err == nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
		})
	}
	if n := len(d.events(t)); n != recorded {
		t.Fatalf("%d events recorded by refused changes", n-recorded)
	}
	got, err := d.users.ByID(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Role != auth.RoleAdmin || got.Disabled || !got.CheckPassword("the password of ada") {
		t.Fatalf("ada changed: %+v", got)
	}
	if _, err := d.users.ByUsername(ctx, "bob"); !errors.Is(err, auth.ErrNotFound) {
		t.Fatalf("bob: %v", err)
	}
}

func TestDirectoryNamesEveryBadFieldOfANewUser(t *testing.T) {
	d := newDirectoryTest(t)
	_, err := d.dir.Create(context.Background(), audit.System, audit.Origin{}, auth.NewUser{
		Username: "x", DisplayName: "bad\x00name", Role: "root", Password: "short",
	})
	var bad *auth.InvalidUser
	if !errors.As(err, &bad) {
		t.Fatalf("err %v, want an *InvalidUser", err)
	}
	if !errors.Is(bad.Username, auth.ErrInvalidUsername) || !errors.Is(bad.DisplayName, auth.ErrInvalidName) ||
		bad.Role == nil || !errors.Is(bad.Password, auth.ErrWeakPassword) {
		t.Fatalf("fields %+v", bad)
	}
}

// jsonHas reports whether the JSON object has key with the string value.
func jsonHas(t *testing.T, raw []byte, key, value string) bool {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m[key] == value
}
