package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	_ "time/tzdata" // as cmd/web: the zones must load without /usr/share/zoneinfo

	"rolegate/audit"
	"rolegate/internal/auth"
)

func TestRecoveryCodesWorkOnceEach(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	ada := d.create(t, "ada", auth.RoleAdmin)
	by := audit.Actor{UserID: ada.ID, Username: "ada", Role: "admin"}
	codes, err := d.dir.EnrollMFA(ctx, by, audit.Origin{}, ada.ID, "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !auth.LooksLikeRecoveryCode(c) || seen[c] {
			t.Fatalf("codes %q: %q is malformed or repeated", codes, c)
		}
		seen[c] = true
	}
	if len(codes) != auth.RecoveryCodeCount {
		t.Fatalf("%d codes, want %d", len(codes), auth.RecoveryCodeCount)
	}
	var stored int
	if err := d.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM recovery_codes WHERE code_hash = ? OR code_hash = ?`,
		codes[0], strings.ReplaceAll(codes[0], "-", "")).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("a code is stored as typed (%d rows, %v)", stored, err)
	}

	use := func(code string) bool {
		t.Helper()
		ok, err := d.dir.UseRecoveryCode(ctx, by, audit.Origin{}, ada.ID, code)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// Typed in capitals and with spaces for dashes, it is the same code.
	if !use(strings.ToUpper(strings.ReplaceAll(codes[0], "-", " "))) {
		t.Fatal("the first use of a recovery code was refused")
	}
	if use(codes[0]) {
		t.Fatal("a used recovery code worked again")
	}
	if use("aaaa-bbbb-cccc-dddd") {
		t.Fatal("a made-up recovery code worked")
	}
	if n, _ := d.users.RecoveryCodesLeft(ctx, ada.ID); n != auth.RecoveryCodeCount-1 {
		t.Fatalf("%d codes left, want %d", n, auth.RecoveryCodeCount-1)
	}
	var uses int
	for _, e := range d.events(t) {
		if e.Action == audit.UserRecoveryCodeUsed {
			uses++
			for _, c := range codes {
				if strings.Contains(string(e.Params), c) || strings.Contains(string(e.Params), strings.ReplaceAll(c, "-", "")) {
					t.Fatalf("the audit event names the code: %s", e.Params)
				}
			}
		}
	}
	if uses != 1 {
		t.Fatalf("%d recovery-code uses recorded, want 1", uses)
	}

	fresh, err := d.dir.RegenerateRecoveryCodes(ctx, by, audit.Origin{}, ada.ID)
	if err != nil {
		t.Fatal(err)
	}
	if use(codes[1]) {
		t.Fatal("an old code worked after new ones were made")
	}
	if err := d.dir.ResetMFA(ctx, by, audit.Origin{}, ada.ID); err != nil {
		t.Fatal(err)
	}
	if use(fresh[0]) {
		t.Fatal("a recovery code worked after the second factor was reset")
	}
}

func TestARecoveryCodeIsSpentOnceUnderRace(t *testing.T) {
	d := newDirectoryTest(t)
	ctx := context.Background()
	ada := d.create(t, "ada", auth.RoleAdmin)
	codes, err := d.dir.EnrollMFA(ctx, audit.System, audit.Origin{}, ada.ID, "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := d.dir.UseRecoveryCode(ctx, audit.System, audit.Origin{}, ada.ID, codes[3])
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("the code signed in %d times, want once", won)
	}
}

func TestEveryListedTimeZoneLoads(t *testing.T) {
	zones := auth.TimeZones()
	if len(zones) < 300 || zones[0] != "UTC" {
		t.Fatalf("%d zones starting %q", len(zones), zones[0])
	}
	for _, z := range zones {
		loc, err := auth.LoadTimeZone(z)
		if err != nil || loc.String() != z {
			t.Errorf("%s: %v %v", z, loc, err)
		}
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../etc/passwd", "utc"} {
		if _, err := auth.LoadTimeZone(bad); !errors.Is(err, auth.ErrUnknownTimeZone) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}
