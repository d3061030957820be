// Package iam reads the IAM roles of the accounts Rolegate manages and
// judges each role a change would add or make the default: does it exist,
// does its trust policy let Redshift assume it, may Rolegate pass it, is it
// service-linked, is it in the cluster's account (or one -iam-allowed-accounts
// lists). It owns the trust-policy judgement, the account rule that the
// change form's own account check applies too, the cached role listing
// per account behind the role picker, and the pre-flight role checks. Every IAM call is made with the
// account's own credentials, as the inventory's Redshift calls are.
package iam
