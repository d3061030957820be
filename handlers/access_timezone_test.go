package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
	"rolegate/views/components"
)

var reTime = regexp.MustCompile(`<time datetime="([^"]+)" title="([^"]+)" data-testid="time">([^<]+)</time>`)

// pageTimes are the times a page shows: each as its UTC instant, its hover
// text and its text.
func pageTimes(t *testing.T, body string) [][3]string {
	t.Helper()
	var out [][3]string
	for _, m := range reTime.FindAllStringSubmatch(body, -1) {
		out = append(out, [3]string{m[1], m[2], m[3]})
	}
	if len(out) == 0 {
		t.Fatal("the page shows no times")
	}
	return out
}

func TestEachUserReadsTimesInTheirChosenZone(t *testing.T) {
	app := newTestApp(t)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	rita := app.signIn(t, "rita", auth.RoleViewer)

	body := wantStatus(t, vera.get(t, "/account"), http.StatusOK, "account page")
	if !strings.Contains(body, `<option value="UTC" selected>`) {
		t.Fatal("UTC is not the zone of a new user")
	}
	res := vera.postForm(t, "/account/time-zone", url.Values{"time_zone": {"Asia/Tokyo"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("choosing a zone: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := app.auditCount(t, "user.time_zone_changed"); n != 1 {
		t.Fatalf("%d zone changes recorded, want 1", n)
	}
	body = wantStatus(t, vera.get(t, "/account"), http.StatusOK, "account page")
	if !strings.Contains(body, `<option value="Asia/Tokyo" selected>`) {
		t.Fatal("the chosen zone is not selected")
	}

	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	for who, c := range map[string]struct {
		b   *browser
		loc *time.Location
	}{"vera": {vera, tokyo}, "rita": {rita, time.UTC}} {
		for _, tm := range pageTimes(t, wantStatus(t, c.b.get(t, "/audit"), http.StatusOK, "audit list")) {
			at, err := time.Parse(time.RFC3339, tm[0])
			if err != nil || !strings.HasSuffix(tm[0], "Z") {
				t.Fatalf("%s: datetime %q is not UTC RFC 3339: %v", who, tm[0], err)
			}
			if tm[1] != components.FormatTime(at, time.UTC) || tm[2] != components.FormatTime(at, c.loc) {
				t.Fatalf("%s sees %q (hover %q) for %s", who, tm[2], tm[1], tm[0])
			}
		}
	}
	// The export stays in UTC whoever asks.
	export := wantStatus(t, vera.get(t, "/audit/export.csv"), http.StatusOK, "export")
	if strings.Contains(export, "JST") || strings.Contains(export, "+09:00") {
		t.Fatal("the export follows the reader's zone")
	}
}

func TestAnUnknownTimeZoneIsRefused(t *testing.T) {
	app := newTestApp(t)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	for _, zone := range []string{"", "Mars/Olympus", "Local", "../../etc/passwd", "asia/tokyo"} {
		body := wantStatus(t, vera.postForm(t, "/account/time-zone", url.Values{"time_zone": {zone}}), http.StatusUnprocessableEntity, "zone "+zone)
		if !strings.Contains(body, auth.ErrUnknownTimeZone.Error()) {
			t.Fatalf("no field message for %q", zone)
		}
	}
	wantStatus(t, vera.postRaw(t, "/account/time-zone", url.Values{"time_zone": {"Europe/Paris"}}, nil), http.StatusForbidden, "no CSRF token")
	res := app.newBrowser().postForm(t, "/account/time-zone", url.Values{"time_zone": {"Europe/Paris"}})
	wantSignInRedirect(t, res, "signed out")
	if n := app.auditCount(t, "user.time_zone_changed"); n != 0 {
		t.Fatalf("%d zone changes recorded by refused forms", n)
	}
	u, err := app.users.ByUsername(t.Context(), "vera")
	if err != nil || u.TimeZone != "UTC" {
		t.Fatalf("vera's zone %q (%v)", u.TimeZone, err)
	}
}
