package handlers_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"rolegate/audit"
	"rolegate/internal/auth"
)

var rowSeq = regexp.MustCompile(`data-testid="audit-row" data-seq="(\d+)"`)

func rowSeqs(body string) []int64 {
	var out []int64
	for _, m := range rowSeq.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

var hrefOf = regexp.MustCompile(`href="([^"]+)"[^>]*data-testid="(older|newer|export-csv|export-jsonl)"`)

func link(t *testing.T, body, testid string) string {
	t.Helper()
	for _, m := range hrefOf.FindAllStringSubmatch(body, -1) {
		if m[2] == testid {
			return strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	t.Fatalf("no %s link", testid)
	return ""
}

func seedAudit(t *testing.T, app *testApp, n int) {
	t.Helper()
	if err := app.audit.Generate(context.Background(), n, 7, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

func TestAuditListPagesThroughFilteredEvents(t *testing.T) {
	app := newTestApp(t)
	seedAudit(t, app, 400)
	b := app.signIn(t, "vera", auth.RoleViewer)

	f := audit.Filter{Region: "eu-west-1"}
	var want []int64
	for cursor := ""; ; {
		p, err := app.audit.Query(context.Background(), f, cursor, 500)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			want = append(want, e.Seq)
		}
		if p.Older == "" {
			break
		}
		cursor = p.Older
	}
	var got []int64
	path := "/audit?region=eu-west-1"
	var pages []string
	for path != "" {
		res := b.get(t, path)
		body := readBody(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		if !strings.Contains(body, `value="eu-west-1"`) {
			t.Fatal("the filter is not kept on the page")
		}
		got = append(got, rowSeqs(body)...)
		pages = append(pages, path)
		path = ""
		if strings.Contains(body, `data-testid="older"`) {
			path = link(t, body, "older")
		}
	}
	if len(pages) < 2 || len(got) != len(want) {
		t.Fatalf("%d pages, %d events, want %d events", len(pages), len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("event %d: seq %d, want %d", i, got[i], want[i])
		}
	}
	// The last page links back to the one before it.
	body := readBody(t, b.get(t, pages[len(pages)-1]))
	back := readBody(t, b.get(t, link(t, body, "newer")))
	if s := rowSeqs(back); len(s) == 0 || s[0] != rowSeqs(readBody(t, b.get(t, pages[len(pages)-2])))[0] {
		t.Fatal("the newer link does not lead back to the previous page")
	}
	// Export links carry the same filter.
	if u := link(t, body, "export-csv"); u != "/audit/export.csv?region=eu-west-1" {
		t.Fatalf("export link %s", u)
	}
}

func TestAuditFilterErrorsAre422WithTheInputKept(t *testing.T) {
	app := newTestApp(t)
	seedAudit(t, app, 10)
	b := app.signIn(t, "vera", auth.RoleViewer)
	for _, tt := range []struct{ query, field, kept string }{
		{"from=last+tuesday&cluster=analytics-01", "from-error", `value="last tuesday"`},
		{"to=2026-13-45", "to-error", `value="2026-13-45"`},
		{"change=abc", "change-error", `value="abc"`},
		{"role_arn=arn:aws:iam::123:role/X", "role_arn-error", `value="arn:aws:iam::123:role/X"`},
		{"outcome=maybe", "outcome-error", ""},
		{"action=made.up", "action-error", ""},
		{"cursor=xyz", "cursor-error", ""},
	} {
		res := b.get(t, "/audit?"+tt.query)
		body := readBody(t, res)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", tt.query, res.StatusCode)
			continue
		}
		if !strings.Contains(body, `data-testid="`+tt.field+`"`) || !strings.Contains(body, tt.kept) {
			t.Errorf("%s: no %s message or the input was not kept", tt.query, tt.field)
		}
		if strings.Contains(body, `data-testid="audit-row"`) {
			t.Errorf("%s: results shown for a refused filter", tt.query)
		}
	}
	res := b.get(t, "/audit/export.csv?from=yesterday")
	if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `data-testid="from-error"`) {
		t.Fatalf("export with a bad filter: %d", res.StatusCode)
	}
}

func TestAuditEventPageShowsSnapshotAndDifference(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	snap := func(roles ...string) json.RawMessage {
		var rs []map[string]string
		for _, r := range roles {
			rs = append(rs, map[string]string{"IamRoleArn": "arn:aws:iam::123456789012:role/" + r, "ApplyStatus": "in-sync"})
		}
		return audit.Params(map[string]any{"ClusterIdentifier": "sales", "IamRoles": rs, "DefaultIamRoleArn": "arn:aws:iam::123456789012:role/" + roles[0]})
	}
	target := audit.Target{Region: "us-east-1", Cluster: "sales", ChangeID: 4}
	first, err := app.audit.Record(ctx, audit.Event{Actor: audit.System, Action: audit.ApplySucceeded, Outcome: audit.Success, Target: target, Snapshot: snap("Copy", "Old"), AWSRequestID: "req-1"})
	if err != nil {
		t.Fatal(err)
	}
	// Another cluster's snapshot in between must not be compared.
	if _, err := app.audit.Record(ctx, audit.Event{Actor: audit.System, Action: audit.ApplySucceeded, Outcome: audit.Success, Target: audit.Target{Region: "us-east-1", Cluster: "other"}, Snapshot: snap("Z")}); err != nil {
		t.Fatal(err)
	}
	second, err := app.audit.Record(ctx, audit.Event{Actor: audit.System, Action: audit.ApplyInSync, Outcome: audit.Success, Target: target, Snapshot: snap("Copy", "Spectrum")})
	if err != nil {
		t.Fatal(err)
	}
	b := app.signIn(t, "vera", auth.RoleViewer)

	res := b.get(t, "/audit/events/"+strconv.FormatInt(second.Seq, 10))
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{
		`data-testid="previous-snapshot"`, "event " + strconv.FormatInt(first.Seq, 10),
		`data-testid="diff-row" data-kind="added" class="audit-diff-role"`,
		`data-testid="event-snapshot"`, second.Hash, "/changes/4", "matches the event&#39;s contents",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("event page lacks %q", want)
		}
	}
	// The roles attached and detached, each in a line of its own (the ARN
	// may carry line-break opportunities, which add no text).
	page, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	page.Find(`[data-testid="roles-changed"] li`).Each(func(_ int, li *goquery.Selection) { roles = append(roles, li.Text()) })
	if want := []string{"Role attached: arn:aws:iam::123456789012:role/Spectrum", "Role detached: arn:aws:iam::123456789012:role/Old"}; !slices.Equal(roles, want) {
		t.Errorf("the event page lists the roles changed as %q, want %q", roles, want)
	}
	res = b.get(t, "/audit/events/"+strconv.FormatInt(first.Seq, 10))
	if body := readBody(t, res); !strings.Contains(body, `data-testid="no-previous"`) || !strings.Contains(body, "req-1") {
		t.Error("the first snapshot of a cluster is not marked as the first")
	}
	for _, p := range []string{"/audit/events/999", "/audit/events/abc", "/audit/events/-1"} {
		if res := b.get(t, p); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
}

func TestAuditExportDownloadsAndIsAudited(t *testing.T) {
	app := newTestApp(t)
	seedAudit(t, app, 300)
	b := app.signIn(t, "vera", auth.RoleViewer)
	want, err := app.audit.Query(context.Background(), audit.Filter{Cluster: "analytics-03"}, "", audit.MaxPageSize)
	if err != nil || len(want.Events) == 0 {
		t.Fatalf("%d events %v", len(want.Events), err)
	}
	for _, tt := range []struct {
		path, ctype, ext string
		read             func(r interface{ Read([]byte) (int, error) }, fn func(audit.Event) error) error
	}{
		{"/audit/export.csv?cluster=analytics-03", "text/csv", ".csv", func(r interface{ Read([]byte) (int, error) }, fn func(audit.Event) error) error {
			return audit.ReadCSV(r, fn)
		}},
		{"/audit/export.jsonl?cluster=analytics-03", "application/jsonl", ".jsonl", func(r interface{ Read([]byte) (int, error) }, fn func(audit.Event) error) error {
			return audit.ReadJSONL(r, fn)
		}},
	} {
		res := b.get(t, tt.path)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), tt.ctype) {
			t.Fatalf("%s: %d %s", tt.path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, tt.ext+`"`) {
			t.Fatalf("Content-Disposition %q", cd)
		}
		var got []audit.Event
		err := tt.read(res.Body, func(e audit.Event) error { got = append(got, e); return nil })
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want.Events) {
			t.Fatalf("%s: %d events, want %d", tt.path, len(got), len(want.Events))
		}
		for i, e := range got {
			if w := want.Events[len(want.Events)-1-i]; e.Seq != w.Seq || e.Hash != w.Hash || !e.HashOK() {
				t.Fatalf("%s: event %d is %d", tt.path, i, e.Seq)
			}
		}
	}
	p, err := app.audit.Query(context.Background(), audit.Filter{Action: audit.AuditExported}, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range p.Events {
		if e.Origin.SessionHash == "" || e.Actor.UserID == 0 {
			t.Fatalf("the export event does not name the session and user: %+v %+v", e.Actor, e.Origin)
		}
		if strings.Contains(string(e.Params), `"cluster":"analytics-03"`) && strings.Contains(string(e.Params), `"events":`+strconv.Itoa(len(want.Events))) {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d export events with the filter, want 2", n)
	}
}

func TestAuditVerifyPageRunsAndRecordsVerification(t *testing.T) {
	app := newTestApp(t)
	seedAudit(t, app, 50)
	if _, err := app.audit.Anchor(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	b := app.signIn(t, "vera", auth.RoleViewer)
	if body := readBody(t, b.get(t, "/audit/verify")); !strings.Contains(body, `data-testid="never-verified"`) {
		t.Fatal("a fresh log claims a verification")
	}
	res := b.postForm(t, "/audit/verify", url.Values{})
	body := readBody(t, res)
	checked := regexp.MustCompile(`<dd data-testid="checked">(\d+)</dd>`).FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-ok="true"`) || checked == nil {
		t.Fatalf("verify: %d\n%s", res.StatusCode, body)
	}
	// The 50 seeded events, and the sign-in's own.
	if n, _ := strconv.Atoi(checked[1]); n < 50 {
		t.Fatalf("verify checked %d events, want at least 50", n)
	}
	if body := readBody(t, b.get(t, "/audit/verify")); !strings.Contains(body, `data-ok="true"`) {
		t.Fatal("the page does not show the last verification")
	}
	if p, err := app.audit.Query(context.Background(), audit.Filter{Action: audit.AuditVerified, Outcome: audit.Success}, "", 5); err != nil || len(p.Events) != 1 {
		t.Fatalf("verified events: %v %v", p, err)
	}

	// Delete an event behind the application's back: the page names it.
	raw, err := sql.Open("sqlite", "file:"+app.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{`DROP TRIGGER audit_events_no_delete`, `DROP TRIGGER audit_event_arns_no_delete`, `DELETE FROM audit_event_arns WHERE seq = 20`, `DELETE FROM audit_events WHERE seq = 20`} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	body = readBody(t, b.postForm(t, "/audit/verify", url.Values{}))
	if !strings.Contains(body, `data-ok="false"`) || !strings.Contains(body, `data-kind="missing"`) || !strings.Contains(body, "first bad sequence number is 20") {
		t.Fatal("the damaged chain is not reported")
	}
}
