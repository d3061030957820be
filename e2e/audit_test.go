//go:build e2e

package e2e

import "testing"

// checkAuditTrail checks, in b, that the audit pages show request id's
// events, that an apply event's page shows the snapshot difference, and
// that the CSV export of the cluster's events downloads with those rows.
func checkAuditTrail(t *testing.T, b *tab, region, cluster, id string) {
	t.Helper()
	// Written against the audit pages once they land.
}
