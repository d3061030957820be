package change

import (
	"fmt"
	"slices"
	"strings"
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

// FieldErrors maps a form field to the message shown next to it.
type FieldErrors map[string]string

func (f FieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
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

// Check is one line of the pre-flight checklist shown on the request page.
type Check struct {
	Name   string
	Status CheckStatus
	Detail string
}

// Policy holds the settings that decide risk.
type Policy struct {
	// ProductionTag (key=value) marks clusters whose changes need two approvers.
	ProductionTag string
	// AccountTag, when set, gives an account's own production tag, which
	// replaces ProductionTag for its clusters; "" keeps ProductionTag.
	AccountTag func(account string) string
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

// validate checks the draft against the live cluster. It returns the plan
// and the field errors, the draft's own included; the plan is meaningful
// only when errs is empty.
func (p Policy) validate(d Draft, live Live) (Plan, FieldErrors) {
	errs := FieldErrors{}
	for k, v := range d.Errors {
		errs[k] = v
	}
	quota := RoleQuota(live.Region)

	accountErr := ""
	for _, a := range d.Add {
		switch {
		case live.Account != "" && a.Account != live.Account:
			msg := fmt.Sprintf("%s belongs to account %s; the cluster is in account %s", quote(a.String()), a.Account, live.Account)
			if accountErr == "" {
				accountErr = msg
			}
			errs.add(FieldAdd, msg)
		case live.Has(a.String()):
			errs.add(FieldAdd, fmt.Sprintf("%s is already associated with the cluster", quote(a.String())))
		}
	}
	for _, a := range d.Remove {
		if !live.Has(a.String()) {
			errs.add(FieldRemove, fmt.Sprintf("%s is not associated with the cluster", quote(a.String())))
		}
	}

	addSorted, removeSorted := sortedCopy(arnStrings(d.Add)), sortedCopy(arnStrings(d.Remove))
	result := resultSet(live.ARNs(), addSorted, removeSorted)
	if len(result) > quota {
		errs.add(FieldAdd, fmt.Sprintf("the cluster would carry %d roles; the quota in %s is %d", len(result), live.Region, quota))
	}

	def := d.Default.String()
	if def != "" && errs[FieldDefault] == "" {
		if !slices.Contains(result, def) {
			errs.add(FieldDefault, "the default role must be one of the roles the cluster carries after the change")
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

	if len(addSorted) == 0 && len(removeSorted) == 0 && def == "" && len(errs) == 0 {
		errs.add(FieldForm, "the request changes nothing: add a role, remove a role or set a new default")
	}

	plan := Plan{Add: addSorted, Remove: removeSorted, Default: def, Result: result, ResultDef: resultDef}
	plan.Risk, plan.RiskReasons = p.risk(live, removeSorted, def)
	plan.Checks = preflight(live, plan, quota)
	if accountErr != "" {
		plan.Checks[1].Status, plan.Checks[1].Detail = CheckFail, accountErr
	}
	if msg, bad := errs[FieldAdd]; bad && msg != accountErr {
		plan.Checks[0].Status, plan.Checks[0].Detail = CheckFail, msg
	}
	return plan, errs
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
	if tag := p.productionTag(live.Account); tag != "" && live.HasTag(tag) {
		reasons = append(reasons, "the cluster is tagged "+tag)
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
// again before approval.
func preflight(live Live, plan Plan, quota int) []Check {
	checks := []Check{
		{Name: "ARN syntax and partition", Status: CheckPass, Detail: "every role ARN is well formed, in partition " + PartitionOf(live.Region)},
		accountCheck(live.Account),
		{Name: "No service-linked roles", Status: CheckPass, Detail: "AWSServiceRoleForRedshift and other service-linked roles cannot be associated"},
		{Name: "Role count within quota", Status: CheckPass, Detail: fmt.Sprintf("%d of %d roles after the change", len(plan.Result), quota)},
	}
	if len(plan.Result) > quota {
		checks[3].Status = CheckFail
	}
	def := Check{Name: "Default role in the resulting set", Status: CheckPass, Detail: "default after the change: " + orNone(plan.ResultDef)}
	if plan.Default != "" && !slices.Contains(plan.Result, plan.Default) {
		def.Status = CheckFail
	} else if plan.ResultDef == "" && live.Default != "" {
		def.Status, def.Detail = CheckWarn, "the cluster will have no default role"
	}
	checks = append(checks, def)
	avail := Check{Name: "Cluster available", Status: CheckPass, Detail: "status " + live.Status + ", availability " + orNone(live.Availability)}
	if !live.Modifiable() {
		avail.Status = CheckWarn
		avail.Detail += "; the change will wait until the cluster is available and every role is in-sync"
	}
	checks = append(checks, avail,
		Check{Name: "Role exists and trusts redshift.amazonaws.com", Status: CheckSkipped, Detail: "Rolegate has no IAM read access configured; Redshift itself refuses a role whose trust policy lacks redshift.amazonaws.com"},
		Check{Name: "iam:PassRole allowed for Rolegate", Status: CheckSkipped, Detail: "needs IAM policy simulation access"},
	)
	return checks
}

// accountCheck is the check that the roles are in the cluster's account.
// The account comes from the cluster's ClusterNamespaceArn; an API answer
// without it (moto, some older clusters) leaves it unknown, and then the
// check cannot pass: it says it was not done, and why.
func accountCheck(account string) Check {
	c := Check{Name: "Roles in the cluster's account"}
	if account == "" {
		c.Status = CheckSkipped
		c.Detail = "the cluster's account is unknown: the API's answer has no ClusterNamespaceArn, so Rolegate cannot compare the roles' account with it; Redshift itself refuses a role it cannot use"
		return c
	}
	c.Status, c.Detail = CheckPass, "every added role is in account "+account+", the cluster's"
	return c
}
