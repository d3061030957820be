package handlers_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// refusedEvent is one change.refused event as stored.
type refusedEvent struct {
	actor, cluster, params, awsID string
	changeID                      sql.NullInt64
}

func (a *testApp) refusedEvents(t *testing.T) []refusedEvent {
	t.Helper()
	rows, err := a.db.Reader().Query(`SELECT actor_username, cluster, params, aws_request_id, change_id FROM audit_events WHERE action = 'change.refused' ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []refusedEvent
	for rows.Next() {
		var e refusedEvent
		if err := rows.Scan(&e.actor, &e.cluster, &e.params, &e.awsID, &e.changeID); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// A submission refused by the live checks leaves a change.refused event
// with who, which cluster and the field errors, and no request; a preview
// of the same draft leaves nothing.
func TestChangeRefusedSubmissionsAreAudited(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "tidy", roleOld)
	full := redshiftsim.ClusterSpec{ID: "crowded"}
	for i := range 49 {
		full.Roles = append(full.Roles, redshiftsim.RoleSpec{ARN: fmt.Sprintf("arn:aws:iam::123456789012:role/Crowd%02d", i)})
	}
	if err := app.sim.AddCluster(testRegion, full); err != nil {
		t.Fatal(err)
	}
	rita := app.signIn(t, "rita", auth.RoleRequester)

	cases := []struct {
		name, cluster, want string
		form                map[string][]string
	}{
		{"role already attached", "tidy", "already associated", changeForm([]string{roleOld}, nil, "", "Attach it once more")},
		{"role not attached", "tidy", "not associated", changeForm(nil, []string{roleB}, "", "Detach what is not there")},
		{"over the quota", "crowded", "quota", changeForm([]string{roleA, roleB}, nil, "", "Two more roles than fit")},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/clusters/" + testAccount + "/" + testRegion + "/" + tc.cluster + "/changes"
			// Previews are drafts: nothing is recorded.
			if res := rita.postForm(t, path+"/preview", tc.form); res.StatusCode != http.StatusOK {
				t.Fatalf("preview: %d", res.StatusCode)
			}
			if n := len(app.refusedEvents(t)); n != i {
				t.Fatalf("a preview was recorded as a refused submission (%d events, want %d)", n, i)
			}
			res := rita.postForm(t, path, tc.form)
			if body := readBody(t, res); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
				t.Fatalf("submit: %d\n%s", res.StatusCode, body)
			}
			events := app.refusedEvents(t)
			if len(events) != i+1 {
				t.Fatalf("change.refused events %d, want %d", len(events), i+1)
			}
			e := events[i]
			if e.actor != "rita" || e.cluster != tc.cluster || e.changeID.Valid || e.awsID == "" ||
				!strings.Contains(e.params, tc.want) || !strings.Contains(e.params, `"stage":"live checks"`) {
				t.Fatalf("change.refused event: %+v", e)
			}
		})
	}
	// Input that is wrong whatever the cluster holds is recorded too.
	res := rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/tidy/changes", changeForm([]string{"arn:aws:iam::123456789012:user/X"}, nil, "", "Not even a role"))
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("malformed ARN: %d", res.StatusCode)
	}
	events := app.refusedEvents(t)
	if last := events[len(events)-1]; len(events) != len(cases)+1 || !strings.Contains(last.params, `"stage":"input"`) || !strings.Contains(last.params, "is not a role") {
		t.Fatalf("malformed submission's event: %d events, last %+v", len(events), last)
	}
	var n int
	if err := app.db.Reader().QueryRow(`SELECT count(*) FROM change_requests`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d change requests stored from refused submissions (%v)", n, err)
	}
}
