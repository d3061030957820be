package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"rolegate/internal/auth"
)

var (
	// oneTimeFormat is how every page writes a moment.
	oneTimeFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`)
	// Other ways of writing a time in page text: without seconds, without
	// the zone, or RFC 3339.
	otherTimeFormats = regexp.MustCompile(`>[^<]*(\d{4}-\d\d-\d\d \d\d:\d\d UTC|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<)`)
	shownTimes       = regexp.MustCompile(`(?:data-testid="when">|<td class="nowrap small">|<td class="nowrap small mono">)(\d{4}-[^<]*)<`)
)

// Every page writes times one way: absolute, to the second, with the zone
// (and a relative hint beside some). The audit filters' examples are hints
// under their labels, not placeholders that look like filters already set.
func TestTimesReadAlikeOnEveryPage(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "clock", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	ada := app.signIn(t, "ada", auth.RoleAdmin)
	id := rita.submit(t, "clock", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))

	for _, path := range []string{"/changes", fmt.Sprintf("/changes/%d", id), "/clusters/" + testAccount + "/" + testRegion + "/clock", "/audit", "/audit/events/1", "/clusters"} {
		body := wantStatus(t, ada.get(t, path), http.StatusOK, path)
		if m := otherTimeFormats.FindStringSubmatch(body); m != nil {
			t.Errorf("%s writes a time as %q", path, m[1])
		}
		for _, m := range shownTimes.FindAllStringSubmatch(body, -1) {
			if !oneTimeFormat.MatchString(m[1]) {
				t.Errorf("%s shows the time %q", path, m[1])
			}
		}
	}
	body := wantStatus(t, ada.get(t, "/audit"), http.StatusOK, "audit")
	if regexp.MustCompile(`<input[^>]* placeholder=`).MatchString(body) {
		t.Errorf("the audit filters still have placeholders")
	}
}
