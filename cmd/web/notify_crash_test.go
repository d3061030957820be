package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/change"
	"rolegate/internal/inventory"
	"rolegate/internal/notify"
	"rolegate/internal/store"
	"rolegate/redshiftsim"
)

const crashHookSecret = "a signing secret for the crash test"

// hangingReceiver verifies each delivery's signature and holds the first
// one it is sent without answering, as a receiver does that has taken a
// delivery when the sender dies; it keeps every key it saw, duplicates
// included, and accepts each key once.
type hangingReceiver struct {
	mu       sync.Mutex
	seen     []string // every signed delivery's key, in arrival order
	accepted []string // the events accepted, duplicates dropped
	keys     map[string]bool
	held     bool
	holding  chan struct{}
}

func (h *hangingReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if notify.Verify([]byte(crashHookSecret), r.Header.Get(notify.HeaderSignature), body, time.Now(), notify.Tolerance) != nil {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	key := r.Header.Get(notify.HeaderIdempotency)
	h.mu.Lock()
	h.seen = append(h.seen, key)
	if !h.keys[key] {
		h.keys[key] = true
		h.accepted = append(h.accepted, r.Header.Get(notify.HeaderEvent))
	}
	hold := !h.held
	h.held = true
	h.mu.Unlock()
	if hold {
		close(h.holding)
		<-r.Context().Done() // until the sender is killed
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (h *hangingReceiver) state() (seen, accepted []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.seen), slices.Clone(h.accepted)
}

// The dashboard is killed with SIGKILL while it delivers the first
// notification of a request whose submission and approval are committed
// in the outbox: the receiver got the delivery but Rolegate never learnt
// it. After a restart everything is delivered, in order, and the receiver
// sees the re-sent first delivery under the same idempotency key, so that
// it accepts each notification exactly once.
func TestSIGKILLBetweenCommitAndDeliveryLosesNothing(t *testing.T) {
	rig := newCrashRigFor(t)
	h := &hangingReceiver{keys: map[string]bool{}, holding: make(chan struct{})}
	hook := httptest.NewServer(h)
	t.Cleanup(hook.Close)
	id := rig.notifiedRequest(t, hook.URL)

	cmd, logs := rig.start(t)
	select {
	case <-h.holding:
	case <-time.After(30 * time.Second):
		t.Fatalf("no delivery reached the receiver; process output:\n%s", logs)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if seen, _ := h.state(); len(seen) != 1 {
		t.Fatalf("before the kill the receiver saw %d deliveries, want the one it holds", len(seen))
	}
	pending := rig.outbox(t, id)
	if len(pending) < 2 || pending[0] != "submitted:pending" || pending[1] != "approved:pending" {
		t.Fatalf("after the kill the outbox holds %v, want the submission and the approval still pending", pending)
	}

	cmd, logs = rig.start(t)
	waitFor(t, "every notification to be delivered", logs, func() bool {
		out := rig.outbox(t, id)
		return len(out) == 4 && !slices.ContainsFunc(out, func(s string) bool { return s[len(s)-4:] != "sent" })
	})
	stopGracefully(t, cmd, logs)

	seen, accepted := h.state()
	if want := []string{"submitted", "approved", "applied", "in_sync"}; !slices.Equal(accepted, want) {
		t.Errorf("the receiver accepted %v, want %v", accepted, want)
	}
	if len(seen) != 5 || seen[0] != seen[1] {
		t.Errorf("keys seen %v: want the first one twice (held, then re-sent), then one each", seen)
	}
	rig.checkIntact(t)
}

// notifiedRequest stores a signed webhook channel, then a request that is
// submitted and approved with the notification service in the change
// service's transactions, so that both notifications wait in the outbox.
func (rig *crashRig) notifiedRequest(t *testing.T, hookURL string) int64 {
	t.Helper()
	if err := rig.sim.AddCluster(crashRegion, redshiftsim.ClusterSpec{ID: "notified", NodeType: "ra3.xlplus", NumberOfNodes: 2, Status: "available"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := store.Open(ctx, rig.dbPath, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log := audit.New(db)
	notes := notify.New(notify.Options{DB: db, Audit: log})
	if _, err := notes.AddChannel(ctx, audit.System, audit.Origin{}, notify.ChannelForm{Name: "ops-hook", Kind: notify.ChannelWebhook,
		Target: hookURL, Secret: crashHookSecret, Topics: notify.AllTopics, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	gw, err := inventory.New(ctx, inventory.Options{Regions: []string{crashRegion}, Endpoint: rig.simURL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	svc := change.New(change.Options{DB: db, Audit: log, Redshift: gw, Notifier: notes})
	r, err := svc.Create(ctx, change.Actor{ID: 1, Username: "rita", Role: "requester"}, audit.Origin{}, change.ParseDraft(change.Input{
		Region: crashRegion, Cluster: "notified", Add: crashRole, Reason: "Load the nightly batch",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, change.Actor{ID: 2, Username: "arno", Role: "approver"}, audit.Origin{}, r.ID, r.Hash, ""); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// outbox lists the request's notifications as kind:state, in order.
func (rig *crashRig) outbox(t *testing.T, id int64) []string {
	t.Helper()
	db := rig.open(t)
	defer db.Close()
	rows, err := db.Query(`SELECT kind, state FROM notify_outbox WHERE change_id = ? ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k, s string
		if err := rows.Scan(&k, &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, k+":"+s)
	}
	return out
}
