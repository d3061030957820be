package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"rolegate/internal/inventory"
)

// Status is the outcome of one role check.
type Status string

// Outcomes. A check Rolegate could not make is NotChecked, with why, and
// never blocks.
const (
	Pass       Status = "pass"
	Fail       Status = "fail"
	NotChecked Status = "not checked"
)

// Kind names a role check.
type Kind string

// The role checks, in the order they run.
const (
	KindAccount       Kind = "account"
	KindServiceLinked Kind = "service-linked"
	KindExists        Kind = "exists"
	KindTrust         Kind = "trust"
	KindPassRole      Kind = "passrole"
)

// Kinds are the role checks in order.
var Kinds = []Kind{KindAccount, KindServiceLinked, KindExists, KindTrust, KindPassRole}

// Result is one check of one role.
type Result struct {
	Kind   Kind   `json:"kind"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// RoleReport is every check of one role.
type RoleReport struct {
	ARN     string   `json:"arn"`
	Results []Result `json:"results"`
}

// Report is the checks of every role of a change, with the request IDs of
// the IAM calls made for them.
type Report struct {
	Roles      []RoleReport `json:"roles"`
	RequestIDs []string     `json:"iam_request_ids"`
}

// Failures are the failed checks, each as "role: reason".
func (r Report) Failures() []string {
	var out []string
	for _, rr := range r.Roles {
		for _, res := range rr.Results {
			if res.Status == Fail {
				out = append(out, rr.ARN+": "+res.Detail)
			}
		}
	}
	return out
}

// parsed is a role ARN's account, path and name.
type parsed struct{ account, path, name string }

func parseARN(arn string) (parsed, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return parsed{}, false
	}
	rest, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return parsed{}, false
	}
	i := strings.LastIndex(rest, "/")
	return parsed{account: parts[4], path: "/" + rest[:i+1], name: rest[i+1:]}, true
}

// Check runs every role check on each ARN for a cluster of account (""
// when the cluster's account is unknown). IAM is asked now, with the
// account's credentials: GetRole for existence and trust, and
// SimulatePrincipalPolicy for iam:PassRole by Rolegate's principal.
func (s *Service) Check(ctx context.Context, account string, arns []string) Report {
	var rep Report
	if len(arns) == 0 {
		return rep
	}
	reach, rerr := s.o.Connect(ctx, account)
	for _, arn := range arns {
		rep.Roles = append(rep.Roles, s.checkOne(ctx, account, arn, reach, rerr, &rep.RequestIDs))
	}
	return rep
}

func (s *Service) checkOne(ctx context.Context, account, arn string, reach Reach, rerr error, ids *[]string) RoleReport {
	rr := RoleReport{ARN: arn}
	add := func(k Kind, st Status, format string, a ...any) {
		rr.Results = append(rr.Results, Result{Kind: k, Status: st, Detail: fmt.Sprintf(format, a...)})
	}
	p, ok := parseARN(arn)
	if !ok {
		add(KindExists, Fail, "%s is not an IAM role ARN", arn)
		return rr
	}
	rr.Results = append(rr.Results, s.o.Accounts.Check(p.account, account))
	if serviceLinked(p.path) {
		add(KindServiceLinked, Fail, "the role is service-linked (path %s): Redshift cannot use it for a cluster", p.path)
	} else {
		add(KindServiceLinked, Pass, "the role is not service-linked")
	}
	if rerr != nil {
		why := "Rolegate could not reach the account's IAM: " + inventory.Classify(rerr).Kind.String()
		var ae *inventory.AssumeRoleError
		if errors.As(rerr, &ae) {
			why = ae.Reason()
		}
		add(KindExists, NotChecked, "%s", why)
		add(KindTrust, NotChecked, "%s", why)
		add(KindPassRole, NotChecked, "%s", why)
		return rr
	}
	if account != "" && p.account != account {
		why := "Rolegate reads IAM only in the cluster's account, not in the role's account " + p.account
		add(KindExists, NotChecked, "%s", why)
		add(KindTrust, NotChecked, "%s", why)
	} else if !s.checkRole(ctx, reach, p, arn, add, ids) {
		add(KindPassRole, NotChecked, "the role does not exist")
		return rr
	}
	s.checkPass(ctx, reach, arn, add, ids)
	return rr
}

// checkRole checks that the role exists and trusts Redshift; false when
// IAM said it does not exist.
func (s *Service) checkRole(ctx context.Context, reach Reach, p parsed, arn string, add func(Kind, Status, string, ...any), ids *[]string) bool {
	out, err := reach.Client.GetRole(ctx, &awsiam.GetRoleInput{RoleName: aws.String(p.name)})
	if err != nil {
		f := inventory.Classify(err)
		if f.RequestID != "" {
			*ids = append(*ids, f.RequestID)
		}
		var nse *iamtypes.NoSuchEntityException
		switch {
		case errors.As(err, &nse):
			add(KindExists, Fail, "there is no role named %s in account %s", p.name, p.account)
			add(KindTrust, NotChecked, "the role does not exist")
			return false
		case f.Kind == inventory.KindDenied:
			add(KindExists, NotChecked, "Rolegate may not call iam:GetRole in this account (AccessDenied)")
			add(KindTrust, NotChecked, "Rolegate may not call iam:GetRole in this account (AccessDenied), so it cannot read the trust policy")
		default:
			add(KindExists, NotChecked, "IAM did not answer GetRole (%s)", f.Kind)
			add(KindTrust, NotChecked, "IAM did not answer GetRole (%s)", f.Kind)
		}
		s.o.Logger.Info("iam GetRole failed", "role", arn, "code", f.Code, "aws_request_id", f.RequestID, "err", err)
		return true
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); ok {
		*ids = append(*ids, id)
	}
	if got := aws.ToString(out.Role.Arn); got != arn {
		add(KindExists, Fail, "the role named %s in account %s is %s, under another path than the ARN given", p.name, p.account, got)
		add(KindTrust, NotChecked, "the role given does not exist")
		return false
	}
	add(KindExists, Pass, "the role exists")
	doc, _ := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	t := JudgeTrust(doc)
	if t.Redshift {
		add(KindTrust, Pass, "%s", t.Reason)
	} else {
		add(KindTrust, Fail, "%s: Redshift would refuse it", t.Reason)
	}
	return true
}

func (s *Service) checkPass(ctx context.Context, reach Reach, arn string, add func(Kind, Status, string, ...any), ids *[]string) {
	if reach.Principal == "" {
		add(KindPassRole, NotChecked, "Rolegate does not know its own IAM principal in this account, so it cannot simulate iam:PassRole")
		return
	}
	out, err := reach.Client.SimulatePrincipalPolicy(ctx, &awsiam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(reach.Principal),
		ActionNames:     []string{"iam:PassRole"},
		ResourceArns:    []string{arn},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("iam:PassedToService"),
			ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{RedshiftPrincipal}}},
	})
	if err != nil {
		f := inventory.Classify(err)
		if f.RequestID != "" {
			*ids = append(*ids, f.RequestID)
		}
		if f.Kind == inventory.KindDenied {
			add(KindPassRole, NotChecked, "Rolegate may not call iam:SimulatePrincipalPolicy in this account (AccessDenied)")
		} else {
			add(KindPassRole, NotChecked, "IAM did not answer SimulatePrincipalPolicy (%s)", f.Kind)
		}
		s.o.Logger.Info("iam SimulatePrincipalPolicy failed", "role", arn, "code", f.Code, "aws_request_id", f.RequestID, "err", err)
		return
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); ok {
		*ids = append(*ids, id)
	}
	decision := iamtypes.PolicyEvaluationDecisionTypeImplicitDeny
	for _, r := range out.EvaluationResults {
		if aws.ToString(r.EvalResourceName) == arn {
			decision = r.EvalDecision
		}
	}
	switch decision {
	case iamtypes.PolicyEvaluationDecisionTypeAllowed:
		add(KindPassRole, Pass, "%s may pass the role to Redshift", reach.Principal)
	case iamtypes.PolicyEvaluationDecisionTypeExplicitDeny:
		add(KindPassRole, Fail, "a policy explicitly denies %s iam:PassRole on this role", reach.Principal)
	default:
		add(KindPassRole, Fail, "no policy allows %s iam:PassRole on this role", reach.Principal)
	}
}
