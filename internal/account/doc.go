// Package account owns the AWS accounts whose Redshift clusters Rolegate
// manages: each with its ID, a name people recognise, the IAM role
// Rolegate assumes there (with an optional external ID), the regions to
// sweep and the production-tag rule when it differs from the dashboard's.
// The account Rolegate runs in has no role to assume. With no account
// stored Rolegate works, as before, in the account of its own credentials.
//
// The Service validates, stores and audits every change in one
// transaction; accounts are disabled, never deleted. Every query of the
// package is in store.go.
package account
