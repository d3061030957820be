package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"rolegate/internal/auth"
)

// idsIn lists the request IDs of the rows selector matches, each row
// linking its request.
func idsIn(d *goquery.Document, selector string) []int64 {
	var out []int64
	d.Find(selector).Each(func(_ int, s *goquery.Selection) {
		href := s.Find(`a[href^="/changes/"]`).First().AttrOr("href", "")
		if id, err := strconv.ParseInt(strings.TrimPrefix(href, "/changes/"), 10, 64); err == nil {
			out = append(out, id)
		}
	})
	return out
}

func sameIDs(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// The queue filters by account and region as well as by cluster, and a
// cluster page lists (and links to) that cluster's requests in its own
// account only.
func TestTheQueueAndTheClusterPageFilterRequestsByAccount(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	inAnalytics := rita.submitIn(t, analyticsAccount, "shared", changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive"))
	inMain := rita.submitIn(t, testAccount, "shared", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))

	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"cluster=shared", []int64{inMain, inAnalytics}},
		{"cluster=shared&account=" + analyticsAccount, []int64{inAnalytics}},
		{"cluster=shared&account=" + testAccount + "&region=" + testRegion, []int64{inMain}},
		{"account=" + analyticsAccount, []int64{inAnalytics}},
		{"cluster=shared&region=us-west-2", nil},
	} {
		d := doc(t, rita.get(t, "/changes?"+tc.query), http.StatusOK)
		if got := idsIn(d, `[data-testid="change-row"]`); !sameIDs(got, tc.want...) {
			t.Errorf("/changes?%s lists %v, want %v", tc.query, got, tc.want)
		}
	}
	// The account filter offers the accounts by name and keeps the choice.
	d := doc(t, rita.get(t, "/changes?account="+analyticsAccount), http.StatusOK)
	if sel := d.Find(`[data-testid="filter-account"] option[selected]`); sel.AttrOr("value", "") != analyticsAccount || !strings.Contains(sel.Text(), "analytics") {
		t.Errorf("the account filter shows %q selected", sel.Text())
	}
	// A value that is no account is refused next to the field, as typed.
	d = doc(t, rita.get(t, "/changes?account=12345"), http.StatusUnprocessableEntity)
	if msg := d.Find("#account-error").Text(); !strings.Contains(msg, `"12345"`) {
		t.Errorf("the account filter's message %q", msg)
	}
	d = doc(t, rita.get(t, "/changes?region="+url.QueryEscape("<eu>")), http.StatusUnprocessableEntity)
	if d.Find("#region-error").Text() == "" || d.Find(`[data-testid="filter-region"]`).AttrOr("value", "") != "<eu>" {
		t.Error("a bad region filter is not refused next to the field with what was typed")
	}

	// Each cluster page lists its own account's request and links the
	// queue filtered to it.
	for account, want := range map[string]int64{analyticsAccount: inAnalytics, testAccount: inMain} {
		d := doc(t, rita.get(t, "/clusters/"+account+"/"+testRegion+"/shared"), http.StatusOK)
		if got := idsIn(d, `[data-testid="cluster-change"]`); !sameIDs(got, want) {
			t.Errorf("the page of shared in %s lists %v, want [%d]", account, got, want)
		}
		link, _ := d.Find(`a:contains("All change requests for this cluster")`).Attr("href")
		u, err := url.Parse(link)
		if err != nil || u.Query().Get("account") != account || u.Query().Get("region") != testRegion || u.Query().Get("cluster") != "shared" {
			t.Errorf("the page of shared in %s links the queue at %q", account, link)
		}
	}
}

// A request stored before accounts existed names none (the store wrote
// ""): it belongs to the account Rolegate runs in, so it shows on that
// account's cluster page, in the queue filtered to that account, and as
// that cluster's open request, never on the same-named cluster of
// another account.
func TestARequestStoredBeforeAccountsBelongsToTheHomeAccount(t *testing.T) {
	app := newTestAppWith(t, twoAccounts)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	old := rita.submitIn(t, testAccount, "shared", changeForm([]string{roleA}, nil, "", "Copy jobs need the new role"))
	if _, err := app.db.Writer().Exec(`UPDATE change_requests SET account = '' WHERE id = ?`, old); err != nil {
		t.Fatal(err)
	}

	d := doc(t, rita.get(t, "/clusters/"+testAccount+"/"+testRegion+"/shared"), http.StatusOK)
	if got := idsIn(d, `[data-testid="cluster-change"]`); !sameIDs(got, old) {
		t.Errorf("the home account's shared lists %v, want [%d]", got, old)
	}
	if d.Find(`[data-testid="cluster-open-requests"]`).Length() == 0 {
		t.Error("the home account's shared does not show the old request as open")
	}
	d = doc(t, rita.get(t, "/clusters/"+analyticsAccount+"/"+testRegion+"/shared"), http.StatusOK)
	if got := idsIn(d, `[data-testid="cluster-change"]`); len(got) != 0 || d.Find(`[data-testid="cluster-open-requests"]`).Length() != 0 {
		t.Errorf("analytics' shared lists the home account's old request: %v", got)
	}
	for account, want := range map[string][]int64{testAccount: {old}, analyticsAccount: nil} {
		d := doc(t, rita.get(t, "/changes?cluster=shared&account="+account), http.StatusOK)
		if got := idsIn(d, `[data-testid="change-row"]`); !sameIDs(got, want...) {
			t.Errorf("the queue of shared in %s lists %v, want %v", account, got, want)
		}
	}
	// The old request is the home cluster's open request: another there
	// needs it seen first, one on analytics' shared does not.
	wantStatus(t, rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/shared/changes", changeForm([]string{roleB}, nil, "", "Unload jobs need their own role")), http.StatusUnprocessableEntity, "a second request on the home cluster")
	rita.submitIn(t, analyticsAccount, "shared", changeForm([]string{analyticsNew}, nil, "", "UNLOAD to the analytics archive"))
}
