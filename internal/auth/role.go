// Package auth holds Rolegate's users, roles, passwords, sessions and
// single sign-on through OpenID Connect providers (oidc*.go). The
// Directory is the one place that changes a user, each change committed
// with its audit event.
package auth

import "fmt"

// Role is what a user may do. Each role includes the ones below it:
// admin ⊃ approver ⊃ requester ⊃ viewer. An admin still may not approve
// their own change requests; that rule lives with the change requests.
type Role string

// The roles, from least to most powerful.
const (
	RoleViewer    Role = "viewer"
	RoleRequester Role = "requester"
	RoleApprover  Role = "approver"
	RoleAdmin     Role = "admin"
)

var ranks = map[Role]int{RoleViewer: 1, RoleRequester: 2, RoleApprover: 3, RoleAdmin: 4}

// Roles lists every role, least powerful first.
func Roles() []Role { return []Role{RoleViewer, RoleRequester, RoleApprover, RoleAdmin} }

// ParseRole accepts exactly one of the role names.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := ranks[r]; !ok {
		return "", fmt.Errorf("unknown role %q: use viewer, requester, approver or admin", s)
	}
	return r, nil
}

// AtLeast reports whether r includes min. An unknown role includes nothing.
func (r Role) AtLeast(min Role) bool {
	have, ok := ranks[r]
	return ok && have >= ranks[min]
}

// CanRequest reports whether the role may propose changes.
func (r Role) CanRequest() bool { return r.AtLeast(RoleRequester) }

// CanApprove reports whether the role may approve or reject other people's
// changes.
func (r Role) CanApprove() bool { return r.AtLeast(RoleApprover) }

// CanAdminister reports whether the role administers users.
func (r Role) CanAdminister() bool { return r.AtLeast(RoleAdmin) }
