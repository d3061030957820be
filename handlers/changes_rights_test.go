package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

// A requester whose role is taken away keeps their pending request, but
// the page no longer offers them to cancel it, because the server would
// refuse: the page asks the same permission function the service enforces.
func TestChangePageFollowsTheRoleAfterADemotion(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "demoted")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	ada := app.signIn(t, "ada", auth.RoleAdmin)
	id := rita.submit(t, "demoted", changeForm([]string{roleA}, nil, "", "Before the role is taken away"))
	page := fmt.Sprintf("/changes/%d", id)
	if body := readBody(t, rita.get(t, page)); !strings.Contains(body, `data-testid="cancel-form"`) {
		t.Fatal("the requester is not offered to cancel their own pending request")
	}

	u := app.ensureUser(t, "rita", auth.RoleRequester)
	res := ada.postForm(t, fmt.Sprintf("/admin/users/%d/role", u.ID), url.Values{"role": {"viewer"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("demoting rita: %d\n%s", res.StatusCode, readBody(t, res))
	}
	res.Body.Close()

	res = rita.get(t, page)
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the request page for the demoted requester: %d", res.StatusCode)
	}
	for _, form := range []string{"cancel-form", "resubmit-form", "approve-form", "reject-form"} {
		if strings.Contains(body, `data-testid="`+form+`"`) {
			t.Errorf("a viewer is offered the %s on their old request", form)
		}
	}
	if res := rita.postForm(t, page+"/cancel", nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a viewer cancelling: %d", res.StatusCode)
	}
}

// A refused rejection names the rejection's own comment field: the message
// and the text typed stay in the reject form, which is open, and the
// approval's comment stays empty.
func TestChangeRejectErrorStaysInTheRejectForm(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "wordy")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "wordy", changeForm([]string{roleA}, nil, "", "Please add the loader role"))
	long := strings.Repeat("too many words ", 200)
	res := arno.postForm(t, fmt.Sprintf("/changes/%d/reject", id), url.Values{"comment": {long}})
	body := readBody(t, res)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an over-long rejection: %d", res.StatusCode)
	}
	reject := regexp.MustCompile(`(?s)<details open[^>]*>\s*<summary>Reject…</summary>.*?<textarea id="reject-comment"[^>]*>([^<]*)</textarea>.*?id="reject-error"[^>]*>([^<]*)<`).FindStringSubmatch(body)
	if reject == nil {
		t.Fatalf("no open reject form with its message:\n%s", body)
	}
	if reject[1] != long || !strings.Contains(reject[2], "keep the comment under") {
		t.Fatalf("reject form keeps %q with message %q", reject[1], reject[2])
	}
	approve := regexp.MustCompile(`(?s)<textarea id="approve-comment"[^>]*>([^<]*)</textarea>`).FindStringSubmatch(body)
	if approve == nil || approve[1] != "" || strings.Contains(body, `id="comment-error"`) {
		t.Fatalf("the approval's comment field took the rejection's text or message: %q", approve)
	}
}
