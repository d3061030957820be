package audit

import "sort"

// Action names what an event records. Each action is declared once, here,
// with its description; Append refuses any other.
type Action string

// Sign-in, sessions and access control.
const (
	SignIn          Action = "auth.sign_in"
	SignInFailed    Action = "auth.sign_in_failed"
	SignInThrottled Action = "auth.sign_in_throttled"
	SignOut         Action = "auth.sign_out"
	CSRFFailed      Action = "auth.csrf_failed"
	AccessDenied    Action = "auth.access_denied"
	SessionsEnded   Action = "auth.sessions_ended"
	MFAEnrolled     Action = "auth.mfa_enrolled"
	Reauthenticated Action = "auth.reauthenticated"
	// SSORefused is a single sign-on that ended without a session.
	SSORefused Action = "auth.sso_refused"
)

// User administration.
const (
	UserCreated         Action = "user.created"
	UserRoleChanged     Action = "user.role_changed"
	UserDisabled        Action = "user.disabled"
	UserEnabled         Action = "user.enabled"
	UserPasswordReset   Action = "user.password_reset"
	UserPasswordChanged Action = "user.password_changed"
	UserMFAReset        Action = "user.mfa_reset"
	// UserRecoveryCodes is a new set of recovery codes (never the codes).
	UserRecoveryCodes    Action = "user.recovery_codes_generated"
	UserRecoveryCodeUsed Action = "user.recovery_code_used"
	UserTimeZoneChanged  Action = "user.time_zone_changed"
	UserBreakGlass       Action = "user.break_glass_changed"
)

// Personal access tokens of the API (never their secrets).
const (
	TokenCreated Action = "token.created"
	TokenRevoked Action = "token.revoked"
	// TokenRefused is a request with a known token that is expired or
	// revoked.
	TokenRefused Action = "token.refused"
)

// AWS accounts whose clusters Rolegate manages.
const (
	AccountAdded    Action = "account.added"
	AccountChanged  Action = "account.changed"
	AccountDisabled Action = "account.disabled"
	AccountEnabled  Action = "account.enabled"
)

// The audit log itself.
const (
	AuditExported Action = "audit.exported"
	AuditVerified Action = "audit.verified"
	AuditAnchored Action = "audit.anchored"
	AuditBackedUp Action = "audit.backed_up"
	AuditRestored Action = "audit.restored"
)

// Change requests.
const (
	ChangeCreated     Action = "change.created"
	ChangeApproved    Action = "change.approved"
	ChangeRejected    Action = "change.rejected"
	ChangeCancelled   Action = "change.cancelled"
	ChangeExpired     Action = "change.expired"
	ChangeStale       Action = "change.stale"
	ChangeResubmitted Action = "change.resubmitted"
	ChangeRefused     Action = "change.refused"
	ChangeClusterGone Action = "change.cluster_gone"
	ChangeExpiring    Action = "change.expiring"
)

// Bulk requests: one change over a set of clusters, decided as a whole.
// Each member keeps its own change.* and apply.* events.
const (
	BulkSubmitted   Action = "bulk.submitted"
	BulkApproved    Action = "bulk.approved"
	BulkRejected    Action = "bulk.rejected"
	BulkCancelled   Action = "bulk.cancelled"
	BulkStale       Action = "bulk.stale"
	BulkResubmitted Action = "bulk.resubmitted"
	BulkFinished    Action = "bulk.finished"
)

// Notifications.
const (
	NotifyChannelAdded   Action = "notify.channel_added"
	NotifyChannelChanged Action = "notify.channel_changed"
	NotifyPrefsChanged   Action = "notify.prefs_changed"
)

// Changes to a cluster's roles made outside Rolegate.
const (
	DriftBaseline Action = "drift.baseline"
	DriftDetected Action = "drift.detected"
	DriftResolved Action = "drift.resolved"
	DriftAccepted Action = "drift.accepted"
	// DriftRevert is a revert of a drift opened as a change form; the
	// change itself follows the normal approval path.
	DriftRevert Action = "drift.revert_proposed"
	// DriftAttributed is the caller of a drift found in CloudTrail after
	// the drift was recorded without one.
	DriftAttributed Action = "drift.attributed"
)

// Applying a change through the Redshift API.
const (
	ApplyStarted    Action = "apply.started"
	ApplySucceeded  Action = "apply.succeeded"
	ApplyWaiting    Action = "apply.waiting"
	ApplyFailed     Action = "apply.failed"
	ApplyUnknown    Action = "apply.unknown"
	ApplyReconciled Action = "apply.reconciled"
	ApplyInSync     Action = "apply.in_sync"
	ApplyHeld       Action = "apply.held"
	ApplyServerErr  Action = "apply.server_error"
)

var descriptions = map[Action]string{
	SignIn:          "Signed in",
	SignInFailed:    "Sign-in failed (unknown user, wrong password or disabled account)",
	SignInThrottled: "Sign-in refused: too many failed attempts",
	SignOut:         "Signed out",
	CSRFFailed:      "Request refused: missing or wrong CSRF token",
	AccessDenied:    "Request refused: the user's role does not allow it",
	SessionsEnded:   "All sessions of a user were ended",
	MFAEnrolled:     "Second factor (TOTP) enrolled",
	Reauthenticated: "Password confirmed again before a sensitive action",
	SSORefused:      "Single sign-on refused: no session was started",

	UserCreated:          "User created",
	UserRoleChanged:      "User's role changed",
	UserDisabled:         "User disabled (their sessions ended)",
	UserEnabled:          "User enabled",
	UserPasswordReset:    "User's password reset by an administrator",
	UserPasswordChanged:  "User changed their own password",
	UserMFAReset:         "User's second factor reset by an administrator",
	UserRecoveryCodes:    "New recovery codes made for the second factor (the old ones no longer work)",
	UserRecoveryCodeUsed: "A recovery code was used for the second factor (it no longer works)",
	UserTimeZoneChanged:  "User chose the time zone their pages show times in",
	UserBreakGlass:       "User's break-glass flag changed (password sign-in when local passwords are switched off)",

	TokenCreated: "API token made (shown once; only its hash is kept)",
	TokenRevoked: "API token revoked: it no longer works",
	TokenRefused: "API request refused: its token is expired or revoked",

	AccountAdded:    "AWS account added",
	AccountChanged:  "AWS account's settings changed",
	AccountDisabled: "AWS account disabled: its clusters are no longer listed or changed",
	AccountEnabled:  "AWS account enabled again",

	ChangeCreated:     "Change request submitted",
	ChangeApproved:    "Change request approved",
	ChangeRejected:    "Change request rejected",
	ChangeCancelled:   "Change request cancelled by its requester",
	ChangeExpired:     "Change request expired without a decision",
	ChangeStale:       "Change request marked stale: the cluster's roles changed since it was made",
	ChangeResubmitted: "Change request resubmitted against the cluster's current roles",
	ChangeRefused:     "Change request refused at submission; nothing was stored or sent",
	ChangeClusterGone: "Change request closed: AWS answered ClusterNotFound, the cluster no longer exists",
	ChangeExpiring:    "Change request about to expire without a decision; its requester is reminded",

	BulkSubmitted:   "Bulk request submitted: one change over a frozen set of clusters, with every member's planned change",
	BulkApproved:    "Bulk request approved as a whole: every member's approval recorded at once",
	BulkRejected:    "Bulk request rejected: every pending member closed",
	BulkCancelled:   "Bulk request withdrawn by its requester: every pending member cancelled",
	BulkStale:       "Bulk request marked stale: a member's cluster changed since the set was submitted",
	BulkResubmitted: "Bulk request resubmitted against the clusters as they are now",
	BulkFinished:    "Bulk request finished: nothing more will happen to any member; how many are in-sync and how many failed",

	NotifyChannelAdded:   "Notification channel added (its secrets are never recorded)",
	NotifyChannelChanged: "Notification channel changed (its secrets are never recorded, only that they were set)",
	NotifyPrefsChanged:   "User changed their own notification settings",

	DriftBaseline:   "Cluster first seen: its roles and default recorded as the baseline later reads are compared with",
	DriftDetected:   "Roles or default changed outside Rolegate: the last audited state, the live state and the difference are recorded",
	DriftResolved:   "Drift closed: the cluster is back at its last audited state",
	DriftAccepted:   "Drift accepted by an approver: the live roles and default are the new baseline",
	DriftRevert:     "Revert of a drift proposed: the change form was opened with the change restoring the last audited state",
	DriftAttributed: "Caller of a drift found in CloudTrail after the drift was recorded: who, when and from where",

	ApplyStarted:    "ModifyClusterIamRoles about to be sent (intent recorded before the call)",
	ApplySucceeded:  "ModifyClusterIamRoles accepted; the returned Cluster is recorded",
	ApplyWaiting:    "ModifyClusterIamRoles refused for now (cluster busy or AWS throttling); waiting to retry",
	ApplyFailed:     "Applying the change failed",
	ApplyUnknown:    "ModifyClusterIamRoles sent but no answer came back; the outcome is checked by reading the cluster",
	ApplyReconciled: "Unfinished apply settled by reading the cluster",
	ApplyInSync:     "Every role of the change is in-sync; the final Cluster is recorded",
	ApplyHeld:       "ModifyClusterIamRoles not sent (the cluster was not ready or could not be read, or the SDK held the call back); waiting to try again",
	ApplyServerErr:  "ModifyClusterIamRoles answered with a server error; the outcome is checked by reading the cluster",

	AuditExported: "Audit log exported",
	AuditVerified: "Audit chain verified",
	AuditAnchored: "Head of the audit chain written to the anchor file",
	AuditBackedUp: "Database backed up, with its anchor file",
	AuditRestored: "Database restored from a backup or a replica",
}

// Description says what the action records, for people.
func (a Action) Description() string {
	if d, ok := descriptions[a]; ok {
		return d
	}
	return string(a)
}

// Known reports whether the action is declared.
func (a Action) Known() bool {
	_, ok := descriptions[a]
	return ok
}

// Actions lists every declared action, sorted, for filters.
func Actions() []Action {
	out := make([]Action, 0, len(descriptions))
	for a := range descriptions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
