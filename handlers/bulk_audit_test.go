package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/auth"
)

// The audit filter bulk=N, from the link on the bulk page, shows the set's
// own bulk.* events and every event of its member requests, and nothing
// of another set, of a single request or of a refusal; the CSV and JSON
// Lines exports hold the same events.
func TestAuditBulkFilterShowsTheSetAndItsMembersOnly(t *testing.T) {
	app := newBulkApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	vera := app.signIn(t, "vera", auth.RoleViewer)

	id := rita.submitBulk(t, bulkForm(rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {testRegion}}), roleB, "COPY from the new bucket on the analytics clusters"))
	other := rita.submitBulk(t, bulkForm(rita.openBulkForm(t, url.Values{"q": {"analytics"}, "region": {"us-east-1"}}), roleC, "Spectrum for the analytics clusters in Virginia"))
	single := rita.submit(t, "sales", changeForm([]string{roleB}, nil, "", "COPY from the new bucket"))
	if res := arno.approveBulk(t, id); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	app.waitBulkDone(t, id)
	// Approving again is refused: an access.denied naming the set is not
	// one of its bulk.* events.
	arno.approveBulk(t, id)

	members, err := app.changes.BulkMembers(context.Background(), id)
	if err != nil || len(members) != 2 {
		t.Fatalf("%d members %v", len(members), err)
	}
	var memberIDs []int64
	for _, m := range members {
		memberIDs = append(memberIDs, m.ID)
	}
	// The events the filter must show, found by brute force over the log.
	var want []int64
	kinds := map[string]bool{}
	all, err := app.audit.Query(context.Background(), audit.Filter{}, "", audit.MaxPageSize)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all.Events {
		var p struct {
			BulkID int64 `json:"bulk_id"`
		}
		json.Unmarshal(e.Params, &p)
		switch {
		case strings.HasPrefix(string(e.Action), "bulk.") && p.BulkID == id:
			kinds["bulk"] = true
		case slices.Contains(memberIDs, e.Target.ChangeID):
			kinds[string(e.Action)] = true
		default:
			continue
		}
		want = append(want, e.Seq)
	}
	for _, k := range []string{"bulk", "change.created", "change.approved", "apply.in_sync"} {
		if !kinds[k] {
			t.Fatalf("the log holds no %s event of the set: %v", k, kinds)
		}
	}

	page := readBody(t, vera.get(t, fmt.Sprintf("/bulk/%d", id)))
	href := fmt.Sprintf(`href="/audit?bulk=%d" data-testid="bulk-audit"`, id)
	if !strings.Contains(page, href) {
		t.Fatalf("the bulk page has no link to its audit log:\n%s", page)
	}
	res := vera.get(t, fmt.Sprintf("/audit?bulk=%d", id))
	body := readBody(t, res)
	if got := rowSeqs(body); res.StatusCode != http.StatusOK || !slices.Equal(got, want) {
		t.Fatalf("/audit?bulk=%d: %d, rows %v, want %v", id, res.StatusCode, got, want)
	}
	if !strings.Contains(body, fmt.Sprintf(`value="%d"`, id)) {
		t.Fatal("the filter form does not keep the bulk number")
	}

	for _, tt := range []struct {
		path string
		read func(r interface{ Read([]byte) (int, error) }, fn func(audit.Event) error) error
	}{
		{"/audit/export.csv", func(r interface{ Read([]byte) (int, error) }, fn func(audit.Event) error) error {
			return audit.ReadCSV(r, fn)
		}},
		{"/audit/export.jsonl", func(r interface{ Read([]byte) (int, error) }, fn func(audit.Event) error) error {
			return audit.ReadJSONL(r, fn)
		}},
	} {
		res := vera.get(t, fmt.Sprintf("%s?bulk=%d", tt.path, id))
		var got []int64
		err := tt.read(res.Body, func(e audit.Event) error {
			if e.Target.ChangeID == single || strings.Contains(string(e.Params), fmt.Sprintf(`"bulk_id":%d`, other)) {
				t.Errorf("%s: event %d (%s) is not of the set", tt.path, e.Seq, e.Action)
			}
			got = append(got, e.Seq)
			return nil
		})
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %v", tt.path, res.StatusCode, err)
		}
		slices.Reverse(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%s?bulk=%d: %v, want %v", tt.path, id, got, want)
		}
	}

	res = vera.get(t, "/audit?bulk=seven")
	if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Enter a bulk request number, like 7.") || !strings.Contains(body, `value="seven"`) {
		t.Fatalf("a bulk number that is not one: %d\n%s", res.StatusCode, body)
	}
}
