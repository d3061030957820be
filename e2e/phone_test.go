//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// onPhone makes the tab a phone's: 390 × 844 CSS pixels, mobile, touch.
func onPhone() tabOption { return func(c *tabConfig) { c.phone = true } }

// fingerSize is the smallest control a finger hits reliably, in CSS
// pixels (WCAG 2.2 2.5.5, Apple's and Google's guidelines).
const fingerSize = 44

// box is where an element lies in the viewport, in CSS pixels.
type box struct {
	Left   float64 `json:"left"`
	Top    float64 `json:"top"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Screen float64 `json:"screen"` // the viewport's width
}

// tapping scrolls the element into the middle of the screen and touches
// it with one finger (a touch start and end, which the browser turns into
// a tap and a click). It fails unless the element is at least fingerSize
// on each side and lies wholly within the screen's width.
func tapping(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		bx, err := chromedp.Run(ctx, chromedp.Evaluate[box](fmt.Sprintf(`(() => {
			const e = document.querySelector(%q);
			if (!e) return null;
			e.scrollIntoView({block: "center", inline: "nearest"});
			const r = e.getBoundingClientRect();
			return {left: r.left, top: r.top, width: r.width, height: r.height, screen: window.innerWidth};
		})()`, string(sel))))
		if err != nil {
			return fmt.Errorf("finding %s to tap: %w", sel, err)
		}
		if bx.Width < fingerSize || bx.Height < fingerSize {
			return fmt.Errorf("%s is %.0f × %.0f px, smaller than a finger (%d × %d)", sel, bx.Width, bx.Height, fingerSize, fingerSize)
		}
		if bx.Left < 0 || bx.Left+bx.Width > bx.Screen {
			return fmt.Errorf("%s lies from %.0f to %.0f px, beyond the screen's %.0f px", sel, bx.Left, bx.Left+bx.Width, bx.Screen)
		}
		finger := []*input.TouchPoint{{X: bx.Left + bx.Width/2, Y: bx.Top + bx.Height/2}}
		if _, err := cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: finger}); err != nil {
			return err
		}
		_, err = cdp.Call(ctx, t, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}})
		return err
	})
}

// tap taps an element that leads to no other page, such as a field.
func (b *tab) tap(sel chromedp.CSS) {
	b.t.Helper()
	b.do(tapping(sel))
}

// tapTo taps an element that leads to another page, waits for it and
// checks its status (and the page, as submit does).
func (b *tab) tapTo(sel chromedp.CSS, wantStatus int) {
	b.t.Helper()
	b.submit(tapping(sel), wantStatus)
}

// typeInto taps a field and types text into it, as on a phone's keyboard.
func (b *tab) typeInto(sel chromedp.CSS, text string) {
	b.t.Helper()
	b.tap(sel)
	if got := b.focused(); "#"+got != string(sel) {
		b.fail("tapping %s put the focus on %q", sel, got)
	}
	b.press(text)
}

// wantReadingOrder fails unless the elements lie one under the other in
// the order given, each within the screen's width: the page reads top to
// bottom on a phone, with nothing beside it or off to the side.
func (b *tab) wantReadingOrder(sels ...string) {
	b.t.Helper()
	boxes := run(b, chromedp.Evaluate[[]*box](fmt.Sprintf(`%s.map(s => {
		const e = document.querySelector(s);
		if (!e) return null;
		const r = e.getBoundingClientRect();
		return {left: r.left, top: r.top + window.scrollY, width: r.width, height: r.height, screen: window.innerWidth};
	})`, jsStrings(sels))))
	for i, bx := range boxes {
		if bx == nil {
			b.fail("the page has no %s", sels[i])
		}
		if bx.Left < 0 || bx.Left+bx.Width > bx.Screen {
			b.fail("%s lies from %.0f to %.0f px, beyond the screen's %.0f px", sels[i], bx.Left, bx.Left+bx.Width, bx.Screen)
		}
		if i > 0 && bx.Top < boxes[i-1].Top+boxes[i-1].Height {
			b.fail("%s (top at %.0f px) does not come below %s (bottom at %.0f px)", sels[i], bx.Top, sels[i-1], boxes[i-1].Top+boxes[i-1].Height)
		}
	}
}

// jsStrings is a JavaScript array literal of the strings.
func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// TestApproveFromPhone: on phones (390 × 844, touch), a requester proposes
// a change to a production cluster from the cluster list, and after a
// first approval from a desktop, an approver opens the request from its
// link as a message would bring it, signed out: he signs in and lands on
// the request, which reads top to bottom (the change, its checks, who
// approved, the approve form), confirms his password on the page a stale
// sign-in leads to, types a comment and approves by touch, then watches
// the request reach in-sync. Every control touched is finger-sized and on
// screen, and every page fits the screen without scrolling sideways and
// passes axe-core in both themes (checkPage).
func TestApproveFromPhone(t *testing.T) {
	needSuite(t)
	const cluster = "apac-sales"
	etl, ml := roleARN("service-role/RedshiftETL"), roleARN("RedshiftML")

	rita := newTab(t, "rita", onPhone())
	rita.signIn("rita")
	rita.open("/clusters", 200)
	rita.tapTo(clusterLink(cluster), 200)
	rita.tapTo(tid("propose-change"), 200)
	rita.fillChange(draft{
		add:    []string{etl, ml},
		def:    ml,
		reason: "Nightly ETL loads and ML scoring of the sales pipeline",
		ticket: "DBA-2207",
	})
	rita.tapTo(tid("submit-change"), 200)
	path := strings.TrimPrefix(rita.location(), suite.baseURL)
	if !strings.HasPrefix(path, "/changes/") {
		rita.fail("submitting the change led to %s, not a request page", path)
	}
	rita.wantState("pending")

	anna := newTab(t, "anna")
	anna.signIn("anna")
	anna.open(path, 200)
	anna.activate(tid("approve"), 200)

	// The link of a message, opened on a phone that is not signed in.
	arno := newTab(t, "arno", onPhone())
	arno.open(path, 200)
	if loc := arno.location(); !strings.Contains(loc, "/login?next=") {
		arno.fail("the request's link led a signed-out phone to %s, not to sign in", loc)
	}
	arno.typeInto("#username", "arno")
	arno.typeInto("#password", demoPassword)
	arno.tapTo(tid("sign-in"), 200)
	if loc := arno.location(); !strings.HasSuffix(loc, path) {
		arno.fail("signing in led to %s, not back to the request %s", loc, path)
	}

	// He reviews it top to bottom.
	arno.wantState("pending")
	arno.wantReadingOrder(
		`[data-testid="change-status"]`,
		`[data-testid="role-diff"]`,
		`[data-testid="result-default"]`,
		`[data-testid="change-hash"]`,
		`[data-testid="checks"]`,
		`[data-testid="approval-count"]`,
		`[data-testid="approvals"]`,
		`#approve-comment`,
		`[data-testid="approve"]`,
	)
	if n := arno.count(`[data-testid="role-diff"] [data-testid="diff-row"][data-change="added"]`); n != 2 {
		arno.fail("the request shows %d added roles, want 2", n)
	}
	if got := arno.text(chromedp.CSS(`[data-testid="approval"] strong`)); !strings.Contains(got, "anna") {
		arno.fail("the first approval is by %q, want anna", got)
	}
	if got := arno.text(tid("approval-count")); !strings.HasPrefix(got, "1 of 2") {
		arno.fail("approvals: %q", got)
	}

	// The page that approving leads to when the sign-in is older than the
	// reauth-after setting; arno's is fresh, so he opens it himself.
	arno.open("/reauth?next="+path, 200)
	arno.typeInto("#password", demoPassword)
	arno.tapTo(tid("reauth-submit"), 200)
	if loc := arno.location(); !strings.HasSuffix(loc, path) {
		arno.fail("confirming the password led to %s, not back to the request %s", loc, path)
	}

	// The reject form, folded under the approve button, opens with a tap
	// and fits the screen too.
	reject := chromedp.CSS(`details:has([data-testid="reject-form"]) > summary`)
	arno.tap(reject)
	arno.checkPage("opening Reject…")
	arno.tap(reject)

	arno.typeInto("#approve-comment", "Checked the trust policies on my phone")
	arno.shot("approve-phone", ".change-approval")
	arno.tapTo(tid("approve"), 200)
	arno.waitFor(chromedp.CSS(inSyncSel), inSyncLimit)
	for _, arn := range []string{etl, ml} {
		if got := arno.liveRoleStatus(arn); got != "in-sync" {
			arno.fail("the request page shows %s as %q, want in-sync", arn, got)
		}
	}
	if got := arno.text(tid("approval-count")); !strings.HasPrefix(got, "2 of 2") {
		arno.fail("approvals after arno's: %q", got)
	}
	if got := arno.text(tid("approvals")); !strings.Contains(got, "Checked the trust policies on my phone") {
		arno.fail("the approvals do not show arno's comment: %q", got)
	}
	arno.shot("change-request-phone")
}

// TestOtherPagesOnAPhone visits, on a phone, the pages that the other
// browser tests do not: the start page signed out, the account page, the users' list and a user's
// page (as an admin), the chain verification before and after a run, the
// audit log before any search, and the error page of a request that does
// not exist. Each is checked like every visited page (checkPage): it fits
// the screen and passes axe-core in both themes.
func TestOtherPagesOnAPhone(t *testing.T) {
	needSuite(t)
	ada := newTab(t, "ada", onPhone())
	ada.open("/", 200)
	ada.signIn("ada")
	ada.open("/account", 200)
	ada.open("/admin/users", 200)
	ada.tapTo(chromedp.CSS(`[data-testid="user-row"][data-username="vera"] a`), 200)
	if got := ada.text(tid("user-role")); got != "viewer" {
		ada.fail("vera's page shows the role %q", got)
	}
	ada.open("/audit", 200)
	ada.open("/audit/verify", 200)
	ada.tapTo(tid("verify-now"), 200)
	if n := ada.count(`[data-testid="verify-result"]`); n != 1 {
		ada.fail("verifying the chain shows no result")
	}
	ada.allowStatus(404)
	ada.open("/changes/999999", 404)
	if n := ada.count(`[data-testid="error-page"]`); n != 1 {
		ada.fail("a request that does not exist shows no error page")
	}
}
