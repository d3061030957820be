package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"rolegate/audit"
	"rolegate/internal/auth"
	"rolegate/internal/change"
	"rolegate/redshiftsim"
)

// changeEvent is one audit event of a request, as the tests read it.
type changeEvent struct {
	action, code, message string
	params                map[string]any
}

func (a *testApp) changeEvents(t *testing.T, id int64) []changeEvent {
	t.Helper()
	rows, err := a.db.Reader().Query(`SELECT action, error_code, error_message, params FROM audit_events WHERE change_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []changeEvent
	for rows.Next() {
		var e changeEvent
		var params string
		if err := rows.Scan(&e.action, &e.code, &e.message, &params); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(params), &e.params); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func (e changeEvent) num(key string) int {
	f, _ := e.params[key].(float64)
	return int(f)
}

// wantFailureAgrees checks that a failed request's stored reason, its
// apply.failed event and its page tell the same story with the same
// attempt count, and that no terminal text promises a retry.
func wantFailureAgrees(t *testing.T, app *testApp, b *browser, r *change.Request, attempts int) []changeEvent {
	t.Helper()
	if r.Attempts != attempts {
		t.Errorf("stored attempts %d, want %d", r.Attempts, attempts)
	}
	want := fmt.Sprintf("gave up after %d attempts", attempts)
	if !strings.HasPrefix(r.StateReason, want) || strings.Contains(r.StateReason, "retrying") || strings.Contains(r.StateReason, "tries again") {
		t.Errorf("stored reason %q, want it to start with %q and promise nothing more", r.StateReason, want)
	}
	events := app.changeEvents(t, r.ID)
	last := events[len(events)-1]
	if last.action != string(audit.ApplyFailed) || last.message != r.StateReason || last.num("attempts") != attempts {
		t.Errorf("last event %s, message %q, attempts %v; want apply.failed with the stored reason and %d attempts", last.action, last.message, last.params["attempts"], attempts)
	}
	body := readBody(t, b.get(t, fmt.Sprintf("/changes/%d", r.ID)))
	if !strings.Contains(body, fmt.Sprintf("attempts %d<", attempts)) || !strings.Contains(body, htmlEscape(r.StateReason)) {
		t.Errorf("the request page does not show %d attempts and the stored reason %q:\n%s", attempts, r.StateReason, body)
	}
	return events
}

// A paused cluster: nothing is ever sent, each wait says so under its own
// title with its attempt number, and the failure counts the same attempts
// as the request and its page.
func TestChangePausedClusterFailureTextsMatchTheAttempts(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.maxAttempts = 3 })
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "dormant", NodeType: "dc2.large", NumberOfNodes: 1, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "dormant", changeForm([]string{roleA}, nil, "", "It will not wake up in time"))
	arno.approve(t, id).Body.Close()
	r := app.waitState(t, id, change.Failed)
	events := wantFailureAgrees(t, app, arno, r, 3)
	if !strings.Contains(r.StateReason, "nothing was sent") || !strings.Contains(r.StateReason, "paused") {
		t.Errorf("reason %q does not say the cluster is paused and nothing was sent", r.StateReason)
	}
	n := 0
	for _, e := range events {
		switch e.action {
		case string(audit.ApplyWaiting), string(audit.ApplyStarted), string(audit.ApplyUnknown):
			t.Errorf("event %s for a cluster that was never called: %q", e.action, e.message)
		case string(audit.ApplyHeld):
			n++
			if e.num("attempt") != n || !strings.HasPrefix(e.message, fmt.Sprintf("attempt %d of 3:", n)) || !strings.Contains(e.message, "nothing was sent") {
				t.Errorf("held event %d: attempt %v, message %q", n, e.params["attempt"], e.message)
			}
		}
	}
	if n != 2 {
		t.Errorf("apply.held events %d, want 2 before the failure", n)
	}
}

// HTTP 500 with a body on every ModifyClusterIamRoles: each answer is
// recorded as a server error (not as "no answer"), each attempt is counted
// once, and the failure says what came back.
func TestChangeServerErrorFailureTextsMatchTheAttempts(t *testing.T) {
	app := newTestAppWith(t, func(o *testOptions) { o.maxAttempts = 3 })
	app.seedCluster(t, "flaky")
	rita := app.signIn(t, "rita", auth.RoleRequester)
	arno := app.signIn(t, "arno", auth.RoleApprover)
	id := rita.submit(t, "flaky", changeForm([]string{roleA}, nil, "", "AWS will fail this on purpose"))
	app.sim.SetFaults(redshiftsim.Fault{Op: "ModifyClusterIamRoles", Kind: redshiftsim.FaultInternal})
	arno.approve(t, id).Body.Close()
	r := app.waitState(t, id, change.Failed)
	if n := app.sim.Stats().Calls("ModifyClusterIamRoles", ""); n != 3 {
		t.Fatalf("ModifyClusterIamRoles calls %d, want 3", n)
	}
	events := wantFailureAgrees(t, app, arno, r, 3)
	for _, want := range []string{"server error", "HTTP 500", "InternalFailure", "not applied"} {
		if !strings.Contains(r.StateReason, want) {
			t.Errorf("reason %q lacks %q", r.StateReason, want)
		}
	}
	started, answered := 0, 0
	for _, e := range events {
		switch e.action {
		case string(audit.ApplyStarted):
			started++
			if e.num("attempt") != started {
				t.Errorf("apply.started %d says attempt %v", started, e.params["attempt"])
			}
		case string(audit.ApplyServerErr):
			answered++
			if e.num("attempt") != started || e.code != "InternalFailure" || !strings.Contains(e.message, "HTTP 500") {
				t.Errorf("server error event: attempt %v (calls so far %d), code %q, message %q", e.params["attempt"], started, e.code, e.message)
			}
		case string(audit.ApplyUnknown):
			t.Errorf("a 500 with a body recorded as %s (%s)", e.action, audit.ApplyUnknown.Description())
		}
		if strings.Contains(e.message, "no answer") || strings.Contains(e.message, "nothing was sent") {
			t.Errorf("event %s contradicts the answer that came back: %q", e.action, e.message)
		}
	}
	if started != 3 || answered != 3 {
		t.Errorf("apply.started %d, apply.server_error %d; want 3 each", started, answered)
	}
}
