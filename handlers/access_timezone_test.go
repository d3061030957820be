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

// chooseZone sets the browser's user's display zone.
func chooseZone(t *testing.T, b *browser, zone string) {
	t.Helper()
	res := b.postForm(t, "/account/time-zone", url.Values{"time_zone": {zone}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choosing %s: %d", zone, res.StatusCode)
	}
}

// The admin's users list and a user's page show when each user was
// created in the admin's zone, with UTC on hover, like every other time.
func TestUsersCreatedReadsInTheAdminsZone(t *testing.T) {
	app := newTestApp(t)
	app.ensureUser(t, "vera", auth.RoleViewer)
	ada := app.signIn(t, "ada", auth.RoleAdmin)
	chooseZone(t, ada, "America/New_York")
	ny, _ := time.LoadLocation("America/New_York")

	vera, err := app.users.ByUsername(t.Context(), "vera")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/users", "/admin/users/" + itoa(vera.ID)} {
		times := pageTimes(t, wantStatus(t, ada.get(t, path), http.StatusOK, path))
		if path == "/admin/users" && len(times) < 2 {
			t.Fatalf("%s shows %d times, want one per user", path, len(times))
		}
		for _, tm := range times {
			at, err := time.Parse(time.RFC3339, tm[0])
			if err != nil {
				t.Fatalf("%s: datetime %q: %v", path, tm[0], err)
			}
			if tm[1] != components.FormatTime(at, time.UTC) || tm[2] != components.FormatTime(at, ny) || !strings.HasSuffix(tm[2], "EST") && !strings.HasSuffix(tm[2], "EDT") {
				t.Fatalf("%s shows %q (hover %q) for %s, want New York time", path, tm[2], tm[1], tm[0])
			}
		}
		if path != "/admin/users" && times[0][0] != vera.CreatedAt.UTC().Format(time.RFC3339) {
			t.Fatalf("%s shows created %s, vera was created %s", path, times[0][0], vera.CreatedAt)
		}
	}
}

var reAuditRowTime = regexp.MustCompile(`data-testid="audit-row" data-seq="(\d+)">\s*<td[^>]*><a[^>]*>\d+</a></td>\s*<td[^>]*><time datetime="([^"]+)"`)

// auditRows are the seqs and UTC times of the rows an audit page lists.
func auditRows(body string) map[string]string {
	out := map[string]string{}
	for _, m := range reAuditRowTime.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// The audit filter's From and Before are typed in the reader's zone, which
// the labels name; a refused bound keeps what was typed and names the
// zone. The export of the same filter selects the same events and still
// writes UTC.
func TestAuditFilterBoundsAreReadInTheReadersZone(t *testing.T) {
	app := newTestApp(t)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	chooseZone(t, vera, "Asia/Tokyo")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")

	body := wantStatus(t, vera.get(t, "/audit"), http.StatusOK, "audit")
	for _, label := range []string{">From (Asia/Tokyo)<", ">Before (Asia/Tokyo)<"} {
		if !strings.Contains(body, label) {
			t.Errorf("the audit filter lacks the label %s", label)
		}
	}
	rows := auditRows(body)
	if len(rows) == 0 {
		t.Fatalf("no audit rows:\n%s", body)
	}
	// The newest event, and its second as a Tokyo wall clock.
	var seq string
	for s := range rows {
		if seq == "" || len(s) > len(seq) || len(s) == len(seq) && s > seq {
			seq = s
		}
	}
	at, err := time.Parse(time.RFC3339, rows[seq])
	if err != nil {
		t.Fatal(err)
	}
	wall := func(d time.Duration) string { return at.Add(d).In(tokyo).Format("2006-01-02T15:04:05") }
	for _, tc := range []struct {
		from, to string
		want     bool
	}{
		{from: wall(0), want: true},
		{from: wall(time.Second), want: false},
		{to: wall(time.Second), want: true},
		{to: wall(0), want: false},
		// An offset of its own is kept.
		{from: at.Format(time.RFC3339), want: true},
	} {
		q := url.Values{}
		if tc.from != "" {
			q.Set("from", tc.from)
		}
		if tc.to != "" {
			q.Set("to", tc.to)
		}
		body := wantStatus(t, vera.get(t, "/audit?"+q.Encode()), http.StatusOK, "filtered")
		if _, got := auditRows(body)[seq]; got != tc.want {
			t.Errorf("from %q to %q: event %s (at %s) listed %v, want %v", tc.from, tc.to, seq, rows[seq], got, tc.want)
		}
		export := wantStatus(t, vera.get(t, "/audit/export.csv?"+q.Encode()), http.StatusOK, "export")
		if got := strings.Contains(export, "\n"+seq+","); got != tc.want {
			t.Errorf("from %q to %q: the export has event %s: %v, want %v", tc.from, tc.to, seq, got, tc.want)
		}
		if strings.Contains(export, "+09:00") || strings.Contains(export, "JST") {
			t.Error("the export follows the reader's zone")
		}
	}

	body = wantStatus(t, vera.get(t, "/audit?from=26.11.2026+09%3A30"), http.StatusUnprocessableEntity, "a bound in another form")
	if !strings.Contains(body, `value="26.11.2026 09:30"`) {
		t.Error("the refused bound is not kept as typed")
	}
	if !strings.Contains(body, "2026-11-26T09:30 (Asia/Tokyo)") {
		t.Error("the message does not name the zone the bound is read in")
	}
}

// A chosen zone holds on every page that shows times, not only the audit
// log: the request queue and page, the cluster page, an audit event.
func TestTheChosenZoneHoldsOnEveryPageWithTimes(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "clock", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	id := rita.submit(t, "clock", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))
	vera := app.signIn(t, "vera", auth.RoleViewer)
	chooseZone(t, vera, "Australia/Adelaide")
	adelaide, _ := time.LoadLocation("Australia/Adelaide")

	for _, path := range []string{"/changes", "/changes/" + itoa(id), "/clusters/" + testAccount + "/" + testRegion + "/clock", "/audit/events/1"} {
		body := wantStatus(t, vera.get(t, path), http.StatusOK, path)
		if !reTime.MatchString(body) {
			t.Errorf("%s shows no time", path)
			continue
		}
		for _, tm := range pageTimes(t, body) {
			at, err := time.Parse(time.RFC3339, tm[0])
			if err != nil {
				t.Fatalf("%s: datetime %q: %v", path, tm[0], err)
			}
			if tm[1] != components.FormatTime(at, time.UTC) || tm[2] != components.FormatTime(at, adelaide) {
				t.Errorf("%s shows %q (hover %q) for %s, want Adelaide time", path, tm[2], tm[1], tm[0])
			}
		}
	}
}

func TestAnAWSAccountsLastChangeIsInTheReadersZone(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	res := admin.postForm(t, "/account/time-zone", url.Values{"time_zone": {"Asia/Tokyo"}})
	res.Body.Close()
	res = admin.postForm(t, "/admin/accounts", accountForm("111122223333", "analytics", "arn:aws:iam::111122223333:role/RolegateAccess", "", "", ""))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add an account: %d", res.StatusCode)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	times := pageTimes(t, wantStatus(t, admin.get(t, "/admin/accounts/111122223333"), http.StatusOK, "account page"))
	at, err := time.Parse(time.RFC3339, times[0][0])
	if err != nil || time.Since(at) > time.Minute {
		t.Fatalf("the last change is %q: %v", times[0][0], err)
	}
	if times[0][1] != components.FormatTime(at, time.UTC) || times[0][2] != components.FormatTime(at, tokyo) {
		t.Fatalf("the last change reads %q (hover %q), want it in Tokyo's time", times[0][2], times[0][1])
	}
}
