package account_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/account"
	"rolegate/internal/store"
)

type fixture struct {
	svc   *account.Service
	audit *audit.Log
	db    *store.DB
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "rolegate.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	l := audit.New(db)
	return fixture{svc: account.New(account.Options{DB: db, Audit: l, Logger: log}), audit: l, db: db}
}

var (
	admin  = audit.Actor{UserID: 1, Username: "ada", Role: "admin"}
	origin = audit.Origin{RequestID: "req-1"}
)

const analyticsRole = "arn:aws:iam::111122223333:role/RolegateAccess"

func analytics() account.Spec {
	return account.Spec{ID: "111122223333", Name: "analytics", RoleARN: analyticsRole, ExternalID: "rolegate-secret-1",
		Regions: []string{"us-east-1", "eu-west-1"}, ProductionTag: "tier=prod"}
}

func (f fixture) events(t *testing.T, action audit.Action) []audit.Event {
	t.Helper()
	p, err := f.audit.Query(context.Background(), audit.Filter{Action: action}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return p.Events
}

func fieldErrors(t *testing.T, err error) account.FieldErrors {
	t.Helper()
	var ve *account.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v, want a *ValidationError", err)
	}
	return ve.Fields
}

func TestAddStoresTheAccountAndAuditsItWithoutTheExternalID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, err := f.svc.Add(ctx, admin, origin, analytics())
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(ctx, "111122223333")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "analytics" || got.RoleARN != analyticsRole || got.ExternalID != "rolegate-secret-1" ||
		strings.Join(got.Regions, ",") != "us-east-1,eu-west-1" || got.ProductionTag != "tier=prod" || got.Disabled || got.Home() || got.Version != 1 {
		t.Errorf("stored %+v", got)
	}
	if a.ID != got.ID {
		t.Errorf("Add returned %s", a.ID)
	}
	ev := f.events(t, audit.AccountAdded)
	if len(ev) != 1 {
		t.Fatalf("%d account.added events", len(ev))
	}
	params := string(ev[0].Params)
	if strings.Contains(params, "rolegate-secret-1") {
		t.Errorf("the external ID is in the audit log: %s", params)
	}
	for _, want := range []string{`"account_id":"111122223333"`, `"external_id_set":true`, `"role_arn":"` + analyticsRole + `"`} {
		if !strings.Contains(params, want) {
			t.Errorf("params %s lack %s", params, want)
		}
	}
	if ev[0].Actor.Username != "ada" || ev[0].Origin.RequestID != "req-1" {
		t.Errorf("event actor %+v origin %+v", ev[0].Actor, ev[0].Origin)
	}
}

func TestAddRefusesWhatIsWrongPerField(t *testing.T) {
	cases := map[string]struct {
		mod   func(*account.Spec)
		field string
	}{
		"short ID":                 {func(s *account.Spec) { s.ID = "11112222333" }, account.FieldID},
		"letters in ID":            {func(s *account.Spec) { s.ID = "11112222333a" }, account.FieldID},
		"no name":                  {func(s *account.Spec) { s.Name = "  " }, account.FieldName},
		"control character":        {func(s *account.Spec) { s.Name = "ana\u202elytics" }, account.FieldName},
		"long name":                {func(s *account.Spec) { s.Name = strings.Repeat("n", 65) }, account.FieldName},
		"user, not role":           {func(s *account.Spec) { s.RoleARN = "arn:aws:iam::111122223333:user/rolegate" }, account.FieldRoleARN},
		"role in another account":  {func(s *account.Spec) { s.RoleARN = "arn:aws:iam::444455556666:role/RolegateAccess" }, account.FieldRoleARN},
		"external ID without role": {func(s *account.Spec) { s.RoleARN = "" }, account.FieldExternalID},
		"external ID charset":      {func(s *account.Spec) { s.ExternalID = "has space" }, account.FieldExternalID},
		"bad region":               {func(s *account.Spec) { s.Regions = []string{"us-east-1", "mars"} }, account.FieldRegions},
		"region twice":             {func(s *account.Spec) { s.Regions = []string{"us-east-1", "us-east-1"} }, account.FieldRegions},
		"tag not key=value":        {func(s *account.Spec) { s.ProductionTag = "production" }, account.FieldProductionTag},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			sp := analytics()
			tc.mod(&sp)
			_, err := f.svc.Add(context.Background(), admin, origin, sp)
			if errs := fieldErrors(t, err); errs[tc.field] == "" {
				t.Errorf("errors %v, want one for %s", errs, tc.field)
			}
			if list, _ := f.svc.List(context.Background()); len(list) != 0 {
				t.Errorf("%d accounts stored", len(list))
			}
			if n := len(f.events(t, audit.AccountAdded)); n != 0 {
				t.Errorf("%d audit events for a refused account", n)
			}
		})
	}
}

func TestAddRefusesATakenIDNameOrSecondHomeAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Add(ctx, admin, origin, analytics()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Add(ctx, admin, origin, account.Spec{ID: "123456789012", Name: "main"}); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		sp    account.Spec
		field string
	}{
		"same ID":     {account.Spec{ID: "111122223333", Name: "other"}, account.FieldID},
		"same name":   {account.Spec{ID: "444455556666", Name: "analytics", RoleARN: "arn:aws:iam::444455556666:role/R"}, account.FieldName},
		"second home": {account.Spec{ID: "444455556666", Name: "payments"}, account.FieldRoleARN},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.svc.Add(ctx, admin, origin, tc.sp)
			if errs := fieldErrors(t, err); errs[tc.field] == "" {
				t.Errorf("errors %v, want one for %s", errs, tc.field)
			}
		})
	}
	if list, _ := f.svc.List(ctx); len(list) != 2 {
		t.Errorf("%d accounts, want 2", len(list))
	}
}

func TestSetChangesOnlyWhatIsGivenAndAuditsTheBefore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Add(ctx, admin, origin, analytics()); err != nil {
		t.Fatal(err)
	}
	name, regions := "analytics (BI)", []string{"ap-southeast-2"}
	a, err := f.svc.Set(ctx, admin, origin, "111122223333", account.Changes{Name: &name, Regions: &regions})
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != name || strings.Join(a.Regions, ",") != "ap-southeast-2" || a.RoleARN != analyticsRole || a.ExternalID != "rolegate-secret-1" || a.Version != 2 {
		t.Errorf("after set: %+v", a)
	}
	ev := f.events(t, audit.AccountChanged)
	if len(ev) != 1 {
		t.Fatalf("%d account.changed events", len(ev))
	}
	p := string(ev[0].Params)
	if !strings.Contains(p, `"changed":["name","regions"]`) || !strings.Contains(p, `"before":{`) || !strings.Contains(p, `"name":"analytics"`) {
		t.Errorf("params %s", p)
	}

	// Setting what is already there changes and records nothing.
	if _, err := f.svc.Set(ctx, admin, origin, "111122223333", account.Changes{Name: &name}); err != nil {
		t.Fatal(err)
	}
	if n := len(f.events(t, audit.AccountChanged)); n != 1 {
		t.Errorf("%d account.changed events after a no-op", n)
	}

	// A change that breaks a rule is refused as a whole.
	bad := "arn:aws:iam::999999999999:role/X"
	other := "renamed"
	_, err = f.svc.Set(ctx, admin, origin, "111122223333", account.Changes{Name: &other, RoleARN: &bad})
	if errs := fieldErrors(t, err); errs[account.FieldRoleARN] == "" {
		t.Errorf("errors %v", errs)
	}
	if got, _ := f.svc.Get(ctx, "111122223333"); got.Name != name {
		t.Errorf("name %q after a refused change", got.Name)
	}

	if _, err := f.svc.Set(ctx, admin, origin, "999999999999", account.Changes{Name: &other}); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
}

func TestDisableAndEnableAreAuditedAndEnabledSkipsDisabled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Add(ctx, admin, origin, analytics()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Add(ctx, admin, origin, account.Spec{ID: "123456789012", Name: "main"}); err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.Disable(ctx, admin, origin, "111122223333")
	if err != nil || !a.Disabled {
		t.Fatalf("disable: %+v %v", a, err)
	}
	// Twice is once.
	if _, err := f.svc.Disable(ctx, admin, origin, "111122223333"); err != nil {
		t.Fatal(err)
	}
	on, err := f.svc.Enabled(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(on) != 1 || on[0].ID != "123456789012" {
		t.Errorf("enabled accounts %v", on)
	}
	if n := len(f.events(t, audit.AccountDisabled)); n != 1 {
		t.Errorf("%d account.disabled events", n)
	}
	if _, err := f.svc.Enable(ctx, admin, origin, "111122223333"); err != nil {
		t.Fatal(err)
	}
	if on, _ := f.svc.Enabled(ctx); len(on) != 2 {
		t.Errorf("%d enabled after enabling", len(on))
	}
	if n := len(f.events(t, audit.AccountEnabled)); n != 1 {
		t.Errorf("%d account.enabled events", n)
	}
}

func TestNoAccountStoredIsAnEmptyList(t *testing.T) {
	f := newFixture(t)
	list, err := f.svc.Enabled(context.Background())
	if err != nil || len(list) != 0 {
		t.Errorf("accounts %v, %v", list, err)
	}
	if _, err := f.svc.Get(context.Background(), "12345"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("bad ID: %v", err)
	}
}

// A stored time that cannot be read is an error naming the column, never
// a zero time shown as if it were true.
func TestCorruptAccountTimeIsAnError(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Add(ctx, admin, origin, analytics()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Writer().ExecContext(ctx, `UPDATE accounts SET updated_at = 'last tuesday'`); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ctx, "111122223333"); err == nil || !strings.Contains(err.Error(), "updated_at") {
		t.Fatalf("reading an account with a corrupt time: %v, want an error naming updated_at", err)
	}
}
