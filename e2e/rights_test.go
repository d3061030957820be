//go:build e2e

package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestNoSelfApproval: on her own request a requester, and an admin too, is
// offered neither approve nor reject, and an approve POST forged from her
// own browser with a valid CSRF token and the right change hash is refused
// with 403, by fetch and by a crafted form alike. The request stays pending
// with no approval.
func TestNoSelfApproval(t *testing.T) {
	needSuite(t)
	for _, tc := range []struct {
		user, region, cluster string
	}{
		{"rita", "us-east-1", "analytics-staging"},
		{"ada", "us-east-1", "etl-batch"},
	} {
		t.Run(tc.user, func(t *testing.T) {
			t.Parallel()
			b := newTab(t, tc.user)
			b.signIn(tc.user)
			path, _ := b.proposeChange(tc.region, tc.cluster, draft{
				add:    []string{roleARN("RedshiftSpectrum")},
				reason: "Spectrum queries over the raw zone",
			})
			b.wantState("pending")
			if n := b.count(`[data-testid="approve"], [data-testid="approve-form"], [data-testid="reject-form"]`); n != 0 {
				b.fail("%s is offered to decide on their own request", tc.user)
			}
			hash := b.text(tid("change-hash"))
			if len(hash) < 16 {
				b.fail("the page shows change hash %q", hash)
			}

			b.allowStatus(403)
			status := run(b, chromedp.Evaluate[int](`(async () => {
				const token = document.querySelector('input[name="_csrf"]').value;
				const body = new URLSearchParams({_csrf: token, change_hash: `+jsString(hash)+`, comment: "forged"});
				const r = await fetch(location.pathname + "/approve", {method: "POST", body, credentials: "same-origin", redirect: "manual"});
				return r.status;
			})()`, chromedp.EvalAwaitPromise))
			if status != 403 {
				b.fail("a forged approve by fetch answered %d, want 403", status)
			}
			// A form built in the page and submitted: the browser shows the
			// error page with 403.
			b.submit(chromedp.Evaluate[chromedp.Void](`(() => {
				const f = document.createElement("form");
				f.method = "post";
				f.action = location.pathname + "/approve";
				for (const [k, v] of [["_csrf", document.querySelector('input[name="_csrf"]').value], ["change_hash", `+jsString(hash)+`], ["comment", "forged"]]) {
					const i = document.createElement("input");
					i.type = "hidden"; i.name = k; i.value = v;
					f.appendChild(i);
				}
				document.body.appendChild(f);
				f.submit();
			})()`), 403)
			if why := b.text(chromedp.CSS(`[data-testid="action-error"], [data-testid="error-message"]`)); why == "" {
				b.fail("the refused approval does not say why")
			}

			b.open(path, 200)
			b.wantState("pending")
			if got := b.text(tid("approval-count")); !strings.HasPrefix(got, "0 of") {
				b.fail("after the forged approvals the page counts %q", got)
			}
			if n := b.count(`[data-testid="approval"]`); n != 0 {
				b.fail("the page lists %d approvals after forged ones", n)
			}
		})
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "<", `\x3c`)
	return `"` + r.Replace(s) + `"`
}
