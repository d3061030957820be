package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/internal/auth"
	"rolegate/redshiftsim"
)

// The cluster page names who made a drift as CloudTrail has it, or says
// plainly why it could not ask.
func TestTheDriftPanelNamesTheCallerOrSaysWhyNot(t *testing.T) {
	for _, tc := range []struct {
		name string
		deny bool
		want map[string]string // data-testid → text it holds
	}{
		{"named", false, map[string]string{
			"drift-caller-arn": "arn:aws:iam::123456789012:user/oskar",
			"drift-caller-ip":  "127.0.0.1",
		}},
		{"denied", true, map[string]string{
			"drift-who-note": "Who made it: not looked up: Rolegate may not call cloudtrail:LookupEvents in account 123456789012.",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(t)
			if err := app.sim.DeclareAccount(redshiftsim.AccountSpec{ID: testAccount, DenyLookupEvents: tc.deny,
				Users: []redshiftsim.UserSpec{{Name: "oskar", AccessKey: "AKIAOSKAREXAMPLE"}}}); err != nil {
				t.Fatal(err)
			}
			app.seedCluster(t, "sales", roleOld)
			vera := app.signIn(t, "vera", auth.RoleViewer)
			app.sweepNow(t)
			oskar := redshift.New(redshift.Options{
				Region: testRegion, BaseEndpoint: aws.String(app.simURL),
				Credentials: credentials.NewStaticCredentialsProvider("AKIAOSKAREXAMPLE", "secret", ""),
				HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
			})
			if _, err := oskar.ModifyClusterIamRoles(context.Background(), &redshift.ModifyClusterIamRolesInput{
				ClusterIdentifier: aws.String("sales"), AddIamRoles: []string{roleC}}); err != nil {
				t.Fatal(err)
			}
			app.sweepNow(t) // settles the role
			app.sweepNow(t)

			d := doc(t, vera.get(t, "/clusters/"+testAccount+"/"+testRegion+"/sales"), http.StatusOK)
			for id, text := range tc.want {
				if got := strings.Join(strings.Fields(d.Find(`[data-testid="`+id+`"]`).First().Text()), " "); got != text {
					t.Errorf("%s: %q, want %q", id, got, text)
				}
			}
			if !tc.deny && d.Find(`[data-testid="drift-who-note"]`).Length() != 0 {
				t.Error("a note beside the named caller")
			}
			if tc.deny && d.Find(`[data-testid="drift-caller"]`).Length() != 0 {
				t.Error("a caller named although CloudTrail was denied")
			}
		})
	}
}
