// Package redshiftsim is a local Amazon Redshift endpoint that speaks the
// Query protocol (API version 2012-12-01) for DescribeClusters,
// ModifyClusterIamRoles, CreateCluster, DeleteCluster, PauseCluster and
// ResumeCluster, so that Rolegate runs and is tested without AWS through the
// same aws-sdk-go-v2 code path as in production.
//
// A *Sim is an http.Handler. The region of each request comes from the SigV4
// credential scope of its Authorization header (a request without one is
// served as DefaultRegion), so one simulator serves many regions.
//
// It also answers STS (API version 2011-06-15) AssumeRole and
// GetCallerIdentity, for requests whose credential scope names the service
// sts, and keeps clusters per AWS account (a World). Plain credentials —
// any access key STS did not issue — act as User in the default Account.
// AssumeRole of a role declared in an account (AssumableRole: its trust,
// external ID, source identity and session length) issues ASIA…
// credentials that reach that account's clusters only; later calls must
// bring their session token, come before their expiration on the Clock and
// be signed with their secret. /_sim/stats names who made each call.
//
// IAM role associations follow the real
// lifecycle on an injectable Clock: added roles are "adding" and removed ones
// "removing" for Options.RoleDelay, during which ClusterAvailabilityStatus is
// "Modifying" and a further modification is refused with InvalidClusterState.
//
// Besides the Redshift API, the handler serves a small control surface under
// the reserved path /_sim/: GET, POST and DELETE /_sim/faults to inspect, add
// and clear injected faults, GET /_sim/stats for call counters and the request
// log, and POST /_sim/stats/reset.
//
// The wire contract the simulator is held to, and the decisions it makes
// where AWS leaves behaviour unconfirmed, are in docs/redshift-contract.md.
// In short: an empty or absent DefaultIamRoleArn leaves the default as it is
// and only removing the default role clears it; duplicate adds, removals of
// roles not associated and one ARN in both lists are InvalidParameterValue
// unless Options.LenientDuplicates; more roles than the quota (50, 10 in the
// ISO regions, or Options.RoleQuota) is InvalidParameterValue.
package redshiftsim
