package notify_test

import (
	"context"
	"testing"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/notify"
)

// Each outbox row names the audit event that caused it, and the two commit
// together: when the outbox cannot be written, the approval, its audit
// event and its notification are all rolled back.
func TestNotificationsCommitWithTheirAuditEvent(t *testing.T) {
	g := newRig(t, notify.Options{})
	g.webhook(t, "ops-hook", "http://127.0.0.1:1/", notify.AllTopics...)
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	var action string
	if err := g.db.Reader().QueryRow(`SELECT a.action FROM notify_outbox o JOIN audit_events a ON a.seq = o.audit_seq WHERE o.change_id = ?`, r.ID).Scan(&action); err != nil || action != string(audit.ChangeCreated) {
		t.Fatalf("the submission's notification points at %q (%v)", action, err)
	}

	if _, err := g.db.Writer().Exec(`DROP TABLE notify_outbox`); err != nil {
		t.Fatal(err)
	}
	if _, err := g.svc.Approve(context.Background(), g.actor("arno"), audit.Origin{}, r.ID, r.Hash, ""); err == nil {
		t.Fatal("the approval committed without its notification")
	}
	cur, err := g.svc.Get(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var approvals int
	if err := g.db.Reader().QueryRow(`SELECT COUNT(*) FROM audit_events WHERE action = ? AND change_id = ?`, audit.ChangeApproved, r.ID).Scan(&approvals); err != nil {
		t.Fatal(err)
	}
	if cur.State != change.Pending || len(cur.Approvals) != 0 || approvals != 0 {
		t.Errorf("after the failed approval: state %s, %d approvals, %d audit events", cur.State, len(cur.Approvals), approvals)
	}
}
