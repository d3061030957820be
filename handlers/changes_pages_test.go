package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"rolegate/internal/auth"
	"rolegate/internal/change"
)

// A request nobody decides on expires after its time to live, stays in the
// history, and can be resubmitted.
func TestChangeExpiresAndCanBeResubmitted(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.requestTTL = 200 * time.Millisecond })
	app.seedCluster(t, "late")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "late", changeForm([]string{roleA}, nil, "", "Nobody will look at this in time"))
	app.waitState(t, id, change.Expired)
	if n := app.countEvents(t, id, "change.expired"); n != 1 {
		t.Fatalf("change.expired events %d: %v", n, app.changeActions(t, id))
	}
	if res := arno.approve(t, id); res.StatusCode != http.StatusConflict {
		t.Fatalf("approving an expired request: %d", res.StatusCode)
	}
	body := readBody(t, arno.get(t, "/changes?state=expired"))
	if !strings.Contains(body, fmt.Sprintf(`href="/changes/%d"`, id)) {
		t.Fatal("the expired request is missing from the queue's history")
	}
	res := rita.postForm(t, fmt.Sprintf("/changes/%d/resubmit", id), nil)
	if res.StatusCode != http.StatusSeeOther || !changeLocation.MatchString(res.Header.Get("Location")) {
		t.Fatalf("resubmitting an expired request: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
}

// What a page offers follows the same rules the server enforces: the
// requester sees no approve form on their own request, a viewer no way to
// propose, and a request ID that does not exist is 404 for every action.
func TestChangePagesOfferOnlyWhatTheUserMayDo(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "offers")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	vera := app.signIn(t, "vera", auth.RoleViewer)
	arno := app.signIn(t, "arno", auth.RoleApprover)

	page := "/clusters/" + testAccount + "/" + testRegion + "/offers"
	if body := readBody(t, rita.get(t, page)); !strings.Contains(body, page+"/changes/new") {
		t.Fatal("a requester is not offered to propose a change")
	}
	if body := readBody(t, vera.get(t, page)); strings.Contains(body, page+"/changes/new") {
		t.Fatal("a viewer is offered to propose a change")
	}
	id := rita.submit(t, "offers", changeForm([]string{roleA}, nil, "", "Offer only what is allowed"))
	own := readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
	if !regexp.MustCompile(`data-testid="expires">expires in [^<]+, on <time datetime="`).MatchString(own) || strings.Contains(own, "@components") {
		t.Fatal("the pending request does not say when it expires as a time")
	}
	if strings.Contains(own, `data-testid="approve-form"`) || strings.Contains(own, `data-testid="reject-form"`) || !strings.Contains(own, `data-testid="cancel-form"`) {
		t.Fatal("the requester's own request offers approve/reject, or no cancel")
	}
	theirs := readBody(t, arno.get(t, fmt.Sprintf("/changes/%d", id)))
	if !strings.Contains(theirs, `data-testid="approve-form"`) || strings.Contains(theirs, `data-testid="cancel-form"`) {
		t.Fatal("the approver is not offered to approve, or is offered to cancel")
	}
	for _, action := range []string{"approve", "reject", "cancel", "resubmit"} {
		b := arno
		if action == "cancel" || action == "resubmit" {
			b = rita
		}
		res := b.postForm(t, "/changes/999999/"+action, url.Values{"change_hash": {strings.Repeat("0", 64)}, "comment": {"x"}})
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s of a request that does not exist: %d", action, res.StatusCode)
		}
	}
}
