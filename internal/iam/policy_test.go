package iam_test

import (
	"net/url"
	"strings"
	"testing"

	"rolegate/internal/iam"
)

func TestTrustPoliciesInTheirRealShapesAreJudgedCorrectly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		doc       string
		redshift  bool
		condition string // a condition the judgement must note
		reason    string // part of the reason
	}{
		{"service as a string, statement as an object",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:AssumeRole"}}`, true, "", "allows"},
		{"service in a list with others",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["glue.amazonaws.com","redshift.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]}]}`, true, "", "allows"},
		{"several statements, Redshift in the second",
			`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, true, "", "allows"},
		{"action wildcard sts:*",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:*"}]}`, true, "", "allows"},
		{"action wildcard sts:Assume*",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:Assume*"}]}`, true, "", "allows"},
		{"action *",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"*"}]}`, true, "", "allows"},
		{"principal *",
			`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`, true, "", "allows"},
		{"condition noted, not evaluated",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}`, true, "StringEquals aws:SourceAccount=123456789012", "does not evaluate"},
		{"Deny wins over Allow",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:*"}]}`, false, "", "Deny"},
		{"only Lambda",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, false, "", "does not allow"},
		{"Redshift Serverless is another principal",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift-serverless.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, false, "", "does not allow"},
		{"another action only",
			`{"Statement":[{"Effect":"Allow","Principal":{"Service":"redshift.amazonaws.com"},"Action":"sts:TagSession"}]}`, false, "", "does not allow"},
		{"NotPrincipal is not taken as naming Redshift",
			`{"Statement":[{"Effect":"Allow","NotPrincipal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, false, "", "does not allow"},
		{"an empty policy", `{"Version":"2012-10-17","Statement":[]}`, false, "", "does not allow"},
		{"not JSON", `not a policy`, false, "", "could not be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, doc := range []string{tc.doc, url.QueryEscape(tc.doc)} {
				got := iam.JudgeTrust(doc)
				if got.Redshift != tc.redshift {
					t.Fatalf("Redshift = %v, want %v (%s)", got.Redshift, tc.redshift, got.Reason)
				}
				if !strings.Contains(got.Reason, tc.reason) {
					t.Errorf("reason %q lacks %q", got.Reason, tc.reason)
				}
				if tc.condition != "" && (len(got.Conditions) != 1 || got.Conditions[0] != tc.condition) {
					t.Errorf("conditions %v, want [%s]", got.Conditions, tc.condition)
				}
			}
		})
	}
}
