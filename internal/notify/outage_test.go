package notify_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"rolegate/audit"
	"rolegate/internal/notify"
)

// The receiver is down (nothing listens on its port) while two requests
// are submitted, approved and rejected; the worker keeps failing to
// connect. When it is back on the same address, everything is delivered,
// once, and in order per request.
func TestReceiverDownForAWhileThenBack(t *testing.T) {
	g := newRig(t, notify.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	g.webhook(t, "ops-hook", "http://"+addr+"/hook", notify.AllTopics...)
	g.cluster(t, "analytics")
	g.cluster(t, "billing")
	a := g.submit(t, "analytics")
	b := g.submit(t, "billing")
	g.approve(t, a, "arno")
	if _, err := g.svc.Reject(context.Background(), g.actor("anna"), audit.Origin{}, b.ID, "not this quarter"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := g.notify.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Millisecond)
	}
	ds, err := g.notify.Deliveries(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ds[0].State != notify.Pending || ds[0].Attempts < 2 || !strings.Contains(ds[0].LastError, "could not reach the receiver") {
		t.Fatalf("while down: %+v", ds[0])
	}
	if ds[1].Attempts != 0 {
		t.Errorf("the approval was tried (%d attempts) before the submission was delivered", ds[1].Attempts)
	}

	rc := newReceiver(t, hookSecret)
	rc.srv.Close()
	back, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	srv.Listener = back
	srv.Start()
	t.Cleanup(srv.Close)
	g.drain(t, 10*time.Second)

	perRequest := map[float64][]string{}
	for _, d := range rc.deliveries() {
		id := d.Body["data"].(map[string]any)["change_id"].(float64)
		perRequest[id] = append(perRequest[id], d.Event)
	}
	if got := perRequest[float64(a.ID)]; !slices.Equal(got, []string{"submitted", "approved"}) {
		t.Errorf("request %d: %v", a.ID, got)
	}
	if got := perRequest[float64(b.ID)]; !slices.Equal(got, []string{"submitted", "rejected"}) {
		t.Errorf("request %d: %v", b.ID, got)
	}
	for key, n := range rc.seen {
		if n != 1 {
			t.Errorf("key %s delivered %d times", key, n)
		}
	}
}
