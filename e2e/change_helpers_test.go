//go:build e2e

package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// demoAccount is the AWS account of the demo world's clusters and roles.
const demoAccount = "123456789012"

// roleARN is a role of the demo account.
func roleARN(name string) string { return "arn:aws:iam::" + demoAccount + ":role/" + name }

// inSyncLimit bounds the wait for roles to turn in-sync: the demo keeps a
// role adding for several seconds and the worker polls the cluster.
const inSyncLimit = 90 * time.Second

// draft is what a person types into the new-change form.
type draft struct {
	add    []string
	remove []string // ARNs whose checkbox is ticked
	def    string   // picked after a preview, from the resulting set
	reason string
	ticket string
	// confirmOpen ticks that the requester has read the cluster's open
	// requests and wants another.
	confirmOpen bool
}

// changeFormPath is the new-change form of a cluster of the demo's
// default account.
func changeFormPath(region, cluster string) string {
	return "/clusters/" + demoAccount + "/" + region + "/" + cluster + "/changes/new"
}

// fillChange types the draft into the new-change form shown in the tab.
// When the draft picks a default it first asks for a preview, which brings
// the added roles into the default's choices (with or without JavaScript).
func (b *tab) fillChange(d draft) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(tid("change-form")))
	for _, f := range []struct{ sel, value string }{
		{"#add", strings.Join(d.add, "\n")},
		{"#reason", d.reason},
		{"#ticket", d.ticket},
	} {
		// SetValue cannot set an empty value; the fields start empty.
		if f.value != "" {
			b.do(chromedp.SetValue(chromedp.CSS(f.sel), f.value))
		}
	}
	for _, arn := range d.remove {
		b.do(chromedp.Click(chromedp.CSS(`input[name="remove"][value="`+arn+`"]`), chromedp.NodeVisible))
	}
	if d.confirmOpen {
		b.do(chromedp.Click(tid("confirm-open"), chromedp.NodeVisible))
	}
	if d.def != "" {
		b.click(tid("preview-change"))
		b.do(chromedp.SetValue(chromedp.CSS("#default"), d.def))
		// Picking a default makes the live preview swap the list for the
		// server's, with the same pick; reading it in one script sees one
		// list or the other, never a node swapped out between two steps.
		if got := run(b, chromedp.Evaluate[string](`document.querySelector("#default").value`)); got != d.def {
			b.fail("the default role list does not offer %s after the preview (got %q)", d.def, got)
		}
	}
}

// submitChange submits the filled form and returns the request page's path
// and the request's ID.
func (b *tab) submitChange() (path, id string) {
	b.t.Helper()
	b.click(tid("submit-change"))
	loc := b.location()
	m := regexp.MustCompile(`(/changes/(\d+))$`).FindStringSubmatch(loc)
	if m == nil {
		b.fail("submitting the change led to %s, not a request page", loc)
	}
	return m[1], m[2]
}

// proposeChange opens a cluster's new-change form, fills and submits it.
func (b *tab) proposeChange(region, cluster string, d draft) (path, id string) {
	b.t.Helper()
	b.open(changeFormPath(region, cluster), 200)
	b.fillChange(d)
	return b.submitChange()
}

// state is the request's state as its page shows it.
func (b *tab) state() string {
	b.t.Helper()
	return b.attr(chromedp.CSS(`[data-testid="change-status"] [data-testid="change-state"]`), "data-state")
}

// wantState fails unless the request page shows the state.
func (b *tab) wantState(want string) {
	b.t.Helper()
	if got := b.state(); got != want {
		b.fail("the request is %q, want %q", got, want)
	}
}

// inSyncSel matches the status panel once the request reached in-sync.
const inSyncSel = `[data-testid="change-status"] [data-testid="change-state"][data-state="in-sync"]`

// reloadUntilInSync reloads the request page (as a person without
// JavaScript would) until the request is in-sync, within inSyncLimit.
func (b *tab) reloadUntilInSync(path string) {
	b.t.Helper()
	deadline := time.Now().Add(inSyncLimit)
	for {
		b.open(path, 200)
		s := b.state()
		switch {
		case s == "in-sync":
			return
		case s == "failed" || s == "stale" || s == "rejected":
			b.fail("the request ended %q instead of in-sync", s)
		case time.Now().After(deadline):
			b.fail("the request is still %q after %s", s, inSyncLimit)
		}
		b.do(chromedp.Sleep(time.Second))
	}
}

// liveRoleStatus is the ApplyStatus the request page shows for a role of
// the cluster, "" when the role is not listed.
func (b *tab) liveRoleStatus(arn string) string {
	b.t.Helper()
	sel := fmt.Sprintf(`[data-testid="live-role"][data-arn=%q] [data-testid="apply-status"]`, arn)
	if b.count(sel) == 0 {
		return ""
	}
	return b.attr(chromedp.CSS(sel), "data-status")
}

// focused names the element that has the keyboard focus: its id, else its
// data-testid, else its tag.
func (b *tab) focused() string {
	b.t.Helper()
	return run(b, chromedp.Evaluate[string](`(() => { const e = document.activeElement; return e ? (e.id || e.dataset.testid || e.tagName.toLowerCase()) : "" })()`))
}

// press sends keys (kb constants or text) to the focused element.
func (b *tab) press(keys string) {
	b.t.Helper()
	b.do(chromedp.KeyEvent(keys))
}

// tabTo presses Tab until the element named want has the focus, at most
// max times, and returns how many presses it took.
func (b *tab) tabTo(want string, max int) int {
	b.t.Helper()
	var seen []string
	for i := 0; i <= max; i++ {
		got := b.focused()
		if got == want {
			b.wantFocusRing()
			return i
		}
		seen = append(seen, got)
		b.press("\t")
	}
	b.fail("Tab never reached %s; the focus went %s", want, strings.Join(seen, " → "))
	return 0
}

// tabNext presses Tab once and fails unless want has the focus then.
func (b *tab) tabNext(want string) {
	b.t.Helper()
	b.press("\t")
	if got := b.focused(); got != want {
		b.fail("Tab moved the focus to %q, want %q", got, want)
	}
	b.wantFocusRing()
}

// wantFocusRing fails unless the focused element shows where the focus
// is: an outline or a box shadow.
func (b *tab) wantFocusRing() {
	b.t.Helper()
	ring := run(b, chromedp.Evaluate[string](`(() => {
		const s = getComputedStyle(document.activeElement);
		if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) return "outline";
		if (s.boxShadow && s.boxShadow !== "none") return "shadow";
		return "";
	})()`))
	if ring == "" {
		b.fail("the focused %s shows no focus ring", b.focused())
	}
}
