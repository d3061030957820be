package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// hiddenRunes are characters no page may show raw.
const hiddenRunes = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u200c\u200d\u2060\ufeff"

// words is the element's text content as a reader or a screen reader
// gets it: split on white space.
func words(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

func TestBidiAndInvisibleCharactersShownOnTheClusterPage(t *testing.T) {
	const value = "abc\u202egnp.exe"
	app := newTestAppWith(t, func(o *testOptions) {
		o.seeds = []redshiftsim.Seed{{Region: testRegion, Cluster: redshiftsim.ClusterSpec{
			ID:   "tricky",
			Tags: map[string]string{"owner\u200b": value, "team": "data"},
		}}}
	})
	b := app.signIn(t, "vera", auth.RoleViewer)
	res := b.get(t, "/clusters/"+testAccount+"/"+testRegion+"/tricky")
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("cluster page: %d %v", res.StatusCode, err)
	}
	if i := strings.IndexAny(string(raw), hiddenRunes); i >= 0 {
		t.Fatalf("the page shows a hidden character raw: …%q…", raw[max(0, i-40):min(len(raw), i+40)])
	}
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(string(raw)))
	var tags []string
	d.Find(`[data-testid="tags"]`).Children().Each(func(_ int, s *goquery.Selection) { tags = append(tags, words(s)) })
	if got := strings.Join(tags, " | "); got != "owner⟨U+200B⟩ | abc⟨U+202E⟩gnp.exe | team | data" {
		t.Fatalf("tags read %q", got)
	}
	if snap := d.Find(`[data-testid="snapshot-json"]`).Text(); !strings.Contains(snap, "abc⟨U+202E⟩gnp.exe") {
		t.Fatalf("snapshot shown as %q", snap)
	}
	// The download is the snapshot as the API returned it, byte for byte.
	res = b.get(t, "/clusters/"+testAccount+"/"+testRegion+"/tricky/snapshot.json")
	body := readBody(t, res)
	if !strings.Contains(body, value) || !strings.Contains(body, "owner\u200b") {
		t.Fatalf("the snapshot download does not keep the tag exactly:\n%s", body)
	}
}

func TestRequestPageShowsHiddenCharactersAndSeparatesBadges(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "sales", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	reason := "Load the new bucket abc\u202egnp.exe for \u2066sales\u2069"
	form := changeForm([]string{roleA}, nil, "", reason)
	form.Set("ticket", "OPS-\u200b42")
	id := rita.submit(t, "sales", form)
	if res := arno.approve(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	app.waitState(t, id, change.InSync)
	r, err := app.changes.Get(context.Background(), id)
	if err != nil || r.Reason != reason || r.Ticket != "OPS-\u200b42" {
		t.Fatalf("stored reason %q ticket %q (%v)", r.Reason, r.Ticket, err)
	}

	res := arno.get(t, fmt.Sprintf("/changes/%d", id))
	raw := readBody(t, res)
	if i := strings.IndexAny(raw, hiddenRunes); i >= 0 {
		t.Fatalf("the request page shows a hidden character raw: …%q…", raw[max(0, i-40):min(len(raw), i+40)])
	}
	d, _ := goquery.NewDocumentFromReader(strings.NewReader(raw))
	if got := words(d.Find(`[data-testid="reason"]`)); got != "Load the new bucket abc⟨U+202E⟩gnp.exe for ⟨U+2066⟩sales⟨U+2069⟩" {
		t.Errorf("reason reads %q", got)
	}
	if got := words(d.Find(`[data-testid="ticket"]`)); got != "OPS-⟨U+200B⟩42" {
		t.Errorf("ticket reads %q", got)
	}
	// Badges are words of their own in the text content.
	status := words(d.Find(`[data-testid="change-status"] p`).First())
	if !strings.Contains(status, "State: in-sync attempts 1") {
		t.Errorf("status line reads %q", status)
	}
	live := d.Find(`[data-testid="live-role"][data-arn="` + roleA + `"]`)
	if got := words(live); got != roleA+" in-sync" {
		t.Errorf("live role reads %q", got)
	}
}
