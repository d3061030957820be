package notify_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"rolegate/internal/change"
	"rolegate/internal/notify"
)

const hookSecret = "a signing secret of some length"

func (g *rig) webhook(t testing.TB, name, url string, topics ...notify.Topic) notify.Channel {
	t.Helper()
	return g.addChannel(t, notify.ChannelForm{Name: name, Kind: notify.ChannelWebhook, Target: url, Secret: hookSecret, Topics: topics, Enabled: true})
}

// A request's whole life reaches a signed webhook in order: approvers are
// pinged on submission, the outcome follows. Each body carries the
// cluster, account, change, reason and a link under the external URL, and
// nothing of a session.
func TestSignedWebhookGetsTheRequestsLifeInOrder(t *testing.T) {
	g := newRig(t, notify.Options{})
	rc := newReceiver(t, hookSecret)
	g.webhook(t, "ops-hook", rc.srv.URL, notify.AllTopics...)
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	g.approve(t, r, "arno")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := g.svc.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		cur, _ := g.svc.Get(context.Background(), r.ID)
		if cur.State == change.InSync {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("request stuck in %s", cur.State)
		}
		time.Sleep(5 * time.Millisecond)
	}
	g.drain(t, 10*time.Second)
	if got, want := rc.events(), []string{"submitted", "approved", "applied", "in_sync"}; !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	d := rc.deliveries()[0]
	data := d.Body["data"].(map[string]any)
	for field, want := range map[string]any{"cluster": "analytics", "region": rigRegion, "reason": "the nightly load needs COPY",
		"url": externalURL + "/changes/" + itoa(r.ID), "account": r.Account} {
		if data[field] != want {
			t.Errorf("data.%s = %v, want %v", field, data[field], want)
		}
	}
	if add, _ := data["add"].([]any); len(add) != 1 || add[0] != roleARN {
		t.Errorf("data.add = %v", data["add"])
	}
	if d.Body["id"] != d.Key || !strings.HasPrefix(d.Key, "rolegate-") {
		t.Errorf("body id %v, key %q", d.Body["id"], d.Key)
	}
	for _, dd := range rc.deliveries() {
		if s := strings.ToLower(string(dd.Raw)); strings.Contains(s, "csrf") || strings.Contains(s, "session") {
			t.Errorf("delivery %s mentions a session or CSRF token: %s", dd.Key, dd.Raw)
		}
	}
	// The request page's view: one sent row per notification.
	ds, err := g.notify.Deliveries(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 4 {
		t.Fatalf("%d deliveries recorded, want 4", len(ds))
	}
	for _, d := range ds {
		if d.State != notify.Sent || d.Label != "ops-hook" || d.SentAt.IsZero() || d.Attempts != 1 {
			t.Errorf("delivery %+v", d)
		}
	}
}

// A body changed on the way, a signature made with another secret, and a
// timestamp older than the tolerance are all refused by Verify.
func TestVerifyRefusesTamperingAndReplay(t *testing.T) {
	now := time.Now()
	body := []byte(`{"id":"k"}`)
	sig := notify.Sign([]byte(hookSecret), now, body)
	if err := notify.Verify([]byte(hookSecret), sig, body, now, notify.Tolerance); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	for name, check := range map[string]error{
		"changed body": notify.Verify([]byte(hookSecret), sig, []byte(`{"id":"K"}`), now, notify.Tolerance),
		"other secret": notify.Verify([]byte("another secret entirely"), sig, body, now, notify.Tolerance),
		"no signature": notify.Verify([]byte(hookSecret), "t=1", body, now, notify.Tolerance),
	} {
		if check != notify.ErrBadSignature {
			t.Errorf("%s: %v, want ErrBadSignature", name, check)
		}
	}
	if err := notify.Verify([]byte(hookSecret), sig, body, now.Add(notify.Tolerance+time.Second), notify.Tolerance); err != notify.ErrReplayed {
		t.Errorf("replayed later: %v, want ErrReplayed", err)
	}
}

// Approvers hear of a request waiting for them; the requester does not
// hear of their own submission, and the first approver is not asked for
// the second approval.
func TestMailGoesToThePeopleWhosePartItIs(t *testing.T) {
	g := newRig(t, notify.Options{})
	g.addChannel(t, notify.ChannelForm{Name: "smtp", Kind: notify.ChannelEmail, Target: "127.0.0.1:1", Sender: "rolegate@example.com", Enabled: true})
	for _, who := range []string{"rita", "arno", "anna", "adam"} {
		g.setPrefs(t, who, notify.Prefs{Email: who + "@example.com", EmailOn: who != "adam"})
	}
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	ds, err := g.notify.Deliveries(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, d := range ds {
		to = append(to, d.Address)
	}
	if got := strings.Join(to, " "); got != "arno@example.com anna@example.com" {
		t.Errorf("submission mailed %q; adam has mail off, rita requested it", got)
	}
}

// A receiver that answers 4xx refused the notification for good: one
// attempt, shown as failed with the status. One that answers 5xx is
// retried until it takes it.
func TestRefusedIsNotRetriedServerErrorIs(t *testing.T) {
	g := newRig(t, notify.Options{})
	refusing := newReceiver(t, hookSecret)
	refusing.setStatus(func() int { return http.StatusGone })
	var calls atomic.Int64
	flaky := newReceiver(t, hookSecret)
	flaky.setStatus(func() int {
		if calls.Add(1) <= 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	g.webhook(t, "gone-hook", refusing.srv.URL, notify.TopicApprovals)
	g.webhook(t, "flaky-hook", flaky.srv.URL, notify.TopicApprovals)
	g.cluster(t, "analytics")
	r := g.submit(t, "analytics")
	g.drain(t, 10*time.Second)
	ds, err := g.notify.Deliveries(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	byLabel := map[string]notify.Delivery{}
	for _, d := range ds {
		byLabel[d.Label] = d
	}
	if d := byLabel["gone-hook"]; d.State != notify.Failed || d.Attempts != 1 || !strings.Contains(d.LastError, "410") {
		t.Errorf("4xx: state %s after %d attempts, error %q; want failed after 1 with the status", d.State, d.Attempts, d.LastError)
	}
	if d := byLabel["flaky-hook"]; d.State != notify.Sent || d.Attempts != 4 {
		t.Errorf("5xx: state %s after %d attempts; want sent on the 4th", d.State, d.Attempts)
	}
	if n := len(flaky.deliveries()); n != 1 {
		t.Errorf("the flaky receiver took %d deliveries, want 1", n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
