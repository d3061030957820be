//go:build e2e

package e2e

import (
	"strings"
	"testing"

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
