package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rolegate/internal/auth"
)

func accountForm(id, name, role, externalID, regions, tag string) url.Values {
	return url.Values{"id": {id}, "name": {name}, "role_arn": {role}, "external_id": {externalID}, "regions": {regions}, "production_tag": {tag}}
}

func TestAdminManagesAWSAccounts(t *testing.T) {
	app := newTestApp(t)
	admin := app.signIn(t, "ada", auth.RoleAdmin)
	const role = "arn:aws:iam::111122223333:role/RolegateAccess"

	body := wantStatus(t, admin.get(t, "/admin/accounts"), http.StatusOK, "accounts page")
	if !strings.Contains(body, `data-testid="no-accounts"`) || !strings.Contains(body, "us-east-1, eu-west-1") {
		t.Fatal("no word that the dashboard's own account and regions are used")
	}

	// Refused input: 422, a message per field and what was typed kept.
	res := admin.postForm(t, "/admin/accounts", accountForm("111122223333", "analytics", "arn:aws:iam::999999999999:role/X", "", "us-east-1, mars", ""))
	body = wantStatus(t, res, http.StatusUnprocessableEntity, "a role in another account")
	for _, want := range []string{`data-testid="role_arn-error"`, `data-testid="regions-error"`, `value="analytics"`, `value="us-east-1, mars"`} {
		if !strings.Contains(body, want) {
			t.Errorf("422 page lacks %s", want)
		}
	}

	res = admin.postForm(t, "/admin/accounts", accountForm("111122223333", "analytics", role, "ext-secret-42", "us-east-1, eu-west-1", "tier=prod"))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/accounts/111122223333" {
		t.Fatalf("add: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	body = wantStatus(t, admin.get(t, "/admin/accounts/111122223333"), http.StatusOK, "account page")
	if !strings.Contains(body, role) || !strings.Contains(body, "Account analytics (111122223333) added.") {
		t.Error("the account page lacks the role or the flash")
	}
	if strings.Contains(body, "ext-secret-42") {
		t.Error("the account page shows the external ID")
	}

	// The same name twice is refused, on its field.
	res = admin.postForm(t, "/admin/accounts", accountForm("444455556666", "analytics", "arn:aws:iam::444455556666:role/R", "", "", ""))
	if body := wantStatus(t, res, http.StatusUnprocessableEntity, "a taken name"); !strings.Contains(body, `data-testid="name-error"`) {
		t.Error("no name message")
	}

	// Editing with the external ID left empty keeps it.
	res = admin.postForm(t, "/admin/accounts/111122223333", accountForm("", "analytics (BI)", role, "", "ap-southeast-2", "tier=prod"))
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %d", res.StatusCode)
	}
	a, err := app.accounts.Get(context.Background(), "111122223333")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "analytics (BI)" || strings.Join(a.Regions, ",") != "ap-southeast-2" || a.ExternalID != "ext-secret-42" {
		t.Errorf("after edit: %+v", a)
	}
	wantStatus(t, admin.postForm(t, "/admin/accounts/111122223333", accountForm("", "", role, "", "", "")), http.StatusUnprocessableEntity, "an empty name")

	for _, step := range []string{"/disable", "/enable", "/disable"} {
		res := admin.postForm(t, "/admin/accounts/111122223333"+step, nil)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", step, res.StatusCode)
		}
	}
	body = wantStatus(t, admin.get(t, "/admin/accounts"), http.StatusOK, "accounts page")
	if !strings.Contains(body, `data-account="111122223333"`) || !strings.Contains(body, "disabled") {
		t.Error("the list lacks the disabled account")
	}
	wantStatus(t, admin.get(t, "/admin/accounts/999999999999"), http.StatusNotFound, "an unknown account")
	wantStatus(t, admin.get(t, "/admin/accounts/..%2f"), http.StatusNotFound, "a malformed account")

	for action, n := range map[string]int{"account.added": 1, "account.changed": 1, "account.disabled": 2, "account.enabled": 1} {
		if got := app.auditCount(t, action); got != n {
			t.Errorf("%d %s events, want %d", got, action, n)
		}
	}
}

func TestOnlyAdminsSeeTheAccountsLink(t *testing.T) {
	app := newTestApp(t)
	body := wantStatus(t, app.signIn(t, "ada", auth.RoleAdmin).get(t, "/clusters"), http.StatusOK, "clusters as admin")
	if !strings.Contains(body, `href="/admin/accounts"`) {
		t.Error("an admin has no link to the accounts")
	}
	body = wantStatus(t, app.signIn(t, "arno", auth.RoleApprover).get(t, "/clusters"), http.StatusOK, "clusters as approver")
	if strings.Contains(body, `href="/admin/accounts"`) {
		t.Error("an approver sees the accounts link")
	}
}
