package iam

import (
	"fmt"
	"slices"
)

// AccountRule decides whether a role of one account may go on a cluster
// of another: a role belongs to the cluster's account, or to an account
// listed in -iam-allowed-accounts. It is the one place that rule lives;
// the change form's account check and the IAM pre-flight check both ask
// it, so that they cannot disagree.
type AccountRule struct {
	// Allowed are the accounts (12-digit IDs) whose roles may be
	// associated with clusters of another account.
	Allowed []string
}

// Check judges a role of roleAccount for a cluster of clusterAccount (""
// when the cluster's account is unknown: the role is not checked).
func (a AccountRule) Check(roleAccount, clusterAccount string) Result {
	r := Result{Kind: KindAccount}
	switch {
	case clusterAccount == "":
		r.Status, r.Detail = NotChecked, fmt.Sprintf("the cluster's account is unknown, so the role's account %s cannot be compared with it", roleAccount)
	case roleAccount == clusterAccount:
		r.Status, r.Detail = Pass, fmt.Sprintf("the role is in the cluster's account %s", clusterAccount)
	case a.AllowedOther(roleAccount, clusterAccount):
		r.Status, r.Detail = Pass, fmt.Sprintf("the role is in account %s, not the cluster's account %s, and allowed by -iam-allowed-accounts", roleAccount, clusterAccount)
	default:
		r.Status, r.Detail = Fail, fmt.Sprintf("the role is in account %s, not the cluster's account %s, and that account is not listed in -iam-allowed-accounts", roleAccount, clusterAccount)
	}
	return r
}

// AllowedOther is whether a role of roleAccount passes on a cluster of
// another account only because -iam-allowed-accounts lists it.
func (a AccountRule) AllowedOther(roleAccount, clusterAccount string) bool {
	return roleAccount != clusterAccount && slices.Contains(a.Allowed, roleAccount)
}
