package redshiftsim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// IAMSpec is what an account's IAM holds: its roles as ListRoles and
// GetRole show them, and which IAM actions the caller is refused. An
// account with an IAMSpec has Redshift check every role added to a
// cluster against it; one without refuses every IAM call (AccessDenied).
type IAMSpec struct {
	Roles []IAMRole `json:"roles"`
	// Deny lists IAM actions ("iam:ListRoles", "iam:GetRole",
	// "iam:SimulatePrincipalPolicy", or "iam:*") answered with
	// AccessDenied, as for a caller whose policy lacks them.
	Deny []string `json:"deny,omitempty"`
}

// IAMRole is one IAM role of an account.
type IAMRole struct {
	// Name is the role's name after an optional path, as in its ARN after
	// "role/": "RedshiftCopyUnload", "service-role/RedshiftETL",
	// "aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift".
	Name string `json:"name"`
	// Services are the service principals its trust policy lets call
	// sts:AssumeRole ("redshift.amazonaws.com", "glue.amazonaws.com", …).
	Services []string `json:"services,omitempty"`
	// Accounts are AWS account IDs its trust policy lets assume it.
	Accounts []string `json:"accounts,omitempty"`
	// SourceAccount adds an aws:SourceAccount condition naming the role's
	// own account to the statement, as confused-deputy protection does.
	SourceAccount bool   `json:"source_account,omitempty"`
	Description   string `json:"description,omitempty"`
	// Pass is the decision of SimulatePrincipalPolicy for iam:PassRole of
	// this role by the caller: "allowed" (the default), "implicitDeny" or
	// "explicitDeny".
	Pass string `json:"pass,omitempty"`
}

// Decisions of SimulatePrincipalPolicy.
const (
	DecisionAllowed      = "allowed"
	DecisionImplicitDeny = "implicitDeny"
	DecisionExplicitDeny = "explicitDeny"
)

// iamState is one account's IAM, the roles sorted by path and name.
// Guarded by Sim.mu.
type iamState struct {
	roles   []iamRole
	byName  map[string]int // RoleName → index in roles
	deny    []string
	created time.Time
}

type iamRole struct {
	IAMRole
	path, roleName, arn, id, policy string
}

func (r IAMRole) validate() error {
	if len(r.Name) > 576 || !roleNamePattern.MatchString(r.Name) {
		return fmt.Errorf("IAM role name %q is not a valid name with optional path", r.Name)
	}
	switch r.Pass {
	case "", DecisionAllowed, DecisionImplicitDeny, DecisionExplicitDeny:
	default:
		return fmt.Errorf("IAM role %s: pass %q is not allowed, implicitDeny or explicitDeny", r.Name, r.Pass)
	}
	for _, a := range r.Accounts {
		if !accountIDPattern.MatchString(a) {
			return fmt.Errorf("IAM role %s: trusted account %q is not 12 digits", r.Name, a)
		}
	}
	return nil
}

// trustsRedshift is whether the role's trust policy lets Redshift assume it.
func (r IAMRole) trustsRedshift() bool { return slices.Contains(r.Services, "redshift.amazonaws.com") }

func (r IAMRole) decision() string {
	if r.Pass == "" {
		return DecisionAllowed
	}
	return r.Pass
}

// trustPolicy is the role's trust policy document as IAM stores it: a
// single service is a string, several a list, as people write them.
func (r IAMRole) trustPolicy(account string) string {
	type stmt struct {
		Effect    string         `json:"Effect"`
		Principal map[string]any `json:"Principal"`
		Action    string         `json:"Action"`
		Condition map[string]any `json:"Condition,omitempty"`
	}
	one := func(vs []string) any {
		if len(vs) == 1 {
			return vs[0]
		}
		return vs
	}
	var st []stmt
	if len(r.Services) > 0 {
		s := stmt{Effect: "Allow", Principal: map[string]any{"Service": one(r.Services)}, Action: "sts:AssumeRole"}
		if r.SourceAccount {
			s.Condition = map[string]any{"StringEquals": map[string]string{"aws:SourceAccount": account}}
		}
		st = append(st, s)
	}
	if len(r.Accounts) > 0 {
		arns := make([]string, len(r.Accounts))
		for i, a := range r.Accounts {
			arns[i] = "arn:aws:iam::" + a + ":root"
		}
		st = append(st, stmt{Effect: "Allow", Principal: map[string]any{"AWS": one(arns)}, Action: "sts:AssumeRole"})
	}
	doc := map[string]any{"Version": "2012-10-17", "Statement": st}
	if len(st) == 1 {
		doc["Statement"] = st[0]
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// declareIAM sets an account's IAM from spec. s.mu is held.
func (s *Sim) declareIAM(account string, spec *IAMSpec) error {
	st := &iamState{byName: map[string]int{}, deny: slices.Clone(spec.Deny), created: s.clock.Now().UTC().Add(-90 * 24 * time.Hour).Truncate(time.Second)}
	for _, r := range spec.Roles {
		if err := r.validate(); err != nil {
			return err
		}
		path, name := "/", r.Name
		if i := strings.LastIndex(r.Name, "/"); i >= 0 {
			path, name = "/"+r.Name[:i+1], r.Name[i+1:]
		}
		if _, dup := st.byName[name]; dup {
			return fmt.Errorf("IAM role %s declared twice", name)
		}
		arn := roleIn(account, r.Name)
		st.byName[name] = -1
		st.roles = append(st.roles, iamRole{IAMRole: r, path: path, roleName: name, arn: arn,
			id: "AROA" + stableID(arn, 17), policy: r.trustPolicy(account)})
	}
	slices.SortFunc(st.roles, func(a, b iamRole) int { return strings.Compare(a.path+a.roleName, b.path+b.roleName) })
	for i, r := range st.roles {
		st.byName[r.roleName] = i
	}
	s.account(account).iam = st
	return nil
}

// iamRefusal is Redshift's answer to adding a role the account's IAM does
// not have, or whose trust policy does not name Redshift; nil when the
// account declares no IAM. Redshift learns both by assuming the role, so
// both get the same message. s.mu is held.
func (s *Sim) iamRefusal(account, arn string) *apiError {
	a := s.accounts[account]
	if a == nil || a.iam == nil {
		return nil
	}
	_, name, _ := strings.Cut(arn, ":role/")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if i, ok := a.iam.byName[name]; ok && a.iam.roles[i].arn == arn && a.iam.roles[i].trustsRedshift() {
		return nil
	}
	return errInvalidValue("The IAM role %s is not valid. The IAM role must delegate access to an Amazon Redshift account.", arn)
}

// GenerateIAMRoles returns n roles named Role00001… for load tests: most
// trust Redshift, every seventh trusts Glue instead, and every third sits
// under the path /service-role/.
func GenerateIAMRoles(n int) []IAMRole {
	out := make([]IAMRole, n)
	for i := range out {
		name := fmt.Sprintf("Role%05d", i+1)
		if i%3 == 0 {
			name = "service-role/" + name
		}
		svc := "redshift.amazonaws.com"
		if i%7 == 0 {
			svc = "glue.amazonaws.com"
		}
		out[i] = IAMRole{Name: name, Services: []string{svc}, Description: "generated role " + name}
	}
	return out
}

// demoIAM is the demo world's IAM for an account: the roles its clusters
// use, all trusting Redshift, and beside them one that trusts only Lambda,
// one for Redshift Serverless only, the service-linked role, and one
// Rolegate may not pass.
func demoIAM(access bool) *IAMSpec {
	redshift := []string{"redshift.amazonaws.com"}
	roles := []IAMRole{
		{Name: "RedshiftCopyUnload", Services: redshift, Description: "COPY and UNLOAD to the data lake buckets"},
		{Name: "RedshiftSpectrum", Services: []string{"redshift.amazonaws.com", "glue.amazonaws.com"}, Description: "Spectrum queries over the Glue catalog"},
		{Name: "service-role/RedshiftETL", Services: redshift, SourceAccount: true, Description: "nightly ETL loads"},
		{Name: "RedshiftML", Services: []string{"redshift.amazonaws.com", "sagemaker.amazonaws.com"}, Description: "Redshift ML training with SageMaker"},
		{Name: "RedshiftAuditExport", Services: redshift, Description: "audit log export"},
		{Name: "RedshiftPartnerShare", Services: redshift, Pass: DecisionImplicitDeny, Description: "data sharing with partners (not passable by Rolegate)"},
		{Name: "LambdaDataLoader", Services: []string{"lambda.amazonaws.com"}, Description: "Lambda loader; does not trust Redshift"},
		{Name: "RedshiftServerlessETL", Services: []string{"redshift-serverless.amazonaws.com"}, Description: "for Redshift Serverless workgroups only"},
		{Name: "aws-service-role/redshift.amazonaws.com/AWSServiceRoleForRedshift", Services: redshift, Description: "Allows Amazon Redshift to call AWS services on your behalf"},
	}
	if access {
		roles = append(roles, IAMRole{Name: DemoAccessRole, Accounts: []string{Account}, Description: "Rolegate's cross-account access"})
	}
	return &IAMSpec{Roles: roles}
}
