//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBulkByFilterApprovedToInSync: a requester, in a browser without
// JavaScript, filters the cluster list down to one region of the main
// account, takes every match into a bulk change, previews it (one cluster
// already has the role and is listed as such) and submits it; an approver
// approves the whole set and watches the bulk page follow every member to
// in-sync. It runs on a demo server
// of its own, so that the set's open requests cannot meet the suite's
// other tests on the same clusters.
func TestBulkByFilterApprovedToInSync(t *testing.T) {
	needSuite(t)
	dir := filepath.Join(suite.tmp, "bulk")
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	srv, err := launch(suite.bin, dir, "rolegate-bulk", nil, "-demo", "-db", filepath.Join(dir, "data", "demo.db"))
	if err != nil {
		if srv != nil {
			srv.dumpLog(os.Stderr)
			srv.stop()
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if errs := srv.errorLines(); len(errs) > 0 {
			t.Errorf("the bulk test's server logged errors:\n%s", strings.Join(errs, "\n"))
		}
		srv.stop()
	})
	spectrum := roleARN("RedshiftSpectrum")

	rita := newTab(t, "rita", onServer(srv), withoutJS())
	rita.signIn("rita")
	rita.open("/clusters?account="+demoAccount+"&region=ap-southeast-2", 200)
	rita.click(tid("bulk-all"))
	if n := rita.count(`[data-testid="bulk-set-cluster"]`); n != 3 {
		rita.fail("the filter froze %d clusters into the set, want apac-sales, apac-reporting and apac-poc", n)
	}
	rita.do(
		chromedp.SetValue(chromedp.CSS("#bulk-add"), spectrum),
		chromedp.SetValue(chromedp.CSS("#bulk-reason"), "Spectrum on every APAC cluster for the lake queries"),
	)
	rita.click(tid("bulk-preview"))
	if got := rita.text(tid("bulk-set-note")); !strings.Contains(got, "Every cluster the filter matched") {
		rita.fail("after the preview the set is described as %q", got)
	}
	status := func(cluster string) string {
		return rita.attr(chromedp.CSS(`[data-testid="bulk-preview-row"][data-cluster="`+cluster+`"]`), "data-status")
	}
	for cluster, want := range map[string]string{"apac-sales": "already has it", "apac-reporting": "would change", "apac-poc": "would change"} {
		if got := status(cluster); got != want {
			rita.fail("the preview shows %s as %q, want %q", cluster, got, want)
		}
	}
	if got := rita.value(chromedp.CSS("#bulk-add")); got != spectrum {
		rita.fail("the preview lost the typed role: %q", got)
	}
	rita.shot("bulk-preview")
	rita.click(tid("bulk-submit"))
	path := rita.location()
	if !strings.Contains(path, "/bulk/") {
		rita.fail("submitting led to %s", path)
	}
	if n := rita.count(`[data-testid="bulk-approve-form"]`); n != 0 {
		rita.fail("the requester is offered to approve her own set")
	}
	rita.signOut()

	arno := newTab(t, "arno", onServer(srv))
	arno.signIn("arno")
	arno.open(path[strings.Index(path, "/bulk/"):], 200)
	if n := arno.count(`[data-testid="bulk-member"]`); n != 3 {
		arno.fail("the bulk page lists %d members, want 3", n)
	}
	arno.activate(tid("bulk-approve"), 200)
	// The progress panel follows the members live until every one is in-sync.
	arno.waitFor(chromedp.CSS(`[data-testid="bulk-overall"][data-tone="ok"]`), inSyncLimit)
	if got := arno.text(tid("bulk-overall")); !strings.Contains(got, "every one of the 2 changed clusters is in-sync") {
		arno.fail("the overall state says %q", got)
	}
	if n := arno.count(`[data-testid="bulk-member"][data-state="in-sync"]`); n != 2 {
		arno.fail("%d members shown in-sync, want 2", n)
	}
	if got := arno.attr(tid("bulk-status"), "data-live"); got != "false" {
		arno.fail("the progress panel still polls once the set is done (data-live=%q)", got)
	}
	arno.shot("bulk-in-sync")
}
