package redshiftsim_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

// Accounts of the multi-account test worlds besides redshiftsim.Account.
const (
	acctB = "111111111111"
	acctC = "222222222222"
)

func roleIn(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// plain is what any caller without temporary credentials signs with.
var plain = credentials.NewStaticCredentialsProvider("AKIAPLAINEXAMPLE", "secret", "")

// stsClient returns an aws-sdk-go-v2 STS client of the simulator in region
// signing with creds, with retries off.
func (e *env) stsClient(region string, creds aws.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{
		Region:           region,
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      creds,
		HTTPClient:       &httpClient{rt: redshiftsim.ClientTransport()},
		RetryMaxAttempts: 1,
	})
}

// redshiftAs returns a Redshift client in region signing with creds.
func (e *env) redshiftAs(region string, creds aws.CredentialsProvider) *redshift.Client {
	return redshift.New(redshift.Options{
		Region:           region,
		BaseEndpoint:     aws.String(e.srv.URL),
		Credentials:      creds,
		HTTPClient:       &httpClient{rt: redshiftsim.ClientTransport()},
		RetryMaxAttempts: 1,
	})
}

// assumed is a credentials provider for roleARN through the SDK's own
// stscreds, assumed by the caller signing with from.
func (e *env) assumed(roleARN string, from aws.CredentialsProvider, opts ...func(*stscreds.AssumeRoleOptions)) aws.CredentialsProvider {
	return aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(e.stsClient("us-east-1", from), roleARN, opts...))
}

// session makes stscreds name the session (and set a source identity).
func session(name, sourceIdentity string) func(*stscreds.AssumeRoleOptions) {
	return func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = name
		if sourceIdentity != "" {
			o.SourceIdentity = aws.String(sourceIdentity)
		}
	}
}

// staticOf signs with the credentials an AssumeRole call returned.
func staticOf(c *ststypes.Credentials) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
}

// newMultiEnv starts a simulator on a manual clock standing at the real
// time (the SDK's credential cache compares expirations with it) with
// world loaded.
func newMultiEnv(t *testing.T, o redshiftsim.Options, world redshiftsim.World) *env {
	t.Helper()
	clock := redshiftsim.NewManualClock(time.Now().UTC().Truncate(time.Second))
	o.Clock = clock
	e := newEnv(t, o)
	e.clock = clock
	if err := e.sim.LoadWorld(world); err != nil {
		t.Fatal(err)
	}
	return e
}

// wantAPIError requires err to be an API error with code and HTTP status.
func wantAPIError(t *testing.T, err error, status int, code string) smithy.APIError {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d for %s, got %v", status, code, err)
	}
	return api
}

func statusOK(t *testing.T, resp *http.Response, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
