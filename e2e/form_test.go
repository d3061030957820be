//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBadARNMessageBesideField: a malformed ARN is refused with 422; the
// message sits in the add field's own block, is tied to it by
// aria-describedby, names what is wrong, and everything typed is kept.
// Nothing is stored.
func TestBadARNMessageBesideField(t *testing.T) {
	needSuite(t)
	const region, cluster = "eu-west-1", "eu-logistics"
	const bad = "arn:aws:iam::12345:role/LoaderRole"
	const reason = "Loader jobs need their own role"
	good := roleARN("RedshiftSpectrum")

	rita := newTab(t, "rita")
	rita.signIn("rita")
	rita.open(changeFormPath(region, cluster), 200)
	rita.do(
		chromedp.SetValue(chromedp.CSS("#add"), good+"\n"+bad),
		chromedp.SetValue(chromedp.CSS("#reason"), reason),
		chromedp.SetValue(chromedp.CSS("#ticket"), "OPS-77"),
	)
	rita.allowStatus(422)
	rita.submit(chromedp.Click(tid("submit-change"), chromedp.NodeVisible), 422)

	msg := rita.text(tid("add-error"))
	if !strings.Contains(msg, "12345") || !strings.Contains(msg, "12 digits") {
		rita.fail("the add field's message is %q; it should quote the ARN and say the account needs 12 digits", msg)
	}
	beside := run(rita, chromedp.Evaluate[bool](`(() => {
		const f = document.getElementById("add");
		const m = document.querySelector('[data-testid="add-error"]');
		return f.closest(".field") === m.closest(".field") && f.getAttribute("aria-describedby").split(" ").includes(m.id);
	})()`))
	if !beside {
		rita.fail("the message is not in the add field's block or not named by its aria-describedby")
	}
	if got := rita.attr(chromedp.CSS("#add"), "aria-invalid"); got != "true" {
		rita.fail("the add field has aria-invalid=%q", got)
	}
	if got := rita.value(chromedp.CSS("#add")); got != good+"\n"+bad {
		rita.fail("the add field was not kept: %q", got)
	}
	if got := rita.value(chromedp.CSS("#reason")); got != reason {
		rita.fail("the reason was not kept: %q", got)
	}
	if got := rita.value(chromedp.CSS("#ticket")); got != "OPS-77" {
		rita.fail("the ticket was not kept: %q", got)
	}
	if n := rita.count(`[data-testid="form-errors"]`); n != 1 {
		rita.fail("no summary banner above the form")
	}
	if n := rita.count(`[data-testid="reason-error"], [data-testid="ticket-error"], [data-testid="default-error"]`); n != 0 {
		rita.fail("fields without a fault carry a message")
	}

	// Nothing was stored.
	rita.open("/changes?cluster="+cluster, 200)
	if n := rita.count(`[data-testid="change-row"]`); n != 0 {
		rita.fail("the refused request was stored: the queue lists %d for %s", n, cluster)
	}
}

// TestDefaultFollowsTypedRoles: two ARNs typed into Roles to add become
// choices of the default role as they are typed, without pressing Preview,
// and one of them can be picked.
func TestDefaultFollowsTypedRoles(t *testing.T) {
	needSuite(t)
	const region, cluster = "eu-west-1", "eu-gdpr-archive"
	copyUnload, spectrum := roleARN("RedshiftCopyUnload"), roleARN("RedshiftSpectrum")

	rita := newTab(t, "rita")
	rita.signIn("rita")
	rita.open(changeFormPath(region, cluster), 200)
	if n := rita.count(`#default option[value="` + spectrum + `"]`); n != 0 {
		rita.fail("the default list offers %s before it is typed", spectrum)
	}
	rita.do(chromedp.SendKeys(chromedp.CSS("#add"), copyUnload+"\n"+spectrum, chromedp.NodeVisible))
	for _, arn := range []string{copyUnload, spectrum} {
		rita.waitFor(chromedp.CSS(`[data-testid="preview"] [data-testid="diff-row"][data-change="added"]`), 10*time.Second)
		waitUntil(rita, fmt.Sprintf(`document.querySelector('#default option[value=%q]') !== null`, arn), 10*time.Second,
			"the default list does not offer "+arn+" after typing it")
	}
	// Pick it as a person does (a change event), once the previews asked
	// for while typing have answered; the preview that the pick asks for
	// shows it as the new default, and the list keeps it.
	idle := `document.querySelector('.htmx-request') === null`
	waitUntil(rita, idle, 10*time.Second, "the previews asked for while typing did not answer")
	run(rita, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const s = document.getElementById("default"); s.value = %q; return s.dispatchEvent(new Event("change", {bubbles: true})); })()`, spectrum)))
	waitUntil(rita, idle+` && document.querySelector('[data-testid="preview-default"]').textContent === `+jsString(spectrum), 10*time.Second,
		"the preview does not show the picked default")
	if got := run(rita, chromedp.Evaluate[string](`document.getElementById("default").value`)); got != spectrum {
		rita.fail("picking %s as the default gave %q", spectrum, got)
	}
	if got := rita.location(); !strings.HasSuffix(got, changeFormPath(region, cluster)) {
		rita.fail("the page was reloaded: %s", got)
	}
}

// TestThreeBadLinesAtOnce: three malformed lines give three messages in
// one refusal, each naming its whole line, and the preview lists none of
// them as "+ added".
func TestThreeBadLinesAtOnce(t *testing.T) {
	needSuite(t)
	const region, cluster = "eu-west-1", "eu-logistics"
	good := roleARN("RedshiftSpectrum")
	bad := []string{
		"arn:aws:iam::12345:role/RedshiftCopyUnloadNightly",
		"arn:aws:iam::" + demoAccount + ":user/RedshiftCopyUnloadNightly",
		"arn:aws:iam::" + demoAccount + ":role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift",
	}
	rita := newTab(t, "rita")
	rita.signIn("rita")
	rita.open(changeFormPath(region, cluster), 200)
	rita.do(
		chromedp.SetValue(chromedp.CSS("#add"), good+"\n"+strings.Join(bad, "\n")),
		chromedp.SetValue(chromedp.CSS("#reason"), "Loader jobs need their own roles"),
	)
	rita.allowStatus(422)
	rita.submit(chromedp.Click(tid("submit-change"), chromedp.NodeVisible), 422)

	if n := rita.count(`[data-testid="add-error"] [data-testid="field-error-line"]`); n != len(bad) {
		rita.fail("the add field shows %d messages, want %d", n, len(bad))
	}
	msg := rita.text(tid("add-error"))
	for _, line := range bad {
		if !strings.Contains(msg, line) {
			rita.fail("no message names the whole line %s: %q", line, msg)
		}
	}
	added := run(rita, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="preview"] [data-testid="diff-row"][data-change="added"] td:first-child')].map(e => e.textContent)`))
	if len(added) != 1 || added[0] != good {
		rita.fail("the preview lists as added %q, want only %s", added, good)
	}
	if got := rita.attr(chromedp.CSS(`[data-testid="check"][data-check="service-linked"]`), "data-status"); got != "fail" {
		rita.fail("the service-linked check is %q with AWSServiceRoleForRedshift to add", got)
	}
}

// waitUntil waits up to limit for the JavaScript expression to be true.
func waitUntil(b *tab, expr string, limit time.Duration, why string) {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for !run(b, chromedp.Evaluate[bool](expr)) {
		if time.Now().After(deadline) {
			b.fail("%s", why)
		}
		b.do(chromedp.Sleep(100 * time.Millisecond))
	}
}
