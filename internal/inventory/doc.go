// Package inventory is Rolegate's gateway to the Amazon Redshift API: one
// aws-sdk-go-v2 client per configured region, every region's clusters
// swept concurrently with the DescribeClusters paginator, kept in a cache
// with a TTL and single-flight so that any number of page views costs at
// most one sweep per region per TTL, and live reads and role changes for
// the change worker. It also encodes a Cluster snapshot for the audit log,
// and says what an error from any of these calls means (Classify), so that
// nothing above it reads the SDK's error types.
package inventory
