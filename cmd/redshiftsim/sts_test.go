package main

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/redshift"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"rolegate/redshiftsim"
)

// serve runs the command with args until the test ends and returns its URL.
func serve(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-listen", "127.0.0.1:0"}, args...), func(string) string { return "" }, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after cancel")
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if u, ok := strings.CutPrefix(strings.TrimSpace(stdout.String()), "listening on "); ok {
			return u
		}
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no address; stderr %s", stderr.String())
		}
	}
}

var plainCreds = credentials.NewStaticCredentialsProvider("AKIDPLAIN", "SECRET", "")

func clients(url string, creds aws.CredentialsProvider) (*sts.Client, *redshift.Client) {
	hc := &http.Client{Transport: redshiftsim.ClientTransport()}
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, HTTPClient: hc, RetryMaxAttempts: 1}),
		redshift.New(redshift.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: creds, HTTPClient: hc, RetryMaxAttempts: 1})
}

// The command's demo world answers STS: the data account's clusters are
// reached by assuming its role, and plain credentials see the default
// account as before.
func TestDemoProcessAssumesRolesIntoItsAccounts(t *testing.T) {
	url := serve(t, "-world", "demo")
	stsPlain, rsPlain := clients(url, plainCreds)
	out, err := rsPlain.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{})
	if err != nil || len(out.Clusters) != 6 {
		t.Fatalf("plain credentials in us-east-1: %d clusters, %v", len(out.Clusters), err)
	}
	provider := stscreds.NewAssumeRoleProvider(stsPlain, "arn:aws:iam::"+redshiftsim.DemoDataAccount+":role/"+redshiftsim.DemoAccessRole,
		func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "cli-test" })
	stsData, rsData := clients(url, aws.NewCredentialsCache(provider))
	who, err := stsData.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Account) != redshiftsim.DemoDataAccount {
		t.Fatalf("caller identity %v, %v", who, err)
	}
	out, err = rsData.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{})
	if err != nil || len(out.Clusters) != 2 || aws.ToString(out.Clusters[0].ClusterIdentifier) != "lakehouse-dev" {
		t.Fatalf("data account in us-east-1: %+v, %v", out, err)
	}
}

// -strict-tokens refuses session tokens the simulator did not issue.
func TestStrictTokensFlag(t *testing.T) {
	made := credentials.NewStaticCredentialsProvider("ASIAMADEUP", "SECRET", "not-issued")
	for _, strict := range []bool{false, true} {
		args := []string{"-world", "generate:3"}
		if strict {
			args = append(args, "-strict-tokens")
		}
		_, rs := clients(serve(t, args...), made)
		_, err := rs.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{})
		var api smithy.APIError
		refused := errors.As(err, &api) && api.ErrorCode() == "InvalidClientTokenId"
		if refused != strict || (!strict && err != nil) {
			t.Errorf("strict %v: %v", strict, err)
		}
	}
}

// A world file that declares accounts loads through -world.
func TestWorldFlagReadsAccounts(t *testing.T) {
	url := serve(t, "-world", "../../redshiftsim/testdata/example-accounts-world.json")
	stsPlain, _ := clients(url, plainCreds)
	out, err := stsPlain.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::210987654321:role/RolegateAccess"), RoleSessionName: aws.String("file")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	rs := redshift.New(redshift.Options{Region: "eu-west-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))})
	got, err := rs.DescribeClusters(context.Background(), &redshift.DescribeClustersInput{})
	if err != nil || len(got.Clusters) != 1 || aws.ToString(got.Clusters[0].ClusterIdentifier) != "partner-reporting" {
		t.Fatalf("partner account: %+v, %v", got, err)
	}
}
