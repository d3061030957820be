package redshiftsim_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/redshiftsim"
)

// dana is an IAM user of the default account with her own access key.
var dana = credentials.NewStaticCredentialsProvider("AKIADANAEXAMPLE", "secret", "")

// trailWorld declares dana and a role she may assume with a source
// identity, and one cluster.
func trailWorld(deny bool) redshiftsim.World {
	return redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{{
			ID:               redshiftsim.Account,
			Users:            []redshiftsim.UserSpec{{Name: "dana", AccessKey: "AKIADANAEXAMPLE"}},
			Roles:            []redshiftsim.AssumableRole{{Name: "Operator", Trust: []string{redshiftsim.Account}, AllowSourceIdentity: true}},
			DenyLookupEvents: deny,
		}},
		Seeds: []redshiftsim.Seed{{Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{ID: "analytics", Roles: []redshiftsim.RoleSpec{{ARN: roleA}}}}},
	}
}

// trailClient is an SDK CloudTrail client of the simulator in region
// signing with creds, with retries off.
func (e *env) trailClient(region string, creds aws.CredentialsProvider) *cloudtrail.Client {
	return cloudtrail.New(cloudtrail.Options{
		Region: region, BaseEndpoint: aws.String(e.srv.URL), Credentials: creds,
		HTTPClient: &httpClient{rt: redshiftsim.ClientTransport()}, RetryMaxAttempts: 1,
	})
}

func modifyRoles(t *testing.T, c *redshift.Client, add, remove []string) {
	t.Helper()
	if _, err := c.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("analytics"), AddIamRoles: add, RemoveIamRoles: remove,
	}); err != nil {
		t.Fatal(err)
	}
}

func byName(name string) []cttypes.LookupAttribute {
	return []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(name)}}
}

// trailDoc is what the tests read of a CloudTrailEvent document.
type trailDoc struct {
	UserIdentity struct {
		Type, ARN, AccountID, AccessKeyID string
		SessionContext                    *struct {
			SourceIdentity string
			SessionIssuer  struct{ ARN string }
		}
	}
	SourceIPAddress, UserAgent, RequestID, EventID, EventTime, RecipientAccountID string
	RequestParameters                                                             struct {
		ClusterIdentifier           string
		AddIamRoles, RemoveIamRoles []string
		DefaultIamRoleArn           string
	}
}

func docOf(t *testing.T, e cttypes.Event) trailDoc {
	t.Helper()
	var d trailDoc
	if err := json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &d); err != nil {
		t.Fatalf("CloudTrailEvent %q: %v", aws.ToString(e.CloudTrailEvent), err)
	}
	return d
}

func TestLookupEventsNamesTheCallerOfEachRoleChangeNewestFirst(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, trailWorld(false))
	modifyRoles(t, e.redshiftAs("us-east-1", dana), []string{roleB}, nil)
	e.clock.Advance(time.Minute)
	op := e.assumed(roleIn(redshiftsim.Account, "Operator"), dana, session("dana-break-glass", "dana@example.com"))
	modifyRoles(t, e.redshiftAs("us-east-1", op), nil, []string{roleA})
	// A refused call leaves no event.
	if _, err := e.redshiftAs("us-east-1", dana).ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{
		ClusterIdentifier: aws.String("nowhere"), AddIamRoles: []string{roleC}}); err == nil {
		t.Fatal("modify of a missing cluster succeeded")
	}

	out, err := e.trailClient("us-east-1", plain).LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{LookupAttributes: byName("ModifyClusterIamRoles")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 2 || out.NextToken != nil {
		t.Fatalf("%d events, next token %v; want the 2 changes", len(out.Events), out.NextToken)
	}
	newest, oldest := out.Events[0], out.Events[1]
	if !newest.EventTime.After(*oldest.EventTime) {
		t.Errorf("not newest first: %v then %v", newest.EventTime, oldest.EventTime)
	}
	for _, ev := range out.Events {
		if aws.ToString(ev.EventSource) != "redshift.amazonaws.com" || aws.ToString(ev.ReadOnly) != "false" ||
			len(ev.Resources) != 1 || aws.ToString(ev.Resources[0].ResourceType) != "AWS::Redshift::Cluster" || aws.ToString(ev.Resources[0].ResourceName) != "analytics" {
			t.Errorf("event fields: %+v", ev)
		}
	}
	if aws.ToString(oldest.Username) != "dana" || aws.ToString(oldest.AccessKeyId) != "AKIADANAEXAMPLE" {
		t.Errorf("user's event: username %q, key %q", aws.ToString(oldest.Username), aws.ToString(oldest.AccessKeyId))
	}
	d := docOf(t, oldest)
	if d.UserIdentity.Type != "IAMUser" || d.UserIdentity.ARN != "arn:aws:iam::123456789012:user/dana" || d.UserIdentity.AccountID != redshiftsim.Account ||
		d.RequestParameters.ClusterIdentifier != "analytics" || len(d.RequestParameters.AddIamRoles) != 1 || d.RequestParameters.AddIamRoles[0] != roleB ||
		d.SourceIPAddress != "127.0.0.1" || !strings.Contains(d.UserAgent, "aws-sdk-go-v2") || d.RecipientAccountID != redshiftsim.Account ||
		d.EventID != aws.ToString(oldest.EventId) || d.RequestID == "" || d.EventTime == "" {
		t.Errorf("user's CloudTrailEvent: %+v", d)
	}
	if aws.ToString(newest.Username) != "dana-break-glass" {
		t.Errorf("session's username %q, want the session name", aws.ToString(newest.Username))
	}
	d = docOf(t, newest)
	if d.UserIdentity.Type != "AssumedRole" || d.UserIdentity.ARN != "arn:aws:sts::123456789012:assumed-role/Operator/dana-break-glass" ||
		d.UserIdentity.SessionContext == nil || d.UserIdentity.SessionContext.SourceIdentity != "dana@example.com" ||
		d.UserIdentity.SessionContext.SessionIssuer.ARN != roleIn(redshiftsim.Account, "Operator") ||
		len(d.RequestParameters.RemoveIamRoles) != 1 || d.RequestParameters.RemoveIamRoles[0] != roleA {
		t.Errorf("session's CloudTrailEvent: %+v", d)
	}
	if got := len(e.sim.Trail(redshiftsim.Account, "eu-west-1")); got != 0 {
		t.Errorf("%d events in another region", got)
	}
}

func TestLookupEventsPagesWithTheSDKPaginator(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, trailWorld(false))
	c := e.redshiftAs("us-east-1", dana)
	for range 4 {
		modifyRoles(t, c, []string{roleB}, nil)
		e.clock.Advance(time.Second)
		modifyRoles(t, c, nil, []string{roleB})
		e.clock.Advance(time.Second)
	}
	ct := e.trailClient("us-east-1", plain)
	p := cloudtrail.NewLookupEventsPaginator(ct, &cloudtrail.LookupEventsInput{LookupAttributes: byName("ModifyClusterIamRoles"), MaxResults: aws.Int32(3)})
	var sizes []int
	var times []time.Time
	seen := map[string]bool{}
	var token *string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Events))
		for _, ev := range page.Events {
			seen[aws.ToString(ev.EventId)] = true
			times = append(times, *ev.EventTime)
		}
		if page.NextToken != nil {
			token = page.NextToken
		}
	}
	if len(sizes) != 3 || sizes[0] != 3 || sizes[1] != 3 || sizes[2] != 2 || len(seen) != 8 {
		t.Fatalf("pages %v, %d distinct events; want 3, 3, 2 and 8", sizes, len(seen))
	}
	for i := 1; i < len(times); i++ {
		if times[i].After(times[i-1]) {
			t.Errorf("event %d (%v) newer than the one before (%v)", i, times[i], times[i-1])
		}
	}

	// A token must come back with the attributes that gave it.
	_, err := ct.LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{NextToken: token,
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("dana")}}})
	wantAPIError(t, err, http.StatusBadRequest, "InvalidNextTokenException")
	_, err = ct.LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{NextToken: aws.String("not-a-token"), LookupAttributes: byName("ModifyClusterIamRoles")})
	wantAPIError(t, err, http.StatusBadRequest, "InvalidNextTokenException")

	// Other attributes and a time range narrow the events.
	for _, tc := range []struct {
		in   cloudtrail.LookupEventsInput
		want int
	}{
		{cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("dana")}}}, 8},
		{cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("rolegate")}}}, 0},
		{cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyAccessKeyId, AttributeValue: aws.String("AKIADANAEXAMPLE")}}}, 8},
		{cloudtrail.LookupEventsInput{LookupAttributes: byName("DeleteCluster")}, 0},
		{cloudtrail.LookupEventsInput{StartTime: aws.Time(times[2]), EndTime: aws.Time(times[0])}, 3},
		{cloudtrail.LookupEventsInput{}, 8},
	} {
		out, err := ct.LookupEvents(ctx(t), &tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) != tc.want {
			t.Errorf("%+v: %d events, want %d", tc.in, len(out.Events), tc.want)
		}
	}
}

func TestLookupEventsRefusesInvalidRequests(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, trailWorld(false))
	now := e.clock.Now()
	two := append(byName("ModifyClusterIamRoles"), cttypes.LookupAttribute{AttributeKey: cttypes.LookupAttributeKeyUsername, AttributeValue: aws.String("dana")})
	for _, tc := range []struct {
		name string
		in   cloudtrail.LookupEventsInput
		code string
	}{
		{"two attributes", cloudtrail.LookupEventsInput{LookupAttributes: two}, "InvalidLookupAttributesException"},
		{"unknown key", cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: "Colour", AttributeValue: aws.String("red")}}}, "InvalidLookupAttributesException"},
		{"start after end", cloudtrail.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))}, "InvalidTimeRangeException"},
		{"start in the future", cloudtrail.LookupEventsInput{StartTime: aws.Time(now.Add(time.Hour))}, "InvalidTimeRangeException"},
		{"no results", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(0)}, "InvalidMaxResultsException"},
		{"too many results", cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)}, "InvalidMaxResultsException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.trailClient("us-east-1", plain).LookupEvents(ctx(t), &tc.in)
			wantAPIError(t, err, http.StatusBadRequest, tc.code)
		})
	}
}

func TestLookupEventsThrottlesAtTwoASecondPerAccountAndRegion(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{ThrottleLookups: true}, trailWorld(false))
	ct := e.trailClient("us-east-1", plain)
	for i := range 2 {
		if _, err := ct.LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{}); err != nil {
			t.Fatalf("lookup %d: %v", i+1, err)
		}
	}
	_, err := ct.LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{})
	api := wantAPIError(t, err, http.StatusBadRequest, "ThrottlingException")
	if api.ErrorMessage() != "Rate exceeded" {
		t.Errorf("message %q", api.ErrorMessage())
	}
	if _, err := e.trailClient("eu-west-1", plain).LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("another region shares the limit: %v", err)
	}
	e.clock.Advance(time.Second)
	if _, err := ct.LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{}); err != nil {
		t.Errorf("a second later: %v", err)
	}
}

func TestLookupEventsDeniedAndDelayedAsTheWorldSays(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, trailWorld(true))
	_, err := e.trailClient("us-east-1", plain).LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{})
	api := wantAPIError(t, err, http.StatusBadRequest, "AccessDeniedException")
	if !strings.Contains(api.ErrorMessage(), "arn:aws:iam::123456789012:user/rolegate is not authorized to perform: cloudtrail:LookupEvents") {
		t.Errorf("message %q", api.ErrorMessage())
	}

	w := trailWorld(false)
	w.CloudTrail = &redshiftsim.TrailSpec{DelaySeconds: 300}
	e = newMultiEnv(t, redshiftsim.Options{}, w)
	modifyRoles(t, e.redshiftAs("us-east-1", dana), []string{roleB}, nil)
	ct := e.trailClient("us-east-1", plain)
	for _, tc := range []struct {
		after time.Duration
		want  int
	}{{0, 0}, {299 * time.Second, 0}, {time.Second, 1}} {
		e.clock.Advance(tc.after)
		out, err := ct.LookupEvents(ctx(t), &cloudtrail.LookupEventsInput{LookupAttributes: byName("ModifyClusterIamRoles")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) != tc.want {
			t.Errorf("after %v more: %d events, want %d", tc.after, len(out.Events), tc.want)
		}
	}
}
