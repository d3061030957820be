package redshiftsim_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/redshift/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"rolegate/redshiftsim"
)

// twoAccountWorld has a cluster "shared" in the default account and,
// different, in acctB, clusters only in acctB and only in acctC, and roles
// covering each kind of trust.
func twoAccountWorld() redshiftsim.World {
	def := redshiftsim.Account
	return redshiftsim.World{
		Accounts: []redshiftsim.AccountSpec{
			{ID: acctB, Roles: []redshiftsim.AssumableRole{
				{Name: "Admin", Trust: []string{def}, AllowSourceIdentity: true, MaxSessionDuration: 7200},
				{Name: "Vendor", Trust: []string{"arn:aws:iam::" + def + ":root"}, ExternalID: "vendor-42"},
				{Name: "NoSource", Trust: []string{def}},
				{Name: "OtherTrust", Trust: []string{acctC}},
				{Name: "ops/Deployer", Trust: []string{"arn:aws:iam::" + def + ":user/" + redshiftsim.User}},
			}},
			{ID: acctC, Roles: []redshiftsim.AssumableRole{
				{Name: "Chained", Trust: []string{roleIn(acctB, "Admin")}, AllowSourceIdentity: true},
				{Name: "ChainedNoSource", Trust: []string{roleIn(acctB, "Admin")}},
			}},
		},
		Seeds: []redshiftsim.Seed{
			{Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{ID: "shared", NodeType: "dc2.large", NumberOfNodes: 1}},
			{Account: acctB, Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{ID: "shared", NodeType: "ra3.4xlarge", NumberOfNodes: 4}},
			{Account: acctB, Region: "us-east-1", Cluster: redshiftsim.ClusterSpec{ID: "b-only",
				Roles: []redshiftsim.RoleSpec{{ARN: roleIn(acctB, "Copy")}}}},
			{Account: acctC, Region: "eu-west-1", Cluster: redshiftsim.ClusterSpec{ID: "c-only"}},
		},
	}
}

func clusterIDs(t *testing.T, c *redshift.Client) []string {
	t.Helper()
	out, err := c.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, cl := range out.Clusters {
		ids = append(ids, aws.ToString(cl.ClusterIdentifier)+"/"+aws.ToString(cl.NodeType))
	}
	return ids
}

// Credentials from AssumeRole, obtained through the SDK's stscreds, reach
// the role's account and nothing else; plain credentials reach the default
// account, as they always did.
func TestAssumedCredentialsReachOnlyTheirAccount(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	asB := e.assumed(roleIn(acctB, "Admin"), plain, session("alice-1", "alice"))
	plainRS, bRS := e.redshiftAs("us-east-1", plain), e.redshiftAs("us-east-1", asB)

	if got := clusterIDs(t, plainRS); !slices.Equal(got, []string{"shared/dc2.large"}) {
		t.Errorf("plain credentials see %v", got)
	}
	if got := clusterIDs(t, bRS); !slices.Equal(got, []string{"b-only/ra3.xlplus", "shared/ra3.4xlarge"}) {
		t.Errorf("%s credentials see %v", acctB, got)
	}
	var nf *types.ClusterNotFoundFault
	if _, err := plainRS.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("b-only")}); !errors.As(err, &nf) {
		t.Errorf("plain credentials found another account's cluster: %v", err)
	}
	if _, err := e.redshiftAs("eu-west-1", asB).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("c-only")}); !errors.As(err, &nf) {
		t.Errorf("%s credentials found %s's cluster: %v", acctB, acctC, err)
	}

	// A change made with B's credentials lands in B's cluster only.
	spectrum := roleIn(acctB, "Spectrum")
	out, err := bRS.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("shared"), AddIamRoles: []string{spectrum}})
	if err != nil {
		t.Fatal(err)
	}
	if ns := aws.ToString(out.Cluster.ClusterNamespaceArn); !strings.Contains(ns, ":"+acctB+":namespace:") {
		t.Errorf("namespace ARN %s does not name account %s", ns, acctB)
	}
	if c, ok := e.sim.ClusterIn(acctB, "us-east-1", "shared"); !ok || len(c.IamRoles) != 1 || aws.ToString(c.IamRoles[0].IamRoleArn) != spectrum {
		t.Errorf("%s/shared after modify: %+v", acctB, c.IamRoles)
	}
	if c, _ := e.sim.Cluster("us-east-1", "shared"); len(c.IamRoles) != 0 {
		t.Errorf("the default account's cluster changed too: %+v", c.IamRoles)
	}

	who, err := e.stsClient("us-east-1", asB).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != acctB || aws.ToString(who.Arn) != "arn:aws:sts::"+acctB+":assumed-role/Admin/alice-1" ||
		!strings.HasPrefix(aws.ToString(who.UserId), "AROA") || !strings.HasSuffix(aws.ToString(who.UserId), ":alice-1") {
		t.Errorf("assumed caller identity %s %s %s", aws.ToString(who.Account), aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
	who, err = e.stsClient("eu-west-1", plain).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != redshiftsim.Account || aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/"+redshiftsim.User ||
		!strings.HasPrefix(aws.ToString(who.UserId), "AIDA") {
		t.Errorf("plain caller identity %s %s %s", aws.ToString(who.Account), aws.ToString(who.Arn), aws.ToString(who.UserId))
	}
}

// AssumeRole hands out ASIA keys with a session token that expire on the
// simulator's clock, and later calls must bring the token and come before
// the expiration.
func TestIssuedCredentialsAreCheckedOnLaterCalls(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	c := e.stsClient("us-east-1", plain)
	short, err := c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Admin")), RoleSessionName: aws.String("short"),
		DurationSeconds: aws.Int32(900), SourceIdentity: aws.String("bob@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	cr := short.Credentials
	if k := aws.ToString(cr.AccessKeyId); !strings.HasPrefix(k, "ASIA") || len(k) != 20 || aws.ToString(cr.SecretAccessKey) == "" || aws.ToString(cr.SessionToken) == "" {
		t.Errorf("credentials %+v", cr)
	}
	if want := e.clock.Now().Add(900 * time.Second); !aws.ToTime(cr.Expiration).Equal(want) {
		t.Errorf("expiration %v, want %v", aws.ToTime(cr.Expiration), want)
	}
	if aws.ToString(short.SourceIdentity) != "bob@example.com" || aws.ToString(short.AssumedRoleUser.Arn) != "arn:aws:sts::"+acctB+":assumed-role/Admin/short" {
		t.Errorf("source identity %q, assumed role user %+v", aws.ToString(short.SourceIdentity), short.AssumedRoleUser)
	}
	long, err := c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Admin")), RoleSessionName: aws.String("long")})
	if err != nil {
		t.Fatal(err)
	}
	if want := e.clock.Now().Add(time.Hour); !aws.ToTime(long.Credentials.Expiration).Equal(want) {
		t.Errorf("default expiration %v, want %v", aws.ToTime(long.Credentials.Expiration), want)
	}
	if aws.ToString(long.Credentials.AccessKeyId) == aws.ToString(cr.AccessKeyId) {
		t.Error("two AssumeRole calls gave the same access key")
	}

	describe := func(creds aws.CredentialsProvider) error {
		_, err := e.redshiftAs("us-east-1", creds).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
		return err
	}
	if err := describe(staticOf(cr)); err != nil {
		t.Fatalf("issued credentials refused: %v", err)
	}
	key, secret := aws.ToString(cr.AccessKeyId), aws.ToString(cr.SecretAccessKey)
	wantAPIError(t, describe(credentials.NewStaticCredentialsProvider(key, secret, "")), 403, "InvalidClientTokenId")
	wantAPIError(t, describe(credentials.NewStaticCredentialsProvider(key, secret, aws.ToString(long.Credentials.SessionToken))), 403, "InvalidClientTokenId")

	e.clock.Advance(899 * time.Second)
	if err := describe(staticOf(cr)); err != nil {
		t.Fatalf("refused a second before expiry: %v", err)
	}
	e.clock.Advance(time.Second)
	api := wantAPIError(t, describe(staticOf(cr)), 403, "ExpiredToken")
	if api.ErrorMessage() != "The security token included in the request is expired" {
		t.Errorf("message %q", api.ErrorMessage())
	}
	_, err = e.stsClient("us-east-1", staticOf(cr)).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, 403, "ExpiredToken")
	if err := describe(staticOf(long.Credentials)); err != nil {
		t.Errorf("the hour-long credentials expired early: %v", err)
	}
}

// AssumeRole is refused with STS's own codes: AccessDenied for anything
// about the role or its trust, ValidationError for bad parameters.
func TestAssumeRoleRefusals(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	c := e.stsClient("us-east-1", plain)
	denied := func(role string) string {
		return "User: arn:aws:iam::123456789012:user/rolegate is not authorized to perform: sts:AssumeRole on resource: " + role
	}
	for _, tc := range []struct {
		name   string
		in     sts.AssumeRoleInput
		status int
		code   string
		msg    string // the whole message, or a part of it after "~"
	}{
		{name: "unknown role", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Nope"))},
			status: 403, code: "AccessDenied", msg: denied(roleIn(acctB, "Nope"))},
		{name: "unknown account", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn("999999999999", "Admin"))},
			status: 403, code: "AccessDenied", msg: denied(roleIn("999999999999", "Admin"))},
		{name: "not an ARN", in: sts.AssumeRoleInput{RoleArn: aws.String("role/Admin-but-not-an-arn")},
			status: 403, code: "AccessDenied", msg: denied("role/Admin-but-not-an-arn")},
		{name: "ARN of a user", in: sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + acctB + ":user/bob")},
			status: 400, code: "ValidationError", msg: "Request ARN is invalid"},
		{name: "trust names another account", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "OtherTrust"))},
			status: 403, code: "AccessDenied", msg: denied(roleIn(acctB, "OtherTrust"))},
		{name: "trust names a role, caller is a user", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctC, "Chained"))},
			status: 403, code: "AccessDenied", msg: denied(roleIn(acctC, "Chained"))},
		{name: "wrong external ID", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Vendor")), ExternalId: aws.String("vendor-43")},
			status: 403, code: "AccessDenied", msg: denied(roleIn(acctB, "Vendor"))},
		{name: "missing external ID", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Vendor"))},
			status: 403, code: "AccessDenied", msg: denied(roleIn(acctB, "Vendor"))},
		{name: "source identity not allowed", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "NoSource")), SourceIdentity: aws.String("alice")},
			status: 403, code: "AccessDenied", msg: denied(roleIn(acctB, "NoSource"))},
		{name: "session name too short", in: sts.AssumeRoleInput{RoleSessionName: aws.String("a")},
			status: 400, code: "ValidationError",
			msg: "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{name: "session name with a space", in: sts.AssumeRoleInput{RoleSessionName: aws.String("alice smith")},
			status: 400, code: "ValidationError",
			msg: `1 validation error detected: Value 'alice smith' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{name: "session name too long", in: sts.AssumeRoleInput{RoleSessionName: aws.String(strings.Repeat("s", 65))},
			status: 400, code: "ValidationError", msg: "~at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{name: "source identity with the aws: prefix", in: sts.AssumeRoleInput{SourceIdentity: aws.String("aws:alice")},
			status: 400, code: "ValidationError", msg: "~Value 'aws:alice' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{name: "source identity too short", in: sts.AssumeRoleInput{SourceIdentity: aws.String("a")},
			status: 400, code: "ValidationError", msg: "~at 'sourceIdentity' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{name: "external ID with a space", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Vendor")), ExternalId: aws.String("vendor 42")},
			status: 400, code: "ValidationError", msg: "~at 'externalId' failed to satisfy constraint"},
		{name: "duration under 15 minutes", in: sts.AssumeRoleInput{DurationSeconds: aws.Int32(899)},
			status: 400, code: "ValidationError", msg: "~Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{name: "two bad parameters", in: sts.AssumeRoleInput{RoleSessionName: aws.String("a b"), SourceIdentity: aws.String("x")},
			status: 400, code: "ValidationError", msg: "~2 validation errors detected: Value 'a b' at 'roleSessionName'"},
		{name: "duration over the role's maximum", in: sts.AssumeRoleInput{DurationSeconds: aws.Int32(7201)},
			status: 400, code: "ValidationError", msg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
		{name: "duration over the default maximum", in: sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "NoSource")), DurationSeconds: aws.Int32(3601)},
			status: 400, code: "ValidationError", msg: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.RoleArn == nil {
				in.RoleArn = aws.String(roleIn(acctB, "Admin"))
			}
			if in.RoleSessionName == nil {
				in.RoleSessionName = aws.String("refused")
			}
			_, err := c.AssumeRole(ctx(t), &in)
			api := wantAPIError(t, err, tc.status, tc.code)
			if part, ok := strings.CutPrefix(tc.msg, "~"); ok {
				if !strings.Contains(api.ErrorMessage(), part) {
					t.Errorf("message %q lacks %q", api.ErrorMessage(), part)
				}
			} else if api.ErrorMessage() != tc.msg {
				t.Errorf("message %q, want %q", api.ErrorMessage(), tc.msg)
			}
		})
	}
	if n := e.sim.Stats().Errors("AssumeRole", "us-east-1"); n != 19 {
		t.Errorf("%d refused AssumeRole calls counted", n)
	}

	// What the SDK would not send: the required parameters missing.
	raw := url.Values{"Action": {"AssumeRole"}, "Version": {redshiftsim.STSVersion}}
	r := e.postSTS(t, raw.Encode())
	r.wantError(t, 400, "ValidationError", "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; "+
		"Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	if !strings.Contains(r.body, `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`) {
		t.Errorf("an STS error in another namespace: %s", r.body)
	}
	e.postSTS(t, "Action=GetCallerIdentity&Version=2012-12-01").wantError(t, 400, "NoSuchVersion",
		"The requested version (2012-12-01) of service AWSSecurityTokenService does not exist.")
	e.postSTS(t, "Action=DescribeClusters&Version=2011-06-15").wantError(t, 400, "InvalidAction", "")

	// The trust policy may name an IAM user; a role's path is not part of
	// the session ARN.
	out, err := c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "ops/Deployer")), RoleSessionName: aws.String("deploy")})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(out.AssumedRoleUser.Arn); arn != "arn:aws:sts::"+acctB+":assumed-role/Deployer/deploy" {
		t.Errorf("assumed role ARN %s", arn)
	}
	if _, err := c.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Vendor")), RoleSessionName: aws.String("vendor"),
		ExternalId: aws.String("vendor-42")}); err != nil {
		t.Errorf("the right external ID was refused: %v", err)
	}
}

// postSTS sends a raw Query request signed (nominally) for STS.
func (e *env) postSTS(t *testing.T, body string) wireResp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDRAW/20260302/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000")
	return do(t, req)
}

// A session's source identity carries over when it assumes another role
// and cannot be changed there; chained sessions last at most an hour.
func TestRoleChainingKeepsTheSourceIdentity(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	asB := e.assumed(roleIn(acctB, "Admin"), plain, session("alice-1", "alice"))
	fromB := e.stsClient("us-east-1", asB)

	out, err := fromB.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctC, "Chained")), RoleSessionName: aws.String("hop")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("source identity %q after chaining", aws.ToString(out.SourceIdentity))
	}
	if got := clusterIDs(t, e.redshiftAs("eu-west-1", staticOf(out.Credentials))); !slices.Equal(got, []string{"c-only/ra3.xlplus"}) {
		t.Errorf("chained credentials see %v", got)
	}
	last := e.sim.Stats().Log
	if c := last[len(last)-1]; c.Account != acctC || c.Session != "hop" || c.SourceIdentity != "alice" || c.Role != roleIn(acctC, "Chained") {
		t.Errorf("chained call recorded as %+v", c)
	}

	for name, in := range map[string]*sts.AssumeRoleInput{
		"changed source identity": {RoleArn: aws.String(roleIn(acctC, "Chained")), RoleSessionName: aws.String("hop"), SourceIdentity: aws.String("mallory")},
		"source identity carried over to a role that does not allow it": {RoleArn: aws.String(roleIn(acctC, "ChainedNoSource")), RoleSessionName: aws.String("hop")},
	} {
		_, err := fromB.AssumeRole(ctx(t), in)
		api := wantAPIError(t, err, 403, "AccessDenied")
		if want := "User: arn:aws:sts::" + acctB + ":assumed-role/Admin/alice-1 is not authorized"; !strings.HasPrefix(api.ErrorMessage(), want) {
			t.Errorf("%s: message %q", name, api.ErrorMessage())
		}
	}
	_, err = fromB.AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctC, "Chained")), RoleSessionName: aws.String("hop"), DurationSeconds: aws.Int32(3601)})
	api := wantAPIError(t, err, 400, "ValidationError")
	if api.ErrorMessage() != "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining." {
		t.Errorf("message %q", api.ErrorMessage())
	}
}

// Every call in /_sim/stats names its service and who made it: account,
// caller ARN, role, session name, source identity and access key; an
// AssumeRole call names the role it asked for.
func TestStatsNameWhoMadeEachCall(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	if _, err := e.redshiftAs("us-east-1", plain).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{}); err != nil {
		t.Fatal(err)
	}
	asB := e.assumed(roleIn(acctB, "Admin"), plain, session("alice-1", "alice"))
	if _, err := e.redshiftAs("us-east-1", asB).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{ClusterIdentifier: aws.String("b-only")}); err != nil {
		t.Fatal(err)
	}
	creds, err := asB.Retrieve(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.redshiftAs("us-east-1", credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, "forged")).
		DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
	wantAPIError(t, err, 403, "InvalidClientTokenId")

	resp, err := http.Get(e.srv.URL + "/_sim/stats")
	statusOK(t, resp, err)
	defer resp.Body.Close()
	var st redshiftsim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Log) != 4 {
		t.Fatalf("%d calls logged: %+v", len(st.Log), st.Log)
	}
	plainARN := "arn:aws:iam::123456789012:user/" + redshiftsim.User
	want := []redshiftsim.Call{
		{Service: "redshift", Op: "DescribeClusters", Region: "us-east-1", Status: 200,
			Account: redshiftsim.Account, Principal: plainARN, AccessKey: "AKIAPLAINEXAMPLE"},
		{Service: "sts", Op: "AssumeRole", Region: "us-east-1", Status: 200, Target: roleIn(acctB, "Admin"),
			Account: redshiftsim.Account, Principal: plainARN, AccessKey: "AKIAPLAINEXAMPLE"},
		{Service: "redshift", Op: "DescribeClusters", Region: "us-east-1", Cluster: "b-only", Status: 200,
			Account: acctB, Principal: "arn:aws:sts::" + acctB + ":assumed-role/Admin/alice-1", Role: roleIn(acctB, "Admin"),
			Session: "alice-1", SourceIdentity: "alice", AccessKey: creds.AccessKeyID},
		{Service: "redshift", Op: "DescribeClusters", Region: "us-east-1", Status: 403, Code: "InvalidClientTokenId",
			AccessKey: creds.AccessKeyID},
	}
	for i, c := range st.Log {
		c.Time, c.RequestID, c.Duration = time.Time{}, "", 0
		if c != want[i] {
			t.Errorf("call %d:\n got %+v\nwant %+v", i+1, c, want[i])
		}
	}
}

// With StrictTokens a session token the simulator never issued is refused
// as AWS refuses it; without, any credentials still work.
func TestStrictTokensRefuseSessionTokensNobodyIssued(t *testing.T) {
	made := credentials.NewStaticCredentialsProvider("ASIAMADEUPEXAMPLE", "secret", "made-up-token")
	for strict, want := range map[bool]string{true: "InvalidClientTokenId", false: ""} {
		e := newMultiEnv(t, redshiftsim.Options{StrictTokens: strict}, twoAccountWorld())
		_, err := e.redshiftAs("us-east-1", made).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
		if want == "" && err != nil {
			t.Errorf("strict %v: %v", strict, err)
		}
		if want != "" {
			wantAPIError(t, err, 403, want)
		}
		if got := clusterIDs(t, e.redshiftAs("us-east-1", plain)); len(got) != 1 {
			t.Errorf("strict %v: plain credentials see %v", strict, got)
		}
		if _, err := e.redshiftAs("us-east-1", e.assumed(roleIn(acctB, "Admin"), plain)).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{}); err != nil {
			t.Errorf("strict %v: issued credentials refused: %v", strict, err)
		}
	}
}

// A DescribeClusters marker is good only in the account that gave it.
func TestMarkerIsBoundToItsAccount(t *testing.T) {
	seeds := redshiftsim.Generate(25, []string{"us-east-1"}, 3)
	for i := range seeds {
		seeds[i].Account = acctB
	}
	world := twoAccountWorld()
	world.Seeds = append(world.Seeds[:1], seeds...)
	e := newMultiEnv(t, redshiftsim.Options{}, world)
	asB := e.redshiftAs("us-east-1", e.assumed(roleIn(acctB, "Admin"), plain, func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "pager" }))
	first, err := asB.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{MaxRecords: aws.Int32(20)})
	if err != nil || first.Marker == nil {
		t.Fatalf("first page: %v", err)
	}
	_, err = e.redshiftAs("us-east-1", plain).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{MaxRecords: aws.Int32(20), Marker: first.Marker})
	wantAPIError(t, err, 400, "InvalidParameterValue")
	rest, err := asB.DescribeClusters(ctx(t), &redshift.DescribeClustersInput{MaxRecords: aws.Int32(20), Marker: first.Marker})
	if err != nil || len(rest.Clusters) != 5 {
		t.Fatalf("second page: %d clusters, %v", len(rest.Clusters), err)
	}
}

// Calls with issued credentials must be signed with the secret that came
// with them, over what was actually sent.
func TestIssuedCredentialsMustBeSignedWithTheirSecret(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	out, err := e.stsClient("us-east-1", plain).AssumeRole(ctx(t), &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Admin")), RoleSessionName: aws.String("signer")})
	if err != nil {
		t.Fatal(err)
	}
	cr := out.Credentials
	key, token := aws.ToString(cr.AccessKeyId), aws.ToString(cr.SessionToken)
	wrong := credentials.NewStaticCredentialsProvider(key, "not-the-secret", token)
	_, err = e.redshiftAs("us-east-1", wrong).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{})
	wantAPIError(t, err, 403, "SignatureDoesNotMatch")
	_, err = e.stsClient("eu-west-1", wrong).GetCallerIdentity(ctx(t), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, 403, "SignatureDoesNotMatch")
	if _, err := e.redshiftAs("eu-west-1", staticOf(cr)).DescribeClusters(ctx(t), &redshift.DescribeClustersInput{}); err != nil {
		t.Fatalf("the right secret was refused: %v", err)
	}

	// Signed by the SDK's own signer, then changed on the way.
	signed := func(body string) *http.Request {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		sum := sha256.Sum256([]byte(body))
		c := aws.Credentials{AccessKeyID: key, SecretAccessKey: aws.ToString(cr.SecretAccessKey), SessionToken: token}
		if err := v4.NewSigner().SignHTTP(ctx(t), c, req, hex.EncodeToString(sum[:]), "redshift", "us-east-1", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		return req
	}
	describe := form("Action", "DescribeClusters")
	do(t, signed(describe)).wantOK(t)
	tampered := signed(describe)
	tampered.Body = io.NopCloser(strings.NewReader(form("Action", "DescribeClusters", "ClusterIdentifier", "shared")))
	tampered.ContentLength = -1
	do(t, tampered).wantError(t, 403, "SignatureDoesNotMatch", "")
	undated := signed(describe)
	undated.Header.Del("X-Amz-Date")
	do(t, undated).wantError(t, 403, "IncompleteSignature", "")
}

// Injected faults reach STS actions as they reach Redshift's.
func TestFaultsApplyToSTSActions(t *testing.T) {
	e := newMultiEnv(t, redshiftsim.Options{}, twoAccountWorld())
	e.sim.AddFaults(redshiftsim.Fault{Op: "AssumeRole", Kind: redshiftsim.FaultThrottle, Next: 1})
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleIn(acctB, "Admin")), RoleSessionName: aws.String("throttled")}
	c := e.stsClient("us-east-1", plain)
	_, err := c.AssumeRole(ctx(t), in)
	wantAPIError(t, err, 400, "Throttling")
	if _, err := c.AssumeRole(ctx(t), in); err != nil {
		t.Fatalf("after the fault: %v", err)
	}
	if st := e.sim.Stats(); st.Calls("AssumeRole", "us-east-1") != 2 || st.Errors("AssumeRole", "us-east-1") != 1 {
		t.Errorf("stats %+v", st.Ops)
	}
}
