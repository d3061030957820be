package change

import (
	"fmt"
	"slices"
	"strings"

	"rolegate/internal/iam"
)

// Limits on the free-text fields.
const (
	MinReasonLen = 10
	MaxReasonLen = 2000
	MaxTicketLen = 64
	MaxAddLines  = 50
)

// Field names of the new-change form, used as keys of FieldErrors.
const (
	FieldAdd     = "add"
	FieldRemove  = "remove"
	FieldDefault = "default"
	FieldReason  = "reason"
	FieldTicket  = "ticket"
	FieldForm    = "form" // not tied to one field
)

// Field names of the decision forms on the request page: each comment is
// its own field, so that a refused rejection names the rejection's comment
// and not the approval's.
const (
	FieldApproveComment = "comment"
	FieldRejectComment  = "reject"
)

// FieldErrors maps a form field to the message shown next to it. A field
// with several faults (three malformed lines) has one message per line,
// separated by newlines, so that all are fixed in one go.
type FieldErrors map[string]string

func (f FieldErrors) add(field, msg string) {
	if cur, ok := f[field]; ok {
		f[field] = cur + "\n" + msg
		return
	}
	f[field] = msg
}

// ValidationError is returned when input is refused; Fields says why, per
// field. Nothing was stored and nothing was sent.
type ValidationError struct{ Fields FieldErrors }

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("invalid change request:")
	for _, k := range keys {
		fmt.Fprintf(&b, " %s: %s;", k, e.Fields[k])
	}
	return b.String()
}

// Plan is a validated change: what will be sent and what will result.
type Plan struct {
	Add         []string
	Remove      []string
	Default     string
	Result      []string // roles after the change, sorted
	ResultDef   string   // default after the change
	Risk        Risk
	RiskReasons []string
	Checks      []Check
}

// CheckStatus is the outcome of one pre-flight check.
type CheckStatus string

// Check outcomes.
const (
	CheckPass    CheckStatus = "pass"
	CheckFail    CheckStatus = "fail"
	CheckWarn    CheckStatus = "warn"
	CheckSkipped CheckStatus = "not checked"
)

// CheckKey names a pre-flight check, so that each fault of a draft is tied
// to the one check it fails.
type CheckKey string

// The pre-flight checks, in the order the checklist shows them.
const (
	CheckSyntax        CheckKey = "syntax"
	CheckAccount       CheckKey = "account"
	CheckServiceLinked CheckKey = "service-linked"
	CheckRoles         CheckKey = "roles"
	CheckQuota         CheckKey = "quota"
	CheckDefault       CheckKey = "default"
	CheckAvailable     CheckKey = "available"
	CheckTrust         CheckKey = "trust"
	CheckPassRole      CheckKey = "passrole"
)

// Check is one line of the pre-flight checklist shown on the request page.
type Check struct {
	Key    CheckKey
	Name   string
	Status CheckStatus
	Detail string
}

// Policy holds the settings that decide risk.
type Policy struct {
	// ProductionTag (key=value) marks clusters whose changes need two approvers.
	ProductionTag string
	// HighRiskTags (key=value each) mark more clusters whose changes need
	// two approvers, as the production tag does.
	HighRiskTags []string
	// AccountTag, when set, gives an account's own production tag, which
	// replaces ProductionTag for its clusters; "" keeps ProductionTag.
	AccountTag func(account string) string
	// Accounts decides which accounts' roles may go on a cluster: its
	// own, and those -iam-allowed-accounts lists. The IAM checks apply
	// the same rule.
	Accounts iam.AccountRule
}

// productionTag is the tag that marks production clusters in account.
func (p Policy) productionTag(account string) string {
	if p.AccountTag != nil && account != "" {
		if t := p.AccountTag(account); t != "" {
			return t
		}
	}
	return p.ProductionTag
}

// ApprovalTags are the tags (key=value) that make a cluster's changes need
// two approvers: the production tag first, then the others, each once.
func (p Policy) ApprovalTags() []string { return p.approvalTagsIn("") }

// approvalTagsIn is ApprovalTags for a cluster of account, with the
// account's own production tag when it has one.
func (p Policy) approvalTagsIn(account string) []string {
	var out []string
	for _, t := range append([]string{p.productionTag(account)}, p.HighRiskTags...) {
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// validate checks the draft against the live cluster. It returns the plan
// and the field errors, the draft's own included; the plan is meaningful
// only when errs is empty. The checklist is computed from the same faults
// as the errors, so a check passes only when nothing tied to it is wrong,
// and the plan's lists hold only roles without a fault.
func (p Policy) validate(d Draft, live Live) (Plan, FieldErrors) {
	v := Draft{Errors: FieldErrors{}, issues: slices.Clone(d.issues)}
	for k, m := range d.Errors {
		v.Errors[k] = m
	}
	quota := RoleQuota(live.Region)

	var add, remove []string
	for _, a := range d.Add {
		switch s := a.String(); {
		case p.Accounts.Check(a.Account, live.Account).Status == iam.Fail:
			v.fail(CheckAccount, FieldAdd, fmt.Sprintf("%s belongs to account %s; the cluster is in account %s, and account %s is not listed in -iam-allowed-accounts", quote(s), a.Account, live.Account, a.Account))
		case live.Has(s):
			v.fail(CheckRoles, FieldAdd, fmt.Sprintf("%s is already associated with the cluster", quote(s)))
		default:
			add = append(add, s)
		}
	}
	for _, a := range d.Remove {
		if s := a.String(); !live.Has(s) {
			v.fail(CheckRoles, FieldRemove, fmt.Sprintf("%s is not associated with the cluster", quote(s)))
		} else {
			remove = append(remove, s)
		}
	}

	addSorted, removeSorted := sortedCopy(add), sortedCopy(remove)
	result := resultSet(live.ARNs(), addSorted, removeSorted)
	// The quota counts every role asked for, faulty or not: fixing a line
	// must not bring a surprise over the quota.
	if n := len(resultSet(live.ARNs(), sortedCopy(arnStrings(d.Add)), removeSorted)); n > quota {
		v.fail(CheckQuota, FieldAdd, fmt.Sprintf("the cluster would carry %d roles; the quota in %s is %d", n, live.Region, quota))
	}

	def := d.Default.String()
	if def != "" && d.Errors[FieldDefault] == "" {
		if !slices.Contains(result, def) {
			v.fail(CheckDefault, FieldDefault, "the default role "+quote(def)+" must be one of the roles the cluster carries after the change")
		} else if def == live.Default {
			def = "" // already the default: nothing to set
		}
	}
	resultDef := def
	if resultDef == "" {
		resultDef = live.Default
		if slices.Contains(removeSorted, live.Default) {
			resultDef = ""
		}
	}
	if v.Errors[FieldDefault] != "" {
		// The default asked for cannot be set; the result keeps the current one.
		def, resultDef = "", live.Default
		if slices.Contains(removeSorted, live.Default) {
			resultDef = ""
		}
	}

	if len(addSorted) == 0 && len(removeSorted) == 0 && def == "" && len(v.Errors) == 0 {
		v.fail("", FieldForm, "the request changes nothing: add a role, remove a role or set a new default")
	}

	plan := Plan{Add: addSorted, Remove: removeSorted, Default: def, Result: result, ResultDef: resultDef}
	plan.Risk, plan.RiskReasons = p.risk(live, removeSorted, def)
	plan.Checks = preflight(live, plan, quota, v.issues, p.Accounts)
	return plan, v.Errors
}

// risk decides whether a change needs two approvers: it removes or replaces
// the default role, or it touches a production cluster.
func (p Policy) risk(live Live, remove []string, def string) (Risk, []string) {
	var reasons []string
	if live.Default != "" && slices.Contains(remove, live.Default) {
		reasons = append(reasons, "removes the default role; COPY and UNLOAD without IAM_ROLE will stop working")
	}
	if live.Default != "" && def != "" && def != live.Default {
		reasons = append(reasons, "replaces the default role; COPY and UNLOAD without IAM_ROLE will use the new one")
	}
	for _, t := range p.approvalTagsIn(live.Account) {
		if live.HasTag(t) {
			reasons = append(reasons, "the cluster is tagged "+t)
		}
	}
	if len(reasons) > 0 {
		return RiskHigh, reasons
	}
	return RiskNormal, nil
}

// ApprovalsFor is how many distinct approvers a risk level needs.
func ApprovalsFor(r Risk) int {
	if r == RiskHigh {
		return 2
	}
	return 1
}

// preflight is the Redshift-specific checklist, run at request time and
// again before approval. A check with a fault tied to it fails and names
// every such fault; only a check with none passes.
func preflight(live Live, plan Plan, quota int, issues []issue, accounts iam.AccountRule) []Check {
	faults := map[CheckKey][]string{}
	for _, is := range issues {
		if is.check != "" {
			faults[is.check] = append(faults[is.check], is.msg)
		}
	}
	checks := []Check{
		{Key: CheckSyntax, Name: "ARN syntax and partition", Status: CheckPass, Detail: "every role ARN is well formed, in partition " + PartitionOf(live.Region)},
		accountCheck(live.Account, plan.Add, accounts),
		{Key: CheckServiceLinked, Name: "No service-linked roles", Status: CheckPass, Detail: "no role to add is service-linked (AWSServiceRoleForRedshift and the like cannot be associated)"},
		{Key: CheckRoles, Name: "Roles to add are new, roles to remove are there", Status: CheckPass, Detail: "each role is named once; none to add is associated yet, every one to remove is"},
		{Key: CheckQuota, Name: "Role count within quota", Status: CheckPass, Detail: fmt.Sprintf("%d of %d roles after the change", len(plan.Result), quota)},
	}
	def := Check{Key: CheckDefault, Name: "Default role in the resulting set", Status: CheckPass, Detail: "default after the change: " + orNone(plan.ResultDef)}
	if plan.ResultDef == "" && live.Default != "" {
		def.Status, def.Detail = CheckWarn, "the cluster will have no default role"
	}
	checks = append(checks, def)
	avail := Check{Key: CheckAvailable, Name: "Cluster available", Status: CheckPass, Detail: "status " + live.Status + ", availability " + orNone(live.Availability)}
	if !live.Modifiable() {
		avail.Status = CheckWarn
		avail.Detail += "; the change will wait until the cluster is available and every role is in-sync"
	}
	checks = append(checks, avail,
		Check{Key: CheckTrust, Name: "Role exists and trusts redshift.amazonaws.com", Status: CheckSkipped, Detail: "Rolegate has no IAM read access configured; Redshift itself refuses a role whose trust policy lacks redshift.amazonaws.com"},
		Check{Key: CheckPassRole, Name: "iam:PassRole allowed for Rolegate", Status: CheckSkipped, Detail: "needs IAM policy simulation access"},
	)
	for i := range checks {
		if f := faults[checks[i].Key]; len(f) > 0 {
			checks[i].Status, checks[i].Detail = CheckFail, strings.Join(f, "; ")
		}
	}
	return checks
}

// accountCheck is the check that the roles are in the cluster's account,
// or in one -iam-allowed-accounts lists. The account comes from the
// cluster's ClusterNamespaceArn; an API answer without it (moto, some
// older clusters) leaves it unknown, and then the check cannot pass: it
// says it was not done, and why.
func accountCheck(account string, add []string, rule iam.AccountRule) Check {
	c := Check{Key: CheckAccount, Name: "Roles in the cluster's account"}
	if account == "" {
		c.Status = CheckSkipped
		c.Detail = "the cluster's account is unknown: the API's answer has no ClusterNamespaceArn, so Rolegate cannot compare the roles' account with it; Redshift itself refuses a role it cannot use"
		return c
	}
	var others []string
	for _, s := range add {
		if a, bad := parseARN(s); bad == "" && rule.AllowedOther(a.Account, account) && !slices.Contains(others, a.Account) {
			others = append(others, a.Account)
		}
	}
	c.Status, c.Detail = CheckPass, "every added role is in account "+account+", the cluster's"
	if len(others) > 0 {
		c.Detail = "every added role is in account " + account + ", the cluster's, or in account " + strings.Join(others, ", ") + ", allowed by -iam-allowed-accounts"
	}
	return c
}
