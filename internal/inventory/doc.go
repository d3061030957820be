// Package inventory is Rolegate's gateway to the Amazon Redshift API: one
// aws-sdk-go-v2 client per configured account and region, every
// account-region's clusters swept concurrently (at most Concurrency at
// once) with the DescribeClusters paginator, kept in a cache with a TTL
// and single-flight so that any number of page views costs at most one
// sweep per account-region per TTL, and live reads and role changes for
// the change worker. Accounts other than the one Rolegate runs in are
// reached with stscreds' AssumeRole provider behind the SDK's credentials
// cache, one session per account, renewed before it expires; an account
// whose role cannot be assumed is reported apart while the others list.
// It also encodes a Cluster snapshot for the audit log, and says what an
// error from any of these calls means (Classify), so that nothing above it
// reads the SDK's error types.
package inventory
