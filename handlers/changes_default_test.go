package handlers_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

// The live preview sends the default role's list again only when its
// choices changed: picking a default (a change of the form, which asks for
// a preview too) must not replace the list under the user's hands and take
// the keyboard focus from it.
func TestLivePreviewReplacesTheDefaultListOnlyWhenItsChoicesChange(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "picky", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	base := "/clusters/" + testAccount + "/" + testRegion + "/picky/changes"
	offered := regexp.MustCompile(`name="default_offered" value="([0-9a-f]+)"`)

	page := wantStatus(t, rita.get(t, base+"/new"), http.StatusOK, "the form")
	m := offered.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the form carries no name of its default list:\n%s", page)
	}
	preview := func(add []string, sent string) string {
		t.Helper()
		form := changeForm(add, nil, "", "A reason long enough for the checks")
		form.Set("default_offered", sent)
		form.Set("_csrf", rita.csrfToken(t))
		return wantStatus(t, rita.postRaw(t, base+"/preview", form, map[string]string{"HX-Request": "true"}), http.StatusOK, "live preview")
	}
	if body := preview(nil, m[1]); strings.Contains(body, `id="default"`) {
		t.Fatalf("the choices did not change, yet the preview replaces the default list:\n%s", body)
	}
	body := preview([]string{roleA}, m[1])
	if !strings.Contains(body, `id="default"`) || !strings.Contains(body, roleA) {
		t.Fatalf("a typed role did not join the default list:\n%s", body)
	}
	n := offered.FindStringSubmatch(body)
	if n == nil || n[1] == m[1] {
		t.Fatalf("the new list's name was not sent with it (%v, before %s)", n, m[1])
	}
	if body := preview([]string{roleA}, n[1]); strings.Contains(body, `id="default"`) {
		t.Fatalf("the list already offers the typed role, yet the preview replaces it:\n%s", body)
	}
}
