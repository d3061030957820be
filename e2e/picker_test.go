//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pickByKeyboard: on the change form, the requester types part of a role's
// name into the picker, reaches the role's Add button with Tab and presses
// Enter; the form comes back with the role in Roles to add, and the change
// is submitted from the keyboard too. Without JavaScript the reason and
// ticket are typed first, Enter in the search field brings the results
// within the same form, and neither the search nor the pick loses them.
func pickByKeyboard(t *testing.T, b *tab, region, cluster, typed, want string, js bool) {
	t.Helper()
	const reason, ticket = "Audit export for the quarterly close", "FIN-42"
	typedKept := func(step string) {
		b.t.Helper()
		if got := b.value(chromedp.CSS("#reason")); got != reason {
			b.fail("after the %s the reason reads %q, want what was typed", step, got)
		}
		if got := b.value(chromedp.CSS("#ticket")); got != ticket {
			b.fail("after the %s the ticket reads %q, want what was typed", step, got)
		}
	}
	b.open(changeFormPath(region, cluster), 200)
	if !js {
		b.tabTo("reason", 60)
		b.press(reason)
		b.tabNext("ticket")
		b.press(ticket)
		b.do(chromedp.Focus(chromedp.CSS("#role-q"), chromedp.NodeVisible))
	} else {
		b.tabTo("role-q", 60)
	}
	b.press(typed)
	if js {
		b.waitFor(chromedp.CSS(`[data-testid="role-result"][data-arn="`+want+`"]`), 5*time.Second)
	} else {
		b.submit(chromedp.KeyEvent(kb.Enter), 200)
		if got := b.value(chromedp.CSS("#role-q")); got != typed {
			b.fail("the search field shows %q after searching, want %q", got, typed)
		}
		typedKept("search")
	}
	if n := b.count(`[data-testid="role-result"]`); n != 1 {
		b.fail("searching %q lists %d roles, want 1", typed, n)
	}
	if got := b.attr(tid("role-result"), "data-trusts"); got != "true" {
		b.fail("the role found is marked trusts=%q", got)
	}
	b.tabTo("role-pick", 60)
	b.submit(chromedp.KeyEvent(kb.Enter), 200)
	if got := strings.TrimSpace(b.value(chromedp.CSS("#add"))); got != want {
		b.fail("Roles to add holds %q after the pick, want %s", got, want)
	}
	if js {
		b.tabTo("reason", 60)
		b.press(reason)
		b.tabNext("ticket")
		b.press(ticket)
		b.tabNext("submit-change")
	} else {
		typedKept("pick")
		b.tabTo("submit-change", 60)
	}
	b.submit(chromedp.KeyEvent(kb.Enter), 200)
	b.wantState("pending")
	if n := b.count(`[data-testid="role-diff"] [data-testid="diff-row"][data-change="added"]`); n != 1 {
		b.fail("the request adds %d roles, want the one picked", n)
	}
	if got := b.text(tid("reason")); got != reason {
		b.fail("the request's reason is %q, want the one typed before the search", got)
	}
}

func TestARequesterFindsARoleByPartOfItsNamePicksItAndSubmitsByKeyboard(t *testing.T) {
	needSuite(t)
	rita := newTab(t, "rita")
	rita.signIn("rita")
	pickByKeyboard(t, rita, "us-east-1", "finance-reporting", "redshiftm", roleARN("RedshiftML"), true)
}

func TestTheRolePickerWorksWithoutJavaScript(t *testing.T) {
	needSuite(t)
	rita := newTab(t, "rita", withoutJS())
	rita.signIn("rita")
	if run(rita, chromedp.Evaluate[string](`typeof window.htmx`)) != "undefined" {
		rita.fail("scripts run although they are disabled")
	}
	pickByKeyboard(t, rita, "eu-west-1", "eu-analytics-prod", "auditexp", roleARN("RedshiftAuditExport"), false)
}
