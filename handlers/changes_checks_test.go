package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

var checkStatus = regexp.MustCompile(`<li data-testid="check" data-check="([^"]+)" data-status="([^"]+)">`)

// checksOf maps each check a page shows to its status.
func checksOf(body string) map[string]string {
	out := map[string]string{}
	for _, m := range checkStatus.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// manyRoles are n distinct roles of the test account.
func manyRoles(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("arn:aws:iam::123456789012:role/%s%02d", prefix, i)
	}
	return out
}

// For every pre-flight check, an input that fails it shows "fail" in the
// live preview and in the refused submission's page. Where the fault can
// arise after the submission (the cluster changed under a pending request),
// the request page shows "fail" too; where it cannot, the submission was
// refused and no request exists. A check never passes while a fault tied
// to it exists.
func TestChangeEveryCheckFailsWhereItsInputIsWrong(t *testing.T) {
	serviceLinked := "arn:aws:iam::123456789012:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift"
	cases := []struct {
		check string
		// roles the cluster has; the draft; and, for faults that can arise
		// later, a valid draft and the out-of-band change that breaks it.
		roles        []string
		add          []string
		remove       []string
		def          string
		laterAdd     []string
		laterDef     string
		laterOutside func(t *testing.T, app *testApp, cluster string)
	}{
		{check: "syntax", add: []string{roleA, "arn:aws:iam::12345:role/Loader"}},
		{check: "account", add: []string{"arn:aws:iam::999999999999:role/Partner"}},
		{check: "service-linked", add: []string{roleA, serviceLinked}},
		{
			check: "roles", roles: []string{roleOld}, add: []string{roleOld},
			laterAdd:     []string{roleA},
			laterOutside: func(t *testing.T, app *testApp, cluster string) { outside(t, app, cluster, []string{roleA}, nil) },
		},
		{
			check: "quota", roles: manyRoles("Have", 49), add: manyRoles("New", 2),
			laterAdd:     []string{roleA},
			laterOutside: func(t *testing.T, app *testApp, cluster string) { outside(t, app, cluster, []string{roleB}, nil) },
		},
		{
			check: "default", roles: []string{roleOld}, add: []string{roleA}, def: roleC,
			laterAdd: []string{roleA}, laterDef: roleOld,
			laterOutside: func(t *testing.T, app *testApp, cluster string) { outside(t, app, cluster, nil, []string{roleOld}) },
		},
	}
	app := newTestApp(t)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	for i, tc := range cases {
		t.Run(tc.check, func(t *testing.T) {
			cluster := fmt.Sprintf("checks-%d", i)
			app.seedCluster(t, cluster, tc.roles...)
			form := changeForm(tc.add, tc.remove, tc.def, "A reason long enough for the checks")
			base := "/clusters/" + testAccount + "/" + testRegion + "/" + cluster + "/changes"

			body := wantStatus(t, rita.postForm(t, base+"/preview", form), http.StatusOK, "preview")
			if got := checksOf(body)[tc.check]; got != "fail" {
				t.Errorf("preview: check %s is %q, want fail (all %v)", tc.check, got, checksOf(body))
			}
			body = wantStatus(t, rita.postForm(t, base, form), http.StatusUnprocessableEntity, "submit")
			if got := checksOf(body)[tc.check]; got != "fail" {
				t.Errorf("refused submission: check %s is %q, want fail (all %v)", tc.check, got, checksOf(body))
			}
			if tc.laterAdd == nil {
				if n := len(app.changesOf(t, cluster)); n != 0 {
					t.Errorf("a refused submission left %d requests", n)
				}
				return
			}
			id := rita.submit(t, cluster, changeForm(tc.laterAdd, nil, tc.laterDef, "A reason long enough for the checks"))
			body = readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
			if got := checksOf(body)[tc.check]; got != "pass" {
				t.Fatalf("request page before the cluster changed: check %s is %q, want pass", tc.check, got)
			}
			tc.laterOutside(t, app, cluster)
			body = readBody(t, rita.get(t, fmt.Sprintf("/changes/%d", id)))
			if got := checksOf(body)[tc.check]; got != "fail" {
				t.Errorf("request page after the cluster changed: check %s is %q, want fail (all %v)", tc.check, got, checksOf(body))
			}
		})
	}

	// A cluster that is not available cannot pass its check: it warns that
	// the change will wait.
	if err := app.sim.AddCluster(testRegion, redshiftsim.ClusterSpec{ID: "checks-paused", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "paused"}); err != nil {
		t.Fatal(err)
	}
	body := wantStatus(t, rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/checks-paused/changes/preview",
		changeForm([]string{roleA}, nil, "", "A reason long enough for the checks")), http.StatusOK, "preview of a paused cluster")
	if got := checksOf(body)["available"]; got != "warn" {
		t.Errorf("paused cluster: availability check %q, want warn", got)
	}
}

// outside changes a cluster's roles directly, the way someone using the
// console would.
func outside(t *testing.T, app *testApp, cluster string, add, remove []string) {
	t.Helper()
	if _, err := app.simClient().ModifyClusterIamRoles(context.Background(), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String(cluster), AddIamRoles: add, RemoveIamRoles: remove,
	}); err != nil {
		t.Fatal(err)
	}
}

// changesOf lists the IDs of a cluster's stored requests.
func (a *testApp) changesOf(t *testing.T, cluster string) []int64 {
	t.Helper()
	rows, err := a.db.Reader().Query(`SELECT id FROM change_requests WHERE cluster = ?`, cluster)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// Three bad lines give three messages at once, each naming its whole line,
// and none of them is listed as an addition in the preview.
func TestChangeEveryBadLineNamedAtOnce(t *testing.T) {
	app := newTestApp(t)
	app.seedCluster(t, "lines", roleOld)
	rita := app.signIn(t, "rita", auth.RoleRequester)
	bad := []string{
		"arn:aws:iam::12345:role/RedshiftCopyUnloadForTheNightlyBatch",
		"arn:aws:iam::123456789012:user/RedshiftCopyUnloadForTheNightlyBatch",
		"arn:aws:iam::123456789012:role/aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift",
	}
	form := changeForm(append([]string{roleA}, bad...), nil, "", "A reason long enough for the checks")
	for _, path := range []string{"/changes/preview", "/changes"} {
		res := rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/lines"+path, form)
		body := readBody(t, res)
		for _, line := range bad {
			if !strings.Contains(body, htmlEscape("\u201c"+line+"\u201d")) {
				t.Errorf("%s: no message names the whole line %s", path, line)
			}
		}
		if path == "/changes" {
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("submit: %d", res.StatusCode)
			}
			if n := strings.Count(body, `data-testid="field-error-line"`); n != len(bad) {
				t.Errorf("the add field shows %d messages, want %d", n, len(bad))
			}
		}
		// The role's cell as text: an ARN carries line-break opportunities
		// (<wbr>), which add no text.
		page, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var added []string
		page.Find(`[data-testid="diff-row"][data-change="added"] td:first-child`).Each(func(_ int, td *goquery.Selection) { added = append(added, td.Text()) })
		if len(added) != 1 || added[0] != roleA {
			t.Errorf("%s: the preview lists as added %v, want only %s", path, added, roleA)
		}
	}
	// The default's choices are the cluster's roles and the good line only.
	body := readBody(t, rita.postForm(t, "/clusters/"+testAccount+"/"+testRegion+"/lines/changes/preview", form))
	choices := regexp.MustCompile(`<option value="(arn:[^"]+)"`).FindAllStringSubmatch(body, -1)
	var got []string
	for _, m := range choices {
		got = append(got, m[1])
	}
	if strings.Join(got, " ") != roleOld+" "+roleA {
		t.Errorf("default choices %v, want the current role and the good line", got)
	}
}
