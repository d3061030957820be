package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// scrape is the text exposition of the rig's metrics.
func (r *rig) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.m.Handler("").ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

var reOldest = regexp.MustCompile(`(?m)^rolegate_notify_oldest_pending_age_seconds ([0-9.e+-]+)$`)

// The outbox's figures, read from the exposition: before anything is
// queued every kind reads 0; after two requests notified on three
// channels and one delivery pass, the Slack notifications are sent, the
// refused webhook's failed, the unavailable webhook's wait for a retry,
// and the oldest of them has an age.
func TestNotificationFiguresInTheExposition(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	body := r.scrape(t)
	for _, want := range []string{
		`rolegate_notify_outbox_backlog{channel_kind="slack"} 0`,
		`rolegate_notify_outbox_backlog{channel_kind="webhook"} 0`,
		`rolegate_notify_outbox_backlog{channel_kind="email"} 0`,
		`rolegate_notify_deliveries_total{channel_kind="slack",outcome="sent"} 0`,
		`rolegate_notify_deliveries_total{channel_kind="webhook",outcome="failed"} 0`,
		"rolegate_notify_oldest_pending_age_seconds 0\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("before any notification the exposition lacks %s", want)
		}
	}

	r.channels(t)
	r.apply(t, "alpha")
	r.apply(t, "beta")
	body = r.scrape(t)
	queued := regexp.MustCompile(`rolegate_notify_outbox_backlog\{channel_kind="slack"\} ([0-9]+)`).FindStringSubmatch(body)
	if queued == nil || queued[1] == "0" {
		t.Fatalf("nothing waits for Slack after two requests:\n%s", body)
	}
	n := queued[1]
	if err := r.notify.Step(ctx); err != nil {
		t.Fatal(err)
	}
	body = r.scrape(t)
	for _, want := range []string{
		`rolegate_notify_deliveries_total{channel_kind="slack",outcome="sent"} ` + n,
		`rolegate_notify_deliveries_total{channel_kind="slack",outcome="failed"} 0`,
		`rolegate_notify_outbox_backlog{channel_kind="slack"} 0`,
		`rolegate_notify_deliveries_total{channel_kind="webhook",outcome="failed"} `,
		`rolegate_notify_outbox_backlog{channel_kind="email"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("after a delivery pass the exposition lacks %s", want)
		}
	}
	// The refused hook's notifications failed and the unavailable one's
	// wait: as many of each as Slack got.
	for _, want := range []string{
		`rolegate_notify_deliveries_total{channel_kind="webhook",outcome="failed"} ` + n + "\n",
		`rolegate_notify_outbox_backlog{channel_kind="webhook"} ` + n + "\n",
		`rolegate_notify_deliveries_total{channel_kind="webhook",outcome="sent"} 0` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("after a delivery pass the exposition lacks %q", want)
		}
	}
	m := reOldest.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no oldest pending age:\n%s", body)
	}
	if age, err := strconv.ParseFloat(m[1], 64); err != nil || age <= 0 {
		t.Errorf("the oldest waiting notification's age is %s", m[1])
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}
