//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestKeyboardOnly: the sign-in form, the new-change form and the approve
// form are completed with Tab, typing and Enter alone; the focus moves
// field by field in reading order, and Enter on the submit button submits.
func TestKeyboardOnly(t *testing.T) {
	needSuite(t)
	const region, cluster = "ap-southeast-2", "apac-poc"
	ml := roleARN("RedshiftML")
	spectrum := roleARN("RedshiftSpectrum")

	rita := newTab(t, "rita")
	rita.open("/login", 200)
	rita.tabTo("username", 8)
	rita.press("rita")
	rita.tabNext("password")
	rita.press(demoPassword)
	rita.tabNext("sign-in")
	rita.submit(chromedp.KeyEvent(kb.Enter), 200)
	if got := rita.text(tid("current-user")); !strings.Contains(got, "Rita") {
		rita.fail("Enter on Sign in did not sign in: the header shows %q", got)
	}

	rita.open(changeFormPath(region, cluster), 200)
	rita.tabTo("add", 20)
	rita.press(spectrum)
	// The role picker sits under Roles to add, inside the form.
	rita.tabNext("role-q")
	rita.tabNext("role-search-submit")
	rita.tabNext("remove-0") // apac-poc's one role; left unticked
	rita.tabNext("default")
	rita.press(kb.ArrowDown) // the first role: RedshiftML, kept
	if got := rita.value(chromedp.CSS("#default")); got != ml {
		rita.fail("ArrowDown on the default list picked %q, want %s", got, ml)
	}
	rita.tabNext("reason")
	rita.press("Spectrum for the proof of concept")
	rita.tabNext("ticket")
	rita.press("POC-9")
	rita.tabNext("submit-change")
	rita.submit(chromedp.KeyEvent(kb.Enter), 200)
	rita.wantState("pending")
	if got := rita.text(tid("reason")); got != "Spectrum for the proof of concept" {
		rita.fail("the request's reason is %q", got)
	}
	if n := rita.count(`[data-testid="role-diff"] [data-testid="diff-row"][data-change="added"]`); n != 1 {
		rita.fail("the request adds %d roles, want the one typed", n)
	}
	if got := rita.text(tid("result-default")); got != ml {
		rita.fail("the request's default is %q, want %s", got, ml)
	}
	path := rita.location()

	arno := newTab(t, "arno")
	arno.signIn("arno")
	arno.open(strings.TrimPrefix(path, suite.baseURL), 200)
	arno.tabTo("approve-comment", 40)
	arno.press("Fine for a sandbox")
	arno.tabNext("approve")
	arno.submit(chromedp.KeyEvent(kb.Enter), 200)
	if s := arno.state(); s == "pending" {
		arno.fail("Enter on Approve left the request pending")
	}
}
