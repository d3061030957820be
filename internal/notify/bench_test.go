package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"rolegate/internal/notify"
)

// BenchmarkApprovalToWebhook measures, over loopback, from the approval's
// transaction (the time the notification is queued in it, before the
// commit) to the signed webhook received by a receiver, with the delivery
// worker running as in the dashboard (woken by the commit, 1 s tick). It
// reports p50 and p99 in milliseconds.
func BenchmarkApprovalToWebhook(b *testing.B) {
	g := newRig(b, notify.Options{})
	got := make(chan time.Duration, 16)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		if notify.Verify([]byte(hookSecret), r.Header.Get(notify.HeaderSignature), body, at, notify.Tolerance) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m struct {
			Data notify.Message `json:"data"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if m.Data.Kind == notify.KindApproved {
			got <- at.Sub(m.Data.At)
		}
	}))
	b.Cleanup(hook.Close)
	g.webhook(b, "ops-hook", hook.URL, notify.TopicDecisions)
	g.cluster(b, "analytics")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.notify.Run(ctx, time.Second, g.svc) }()
	b.Cleanup(func() { cancel(); <-done })

	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		r := g.submit(b, "analytics")
		b.StartTimer()
		g.approve(b, r, "arno")
		select {
		case d := <-got:
			lat = append(lat, d)
		case <-time.After(30 * time.Second):
			b.Fatal("the approval's webhook did not arrive")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[(len(lat)*99)/100]), "p99-ms")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
