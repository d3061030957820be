package change

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/redshift/types"

	"rolegate/audit"
	"rolegate/internal/iam"
)

// RoleChecker checks in IAM, in the cluster's account, each role a change
// adds or makes the default. Check asks IAM now; Cached may answer from a
// recent run (for pages that are shown often).
type RoleChecker interface {
	Check(ctx context.Context, account string, arns []string) iam.Report
	Cached(ctx context.Context, account string, arns []string) iam.Report
}

// CheckExists is the check that each role exists in IAM.
const CheckExists CheckKey = "exists"

// checkedRoles are the roles a change adds or makes the default, each once.
func checkedRoles(add []string, def string) []string {
	out := slices.Clone(add)
	if def != "" && !slices.Contains(out, def) {
		out = append(out, def)
	}
	return out
}

// RoleChecks puts the IAM checks of the roles that add and def name into
// checks, in place of the lines that say IAM was not read, and returns the
// report behind them. Without a RoleChecker the checks are as they were.
func (s *Service) RoleChecks(ctx context.Context, account string, add []string, def string, checks []Check) ([]Check, iam.Report) {
	arns := checkedRoles(add, def)
	if s.o.Roles == nil || len(arns) == 0 {
		return checks, iam.Report{}
	}
	rep := s.o.Roles.Cached(ctx, account, arns)
	return mergeRoleChecks(checks, rep), rep
}

// roleCheckLines are the checklist lines the IAM checks fill, by kind.
var roleCheckLines = []struct {
	kind iam.Kind
	key  CheckKey
	name string
}{
	{iam.KindExists, CheckExists, "Role exists in IAM"},
	{iam.KindTrust, CheckTrust, "Trust policy allows redshift.amazonaws.com to assume the role"},
	{iam.KindPassRole, CheckPassRole, "iam:PassRole allowed for Rolegate"},
}

// mergeRoleChecks turns the report into one checklist line per kind: it
// fails when any role fails it, naming each; it is not checked when any
// role could not be checked and none failed; else it passes.
func mergeRoleChecks(checks []Check, rep iam.Report) []Check {
	out := make([]Check, 0, len(checks)+1)
	for _, c := range checks {
		if c.Key != CheckTrust && c.Key != CheckPassRole {
			out = append(out, c)
		}
	}
	for _, line := range roleCheckLines {
		var fails, skips, passes []string
		for _, rr := range rep.Roles {
			for _, res := range rr.Results {
				if res.Kind != line.kind {
					continue
				}
				switch res.Status {
				case iam.Fail:
					fails = append(fails, rr.ARN+": "+res.Detail)
				case iam.NotChecked:
					skips = append(skips, rr.ARN+": "+res.Detail)
				default:
					passes = append(passes, rr.ARN+": "+res.Detail)
				}
			}
		}
		c := Check{Key: line.key, Name: line.name}
		switch {
		case len(fails) > 0:
			c.Status, c.Detail = CheckFail, strings.Join(fails, "; ")
		case len(skips) > 0:
			c.Status, c.Detail = CheckSkipped, strings.Join(skips, "; ")
		case len(passes) > 0:
			c.Status, c.Detail = CheckPass, strings.Join(passes, "; ")
		default:
			continue
		}
		out = append(out, c)
	}
	return out
}

// roleCheck asks IAM about the roles arns in account.
type roleCheck func(ctx context.Context, account string, arns []string) iam.Report

// sharedRoleChecks asks IAM once for each account and set of roles, however
// many members of one bulk approval ask at once: they are checked at the
// same moment, so one answer serves them all. Without a RoleChecker it is
// never called.
func (s *Service) sharedRoleChecks() roleCheck {
	var mu sync.Mutex
	asked := map[string]func() iam.Report{}
	return func(ctx context.Context, account string, arns []string) iam.Report {
		key := account + "\x00" + strings.Join(arns, "\x00")
		mu.Lock()
		f, ok := asked[key]
		if !ok {
			f = sync.OnceValue(func() iam.Report { return s.o.Roles.Check(ctx, account, arns) })
			asked[key] = f
		}
		mu.Unlock()
		return f()
	}
}

// approvalRoleChecks runs the IAM checks again, now, before an approval is
// recorded, through check (the RoleChecker's own Check when nil). A failed
// check refuses the approval with its reasons, recorded in the audit log
// with the report and sent nowhere else; the report goes into the
// approval's event otherwise.
func (s *Service) approvalRoleChecks(ctx context.Context, actor Actor, origin audit.Origin, r *Request, check roleCheck) (*iam.Report, error) {
	arns := checkedRoles(r.Add, r.Default)
	if s.o.Roles == nil || len(arns) == 0 {
		return nil, nil
	}
	if check == nil {
		check = s.o.Roles.Check
	}
	rep := check(ctx, r.Account, arns)
	fails := rep.Failures()
	if len(fails) == 0 {
		return &rep, nil
	}
	why := roleCheckRefusal(fails)
	if _, err := s.o.Audit.Record(ctx, audit.Event{
		Actor: actor.audit(), Origin: origin, Action: audit.ChangeApproved, Outcome: audit.Failure,
		Target: audit.Target{Account: r.Account, Region: r.Region, Cluster: r.Cluster, ChangeID: r.ID},
		Params: audit.Params(map[string]any{"change_hash": r.Hash, "reason": why, "role_checks": rep}),
	}); err != nil {
		return nil, err
	}
	return nil, refuse(ErrConflict, "%s", why)
}

// roleCheckRefusal is why failed role checks refuse an approval, in the
// words the approver is shown.
func roleCheckRefusal(fails []string) string {
	return "the role checks failed, so the change cannot be approved: " + strings.Join(fails, "; ")
}

// RequestChecks are a pending request's pre-flight checks as its page
// shows them, and what they mean for approving it.
type RequestChecks struct {
	Checks []Check
	// Blocked is why an approval would be refused now by the role checks,
	// in the words the approval's refusal uses; "" when they do not block.
	Blocked string
}

// RequestChecks is the checklist of request r against the cluster as c
// describes it, with the IAM checks of its roles from a recent run (as
// Cached answers), for the request page and the API alike. Approving runs
// the IAM checks again, afresh.
func (s *Service) RequestChecks(ctx context.Context, r *Request, c *types.Cluster) RequestChecks {
	live := s.liveAt(r.Account, r.Region, c)
	account := live.Account
	if account == "" {
		account = r.Account
	}
	checks, rep := s.RoleChecks(ctx, account, r.Add, r.Default, s.Checks(r, c))
	out := RequestChecks{Checks: checks}
	if fails := rep.Failures(); len(fails) > 0 {
		out.Blocked = roleCheckRefusal(fails)
	}
	return out
}
