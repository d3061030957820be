package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
)

// An approver whose sign-in is too old types a comment and presses
// Approve: re-authenticating must not lose the comment. It comes back,
// once, into the approve form of that request (never through a URL), and
// nothing is approved until the approver presses Approve again.
func TestApproveCommentKeptAcrossReauthentication(t *testing.T) {
	clock := newTestClock()
	app := newTestAppWith(t, func(o *testOptions) { o.now = clock.now })
	app.seedCluster(t, "kept", roleOld)
	app.seedCluster(t, "other", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	id := rita.submit(t, "kept", changeForm([]string{roleA}, nil, "", "COPY from the new landing bucket"))
	otherID := rita.submit(t, "other", changeForm([]string{roleB}, nil, "", "UNLOAD to the archive bucket"))
	arno := app.signIn(t, "arno", auth.RoleApprover)
	hash := arno.hashOf(t, id)
	page := "/changes/" + itoa(id)

	clock.advance(16 * time.Minute)
	const comment = "Checked with the data team: bucket <landing> & prefix \"2026/\""
	res := arno.postForm(t, page+"/approve", url.Values{"change_hash": {hash}, "comment": {comment}})
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || loc != "/reauth?next="+url.QueryEscape(page) {
		t.Fatalf("a stale approve: %d %q, want 303 to /reauth", res.StatusCode, loc)
	}
	if strings.Contains(loc, "Checked") || strings.Contains(loc, "comment") {
		t.Fatalf("the comment went into the URL %q", loc)
	}
	body := wantStatus(t, arno.get(t, loc), http.StatusOK, "the re-auth page")
	if !strings.Contains(body, `data-testid="reauth-comment-kept"`) {
		t.Error("the re-auth page does not say the comment is kept")
	}
	res = arno.postForm(t, "/reauth", url.Values{"password": {testPassword("arno")}, "next": {page}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page {
		t.Fatalf("re-auth: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// Another request's page does not take it.
	if body := wantStatus(t, arno.get(t, "/changes/"+itoa(otherID)), http.StatusOK, "another request"); strings.Contains(body, "Checked with the data team") {
		t.Fatal("another request's approve form got the kept comment")
	}
	body = wantStatus(t, arno.get(t, page), http.StatusOK, "back on the request")
	if !strings.Contains(html.UnescapeString(body), ">"+comment+"</textarea>") {
		t.Fatalf("the approve form lost the comment typed before re-authenticating:\n%s", body)
	}
	if !strings.Contains(body, `data-testid="comment-kept"`) {
		t.Error("the page does not say the comment was kept and nothing is approved yet")
	}
	if n := app.countEvents(t, id, "change.approved"); n != 0 {
		t.Fatalf("%d approvals recorded before the approver approved again", n)
	}
	// Kept once: the next visit shows an empty form.
	if body := wantStatus(t, arno.get(t, page), http.StatusOK, "the request again"); strings.Contains(body, "Checked with the data team") || strings.Contains(body, `data-testid="comment-kept"`) {
		t.Fatal("the kept comment came back a second time")
	}

	res = arno.postForm(t, page+"/approve", url.Values{"change_hash": {hash}, "comment": {comment}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != page {
		t.Fatalf("approving after re-auth: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	r, err := app.changes.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Approvals) != 1 || r.Approvals[0].Comment != comment {
		t.Fatalf("approvals %+v, want one with the comment", r.Approvals)
	}
}
