package notify_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/redshift"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/notify"
	"rolegate/redshiftsim"
)

// submitBulk makes rita's bulk request adding one role to every cluster.
func (g *rig) submitBulk(t testing.TB, clusters ...string) *change.Bulk {
	t.Helper()
	var targets []change.Target
	for _, c := range clusters {
		g.cluster(t, c)
		targets = append(targets, change.Target{Region: rigRegion, Cluster: c})
	}
	b, err := g.svc.CreateBulk(context.Background(), g.actor("rita"), audit.Origin{}, change.BulkInput{Add: roleARN, Reason: "the nightly load needs COPY"}, targets)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queuedFor counts the outbox rows queued for audit events of action.
func (g *rig) queuedFor(t testing.TB, action audit.Action) int {
	t.Helper()
	var n int
	if err := g.db.Reader().QueryRow(`SELECT COUNT(*) FROM notify_outbox o JOIN audit_events a ON a.seq = o.audit_seq WHERE a.action = ?`, string(action)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A 3-cluster set pings the approvals channel once, naming the set and
// linking its page, with no message per member; its approval is one
// decision; when every member is in-sync, the requester's channel hears
// that the set is done, once.
func TestBulkSetNotifiesOncePerEvent(t *testing.T) {
	g := newRig(t, notify.Options{})
	approvals, decisions := newReceiver(t, hookSecret), newReceiver(t, hookSecret)
	g.webhook(t, "approvals-hook", approvals.srv.URL, notify.TopicApprovals)
	g.webhook(t, "decisions-hook", decisions.srv.URL, notify.TopicDecisions)
	b := g.submitBulk(t, "alpha", "beta", "gamma")
	g.drain(t, 10*time.Second)

	if got := approvals.events(); !slices.Equal(got, []string{"bulk_submitted"}) {
		t.Fatalf("approvals channel got %v, want one bulk_submitted", got)
	}
	if got := decisions.events(); len(got) != 0 {
		t.Fatalf("decisions channel got %v on submission", got)
	}
	if n := g.queuedFor(t, audit.ChangeCreated); n != 0 {
		t.Errorf("%d notifications queued for the members' change.created events, want 0", n)
	}
	data := approvals.deliveries()[0].Body["data"].(map[string]any)
	for field, want := range map[string]any{"url": externalURL + "/bulk/" + itoa(b.ID), "reason": "the nightly load needs COPY",
		"bulk_id": float64(b.ID), "change_id": float64(0), "title": "Bulk change request waiting for approval"} {
		if data[field] != want {
			t.Errorf("data.%s = %v, want %v", field, data[field], want)
		}
	}
	if got := data["clusters"]; len(got.([]any)) != 3 || got.([]any)[0] != "alpha ("+rigRegion+")" {
		t.Errorf("data.clusters = %v", got)
	}
	if got := data["add"]; len(got.([]any)) != 1 || got.([]any)[0] != roleARN {
		t.Errorf("data.add = %v", got)
	}

	if _, err := g.svc.ApproveBulk(context.Background(), g.actor("arno"), audit.Origin{}, b.ID, b.Hash, "fine"); err != nil {
		t.Fatal(err)
	}
	g.drain(t, 10*time.Second)
	if got := decisions.events(); !slices.Equal(got, []string{"bulk_approved"}) {
		t.Fatalf("decisions channel got %v, want one bulk_approved", got)
	}
	if n := g.queuedFor(t, audit.ChangeApproved); n != 0 {
		t.Errorf("%d notifications queued for the members' change.approved events, want 0", n)
	}
	if got := approvals.events(); len(got) != 1 {
		t.Errorf("approvals channel got %v after the approval", got)
	}

	g.finish(t, b)
	// The members' apply events still notify as single requests do; the
	// set's own line is ordered apart from theirs.
	got := decisions.events()
	if n := strings.Count(strings.Join(got, " "), "bulk_in_sync"); n != 1 {
		t.Fatalf("decisions channel got %v, want one bulk_in_sync", got)
	}
	done := decisions.deliveries()[slices.Index(got, "bulk_in_sync")].Body["data"].(map[string]any)
	if !strings.Contains(done["detail"].(string), "every one of the 3 changed clusters is in-sync") {
		t.Errorf("finished detail %q", done["detail"])
	}
	if n := g.queuedFor(t, audit.BulkFinished); n != 1 {
		t.Errorf("%d notifications queued for bulk.finished, want 1", n)
	}
}

// finish runs the change worker until every member of b is done.
func (g *rig) finish(t testing.TB, b *change.Bulk) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := g.svc.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		members, err := g.svc.BulkMembers(context.Background(), b.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := g.svc.GetBulk(context.Background(), b.ID)
		if cur.Progress(members).Done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("set stuck: %s", cur.Progress(members).Overall)
		}
		time.Sleep(5 * time.Millisecond)
	}
	g.drain(t, 10*time.Second)
}

// A set whose member's cluster is deleted before the apply ends partly
// failed: its requester's channel hears it once, with the counts; the
// member's own failure goes to the alerts as a single request's would.
func TestBulkPartlyFailedIsToldOnce(t *testing.T) {
	g := newRig(t, notify.Options{})
	decisions, alerts := newReceiver(t, hookSecret), newReceiver(t, hookSecret)
	g.webhook(t, "decisions-hook", decisions.srv.URL, notify.TopicDecisions)
	g.webhook(t, "alerts-hook", alerts.srv.URL, notify.TopicAlerts)
	b := g.submitBulk(t, "alpha", "beta", "gamma")
	if _, err := g.svc.ApproveBulk(context.Background(), g.actor("arno"), audit.Origin{}, b.ID, b.Hash, ""); err != nil {
		t.Fatal(err)
	}
	client := redshift.New(redshift.Options{
		Region: rigRegion, BaseEndpoint: aws.String(g.simURL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
	if _, err := client.DeleteCluster(context.Background(), &redshift.DeleteClusterInput{ClusterIdentifier: aws.String("beta"), SkipFinalClusterSnapshot: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	g.finish(t, b)
	got := decisions.events()
	if n := strings.Count(strings.Join(got, " "), "bulk_"); n != 2 || !slices.Contains(got, "bulk_failed") {
		t.Fatalf("decisions channel got %v, want bulk_approved and one bulk_failed", got)
	}
	data := decisions.deliveries()[slices.Index(got, "bulk_failed")].Body["data"].(map[string]any)
	if d := data["detail"].(string); !strings.Contains(d, "partly failed: 2 of 3 clusters are in-sync") {
		t.Errorf("detail %q", d)
	}
	if got := alerts.events(); !slices.Equal(got, []string{"failed"}) {
		t.Errorf("alerts channel got %v, want the member's failure once", got)
	}
	if n := g.queuedFor(t, audit.BulkFinished); n != 1 {
		t.Errorf("%d notifications queued for bulk.finished, want 1", n)
	}
}

// A set whose member's cluster changed before the approval is stale: its
// requester hears it once, for the set, and not once more per stale member.
func TestBulkStaleSetIsToldOnce(t *testing.T) {
	g := newRig(t, notify.Options{})
	decisions := newReceiver(t, hookSecret)
	g.webhook(t, "decisions-hook", decisions.srv.URL, notify.TopicDecisions)
	b := g.submitBulk(t, "alpha", "beta", "gamma")
	client := redshift.New(redshift.Options{
		Region: rigRegion, BaseEndpoint: aws.String(g.simURL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:  &http.Client{Transport: redshiftsim.ClientTransport()},
	})
	for _, c := range []string{"alpha", "beta"} {
		if _, err := client.ModifyClusterIamRoles(context.Background(), &redshift.ModifyClusterIamRolesInput{
			ClusterIdentifier: aws.String(c), AddIamRoles: []string{"arn:aws:iam::123456789012:role/Elsewhere"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := g.svc.ApproveBulk(context.Background(), g.actor("arno"), audit.Origin{}, b.ID, b.Hash, ""); err == nil {
		t.Fatal("a set whose clusters changed was approved")
	}
	g.drain(t, 10*time.Second)
	if got := decisions.events(); !slices.Equal(got, []string{"bulk_stale"}) {
		t.Fatalf("decisions channel got %v, want one bulk_stale", got)
	}
	if n := g.queuedFor(t, audit.ChangeStale); n != 0 {
		t.Errorf("%d notifications queued for the members' change.stale events, want 0", n)
	}
}

// Rejecting a set is one decision carrying the comment, not one per
// member.
func TestBulkRejectionIsOneDecision(t *testing.T) {
	g := newRig(t, notify.Options{})
	decisions := newReceiver(t, hookSecret)
	g.webhook(t, "decisions-hook", decisions.srv.URL, notify.TopicDecisions)
	b := g.submitBulk(t, "alpha", "beta", "gamma")
	if _, err := g.svc.RejectBulk(context.Background(), g.actor("anna"), audit.Origin{}, b.ID, "not during the freeze"); err != nil {
		t.Fatal(err)
	}
	g.drain(t, 10*time.Second)
	if got := decisions.events(); !slices.Equal(got, []string{"bulk_rejected"}) {
		t.Fatalf("decisions channel got %v, want one bulk_rejected", got)
	}
	data := decisions.deliveries()[0].Body["data"].(map[string]any)
	if data["detail"] != "not during the freeze" || data["state"] != "rejected" {
		t.Errorf("data = %v", data)
	}
	if n := g.queuedFor(t, audit.ChangeRejected); n != 0 {
		t.Errorf("%d notifications queued for the members' change.rejected events, want 0", n)
	}
}

// Who hears of a set: its approvers (never its requester) when it waits,
// its requester when it is decided.
func TestBulkRecipients(t *testing.T) {
	g := newRig(t, notify.Options{})
	b := g.submitBulk(t, "alpha", "beta")
	members, err := g.svc.BulkMembers(context.Background(), b.ID)
	if err != nil {
		t.Fatal(err)
	}
	users := []notify.User{
		{ID: g.actor("rita").ID, Username: "rita", Role: g.actor("rita").Role},
		{ID: g.actor("arno").ID, Username: "arno", Role: g.actor("arno").Role},
		{ID: g.actor("vic").ID, Username: "vic", Role: g.actor("vic").Role},
	}
	if got := hears(notify.Recipients(notify.KindBulkSubmitted, members[0], users)); got != "arno:approver" {
		t.Errorf("submitted: hears %q", got)
	}
	if got := hears(notify.Recipients(notify.KindBulkFailed, members[0], users)); got != "rita:requester" {
		t.Errorf("failed: hears %q", got)
	}
}

// The message of a large set names a few clusters and counts the rest, in
// every rendering that people read.
func TestBulkMessageNamesTheSet(t *testing.T) {
	b := &change.Bulk{ID: 7, Add: []string{roleARN}, Reason: "the nightly load needs COPY", State: change.BulkPending}
	for _, c := range []string{"a", "b", "c", "d", "e"} {
		b.Members = append(b.Members, change.Member{Account: "123456789012", Region: rigRegion, Cluster: c, Outcome: change.MemberChange})
	}
	m := notify.BulkMessage(notify.KindBulkSubmitted, b, nil, "rita", externalURL, time.Now())
	set := "5 clusters: a (eu-west-1), b (eu-west-1), c (eu-west-1) and 2 more"
	if got := m.Where(); got != set {
		t.Errorf("Where() = %q, want %q", got, set)
	}
	if got, want := m.Subject(), "[Rolegate] Bulk change request waiting for approval: bulk #7, 5 clusters"; got != want {
		t.Errorf("Subject() = %q, want %q", got, want)
	}
	text := m.Text()
	for _, want := range []string{"Bulk:     #7 (pending)", "Clusters: " + set, "Change:   add " + roleARN, externalURL + "/bulk/7"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if m.Link() != "Open bulk request #7" {
		t.Errorf("Link() = %q", m.Link())
	}
}
