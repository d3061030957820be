//go:build e2e

package e2e

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The events a request that reaches in-sync leaves in the audit log.
var inSyncTrail = []string{"change.created", "change.approved", "apply.started", "apply.succeeded", "apply.in_sync"}

// checkAuditTrail checks, in b, that the audit history filtered on the
// cluster and request id lists the request's steps, that the event of the
// successful call shows the roles attached in the difference from the
// previous snapshot, and that the CSV export of that filter downloads with
// the same events and the snapshots.
func checkAuditTrail(t *testing.T, b *tab, cluster, id string, added []string) {
	t.Helper()
	b.open("/audit", 200)
	b.do(
		chromedp.SetValue(chromedp.CSS("#f-cluster"), cluster),
		chromedp.SetValue(chromedp.CSS("#f-change"), id),
	)
	b.click(chromedp.CSS(`[data-testid="audit-filters"] button[type="submit"]`))
	type row struct {
		Seq     string `json:"seq"`
		Action  string `json:"action"`
		Cluster string `json:"cluster"`
	}
	rows := run(b, chromedp.Evaluate[[]row](`[...document.querySelectorAll('[data-testid="audit-row"]')].map(r => ({
		seq: r.dataset.seq, action: r.cells[3].innerText.trim(), cluster: r.cells[4].innerText.trim(),
	}))`))
	var actions []string
	succeeded := ""
	for _, r := range rows {
		actions = append(actions, r.Action)
		if !strings.HasPrefix(r.Cluster, cluster) {
			b.fail("the filter on %s shows an event of %q", cluster, r.Cluster)
		}
		if r.Action == "apply.succeeded" {
			succeeded = r.Seq
		}
	}
	for _, want := range inSyncTrail {
		if !slices.Contains(actions, want) {
			b.fail("the audit history of request #%s lacks %s; it shows %v", id, want, actions)
		}
	}
	b.shot("audit")
	listURL := b.location()

	// The event of the successful call: its snapshot differs from the one
	// before by the roles attached.
	b.click(chromedp.CSS(`[data-testid="audit-row"][data-seq="` + succeeded + `"] a`))
	attached := b.text(tid("roles-changed"))
	for _, arn := range added {
		if !strings.Contains(attached, arn) {
			b.fail("event %s does not list %s among the roles attached: %q", succeeded, arn, attached)
		}
	}
	if n := b.count(`[data-testid="snapshot-diff"] [data-testid="diff-row"]`); n == 0 {
		b.fail("event %s shows no snapshot difference", succeeded)
	}
	if n := b.count(`[data-testid="previous-snapshot"]`); n != 1 {
		b.fail("event %s does not link the snapshot it is compared with", succeeded)
	}
	b.shot("audit-event", `[data-testid="event-params"]`)

	// The CSV export of the same filter.
	b.open(strings.TrimPrefix(listURL, suite.baseURL), 200)
	name, body := b.download(chromedp.Click(tid("export-csv"), chromedp.NodeVisible))
	if !strings.HasSuffix(name, ".csv") {
		b.fail("the export is named %q, want a .csv file", name)
	}
	records, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		b.fail("the export is not CSV: %v", err)
	}
	if len(records) < 1+len(inSyncTrail) {
		b.fail("the export has %d lines, want a header and at least %d events", len(records), len(inSyncTrail))
	}
	col := map[string]int{}
	for i, h := range records[0] {
		col[h] = i
	}
	for _, h := range []string{"seq", "time", "actor_username", "action", "cluster", "change_id", "outcome", "snapshot", "hash"} {
		if _, ok := col[h]; !ok {
			b.fail("the export's header %v lacks %s", records[0], h)
		}
	}
	var exported []string
	for _, rec := range records[1:] {
		if rec[col["cluster"]] != cluster || rec[col["change_id"]] != id {
			b.fail("the export of the filter holds an event of cluster %q, request %q", rec[col["cluster"]], rec[col["change_id"]])
		}
		exported = append(exported, rec[col["action"]])
		if rec[col["action"]] == "apply.succeeded" {
			for _, arn := range added {
				if !strings.Contains(rec[col["snapshot"]], arn) {
					b.fail("the exported snapshot of apply.succeeded lacks %s", arn)
				}
			}
		}
		if rec[col["action"]] == "change.approved" && rec[col["actor_username"]] != "arno" {
			b.fail("the export names %q as the approver", rec[col["actor_username"]])
		}
	}
	slices.Sort(exported)
	sortedActions := slices.Clone(actions)
	slices.Sort(sortedActions)
	if !slices.Equal(exported, sortedActions) {
		b.fail("the export holds %v, the page %v", exported, sortedActions)
	}
}
