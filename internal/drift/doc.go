// Package drift finds changes made to a cluster's IAM roles outside
// Rolegate. After every sweep and every live read it compares each
// cluster's roles and default with the last state the audit log holds for
// it (a finished change, a first-sight baseline or an accepted drift). A
// cluster seen for the first time gets a drift.baseline event; a
// difference that no request in flight explains is recorded once as a
// drift.detected event and kept open until the cluster is back at its
// audited state. With CloudTrail set up (UseCloudTrail) each new drift is
// attributed to the callers of its ModifyClusterIamRoles events, Rolegate's
// own applies left out, and drifts nobody is named for yet are looked up
// again on later sweeps (drift.attributed). Every audit write goes through
// the audit package.
package drift
