// Package inventory is Rolegate's gateway to the Amazon Redshift API: one
// aws-sdk-go-v2 client per configured region, every region's clusters
// swept concurrently with the DescribeClusters paginator, kept in a cache
// with a TTL and single-flight so that any number of page views costs at
// most one sweep per region per TTL, and live reads and role changes for
// the change worker. It also encodes a Cluster snapshot for the audit log.
package inventory
