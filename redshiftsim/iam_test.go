package redshiftsim_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

// iamClient returns an aws-sdk-go-v2 IAM client of the simulator signing
// with creds (plain credentials when nil), with the standard retryer's
// attempts given.
func (e *env) iamClient(creds aws.CredentialsProvider, attempts int) *iam.Client {
	if creds == nil {
		creds = plain
	}
	return iam.New(iam.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      creds,
		HTTPClient:       &httpClient{rt: redshiftsim.ClientTransport()},
		RetryMaxAttempts: attempts,
	})
}

func iamWorld(t *testing.T, spec *redshiftsim.IAMSpec) *env {
	t.Helper()
	e := newEnv(t, redshiftsim.Options{})
	if err := e.sim.DeclareAccount(redshiftsim.AccountSpec{ID: redshiftsim.Account, IAM: spec}); err != nil {
		t.Fatal(err)
	}
	return e
}

func apiCode(t *testing.T, err error) (string, int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error", err)
	}
	var re *awshttp.ResponseError
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status
}

func TestTheIAMPaginatorWalksEveryRoleInPagesAndHonoursThePathPrefix(t *testing.T) {
	e := iamWorld(t, &redshiftsim.IAMSpec{Roles: redshiftsim.GenerateIAMRoles(250)})
	c := e.iamClient(nil, 1)
	pages, names := 0, map[string]bool{}
	pg := iam.NewListRolesPaginator(c, &iam.ListRolesInput{MaxItems: aws.Int32(100)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range out.Roles {
			names[aws.ToString(r.RoleName)] = true
		}
	}
	if pages != 3 || len(names) != 250 {
		t.Fatalf("got %d pages and %d distinct roles, want 3 and 250", pages, len(names))
	}
	out, err := c.ListRoles(ctx(t), &iam.ListRolesInput{PathPrefix: aws.String("/service-role/"), MaxItems: aws.Int32(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Roles) != 84 || out.IsTruncated {
		t.Fatalf("path prefix /service-role/ gave %d roles (truncated %v), want 84", len(out.Roles), out.IsTruncated)
	}
	for _, r := range out.Roles {
		if aws.ToString(r.Path) != "/service-role/" || !strings.HasPrefix(aws.ToString(r.RoleId), "AROA") {
			t.Fatalf("role %+v: want path /service-role/ and an AROA id", r)
		}
	}
}

func TestGetRoleReturnsTheTrustPolicyPercentEncodedAsIAMDoes(t *testing.T) {
	e := iamWorld(t, &redshiftsim.IAMSpec{Roles: []redshiftsim.IAMRole{
		{Name: "service-role/RedshiftETL", Services: []string{"redshift.amazonaws.com"}, SourceAccount: true},
	}})
	out, err := e.iamClient(nil, 1).GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("RedshiftETL")})
	if err != nil {
		t.Fatal(err)
	}
	raw := aws.ToString(out.Role.AssumeRolePolicyDocument)
	if strings.Contains(raw, "{") || !strings.Contains(raw, "%7B") {
		t.Fatalf("document %q is not percent-encoded", raw)
	}
	doc, err := url.QueryUnescape(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Service":"redshift.amazonaws.com"`, `"Action":"sts:AssumeRole"`, `"aws:SourceAccount":"123456789012"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("document %s lacks %s", doc, want)
		}
	}
	if got := aws.ToString(out.Role.Arn); got != "arn:aws:iam::123456789012:role/service-role/RedshiftETL" {
		t.Errorf("ARN %s", got)
	}
	if out.Role.RoleLastUsed == nil {
		t.Error("GetRole should carry RoleLastUsed")
	}
}

func TestIAMAnswersWithItsRealErrorCodes(t *testing.T) {
	e := iamWorld(t, &redshiftsim.IAMSpec{Roles: []redshiftsim.IAMRole{{Name: "A", Services: []string{"redshift.amazonaws.com"}}}, Deny: []string{"iam:SimulatePrincipalPolicy"}})
	c := e.iamClient(nil, 1)
	_, err := c.GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("Missing")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("missing role: %v, want NoSuchEntityException", err)
	}
	if code, status := apiCode(t, err); code != "NoSuchEntity" || status != http.StatusNotFound || !strings.Contains(err.Error(), "The role with name Missing cannot be found.") {
		t.Fatalf("missing role: %s %d %v", code, status, err)
	}
	_, err = c.SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/rolegate"), ActionNames: []string{"iam:PassRole"}})
	if code, status := apiCode(t, err); code != "AccessDenied" || status != http.StatusForbidden {
		t.Fatalf("denied simulation: %s %d", code, status)
	}
	if !strings.Contains(err.Error(), "is not authorized to perform: iam:SimulatePrincipalPolicy") {
		t.Fatalf("denied simulation message: %v", err)
	}
	e.sim.SetFaults(redshiftsim.Fault{Op: "ListRoles", Kind: redshiftsim.FaultThrottle, Next: 2})
	if _, err := c.ListRoles(ctx(t), &iam.ListRolesInput{}); err == nil {
		t.Fatal("throttled ListRoles succeeded")
	} else if code, status := apiCode(t, err); code != "Throttling" || status != http.StatusBadRequest {
		t.Fatalf("throttled: %s %d", code, status)
	}
	// The standard retryer rides out the second throttle.
	out, err := e.iamClient(nil, 3).ListRoles(ctx(t), &iam.ListRolesInput{})
	if err != nil || len(out.Roles) != 1 {
		t.Fatalf("retried ListRoles: %v, %d roles", err, len(out.Roles))
	}
	_, err = c.ListRoles(ctx(t), &iam.ListRolesInput{MaxItems: aws.Int32(0)})
	if code, _ := apiCode(t, err); code != "ValidationError" {
		t.Fatalf("MaxItems 0: %s", code)
	}
}

func TestSimulatePrincipalPolicyDecidesPassRoleAsTheWorldDeclares(t *testing.T) {
	redshiftOnly := []string{"redshift.amazonaws.com"}
	e := iamWorld(t, &redshiftsim.IAMSpec{Roles: []redshiftsim.IAMRole{
		{Name: "Open", Services: redshiftOnly},
		{Name: "Closed", Services: redshiftOnly, Pass: redshiftsim.DecisionImplicitDeny},
		{Name: "Forbidden", Services: redshiftOnly, Pass: redshiftsim.DecisionExplicitDeny},
	}})
	arn := func(n string) string { return "arn:aws:iam::123456789012:role/" + n }
	out, err := e.iamClient(nil, 1).SimulatePrincipalPolicy(ctx(t), &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/rolegate"),
		ActionNames:     []string{"iam:PassRole"},
		ResourceArns:    []string{arn("Open"), arn("Closed"), arn("Forbidden"), arn("Nobody")},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("iam:PassedToService"),
			ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{"redshift.amazonaws.com"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]iamtypes.PolicyEvaluationDecisionType{}
	for _, r := range out.EvaluationResults {
		got[aws.ToString(r.EvalResourceName)] = r.EvalDecision
	}
	want := map[string]iamtypes.PolicyEvaluationDecisionType{
		arn("Open"): iamtypes.PolicyEvaluationDecisionTypeAllowed, arn("Closed"): iamtypes.PolicyEvaluationDecisionTypeImplicitDeny,
		arn("Forbidden"): iamtypes.PolicyEvaluationDecisionTypeExplicitDeny, arn("Nobody"): iamtypes.PolicyEvaluationDecisionTypeImplicitDeny,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
}

func TestRedshiftRefusesARoleTheAccountsIAMLacksOrThatDoesNotTrustIt(t *testing.T) {
	e := iamWorld(t, &redshiftsim.IAMSpec{Roles: []redshiftsim.IAMRole{
		{Name: "Good", Services: []string{"redshift.amazonaws.com"}},
		{Name: "LambdaOnly", Services: []string{"lambda.amazonaws.com"}},
	}})
	e.add(t, "us-east-1", redshiftsim.ClusterSpec{ID: "c1"})
	rs := e.client("us-east-1")
	arn := func(n string) string { return "arn:aws:iam::123456789012:role/" + n }
	for _, bad := range []string{"LambdaOnly", "Missing"} {
		_, err := rs.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("c1"), AddIamRoles: []string{arn(bad)}})
		code, status := apiCode(t, err)
		if code != "InvalidParameterValue" || status != http.StatusBadRequest || !strings.Contains(err.Error(), "The IAM role must delegate access to an Amazon Redshift account.") {
			t.Fatalf("%s: %s %d %v", bad, code, status, err)
		}
	}
	if _, err := rs.ModifyClusterIamRoles(ctx(t), &redshift.ModifyClusterIamRolesInput{ClusterIdentifier: aws.String("c1"), AddIamRoles: []string{arn("Good")}}); err != nil {
		t.Fatalf("a role trusting Redshift: %v", err)
	}
}

func TestTheDemoWorldsIAMHoldsEveryKindOfRoleInEachAccount(t *testing.T) {
	e := newEnv(t, redshiftsim.Options{})
	if err := e.sim.LoadWorld(redshiftsim.DemoWorld()); err != nil {
		t.Fatal(err)
	}
	out, err := e.iamClient(nil, 1).ListRoles(ctx(t), &iam.ListRolesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var linked, lambda bool
	for _, r := range out.Roles {
		linked = linked || strings.HasPrefix(aws.ToString(r.Path), "/aws-service-role/")
		lambda = lambda || aws.ToString(r.RoleName) == "LambdaDataLoader"
	}
	if !linked || !lambda || len(out.Roles) < 8 {
		t.Fatalf("demo default account roles: %d, service-linked %v, lambda %v", len(out.Roles), linked, lambda)
	}
	data := e.assumed(roleIn(redshiftsim.DemoDataAccount, redshiftsim.DemoAccessRole), plain)
	got, err := e.iamClient(data, 1).GetRole(ctx(t), &iam.GetRoleInput{RoleName: aws.String("RedshiftSpectrum")})
	if err != nil {
		t.Fatal(err)
	}
	if a := aws.ToString(got.Role.Arn); a != roleIn(redshiftsim.DemoDataAccount, "RedshiftSpectrum") {
		t.Fatalf("the data account's role read with its credentials: %s", a)
	}
}
