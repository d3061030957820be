// Package change owns change requests to the IAM roles of one Redshift
// cluster: validation against the live cluster, the change hash that
// approvals are bound to, the states a request goes through, the approval
// policy (separation of duties, two approvers for high-risk changes), and
// the apply worker that calls ModifyClusterIamRoles exactly once, follows
// the roles until they are in-sync and reconciles after a crash. Every step
// is written to the audit log in the same transaction as the state change,
// and so are the notifications it causes, through the Notifier: a bulk
// request's through its own bulk.* events, once per set, never per member.
//
// A form is read once into a Draft (typed ARNs and a message per field).
// Permissions says who may take which action on a request; the service
// enforces it and the request page offers it. Every query of the package
// is in store.go.
package change
