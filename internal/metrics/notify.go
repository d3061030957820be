package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rolegate/internal/notify"
)

// Outbox is the notification outbox as the metrics read it at each
// scrape; the notify service is one.
type Outbox interface {
	OutboxStats(ctx context.Context) (notify.OutboxStats, error)
}

var (
	outboxBacklogDesc = prometheus.NewDesc("rolegate_notify_outbox_backlog", "Notifications waiting in the outbox to be sent (retries included), by channel kind (slack, webhook, email).", []string{"channel_kind"}, nil)
	deliveriesDesc    = prometheus.NewDesc("rolegate_notify_deliveries_total", "Notifications settled, by channel kind and outcome (sent, or failed for good); counted from the outbox, which keeps every row.", []string{"channel_kind", "outcome"}, nil)
	oldestPendingDesc = prometheus.NewDesc("rolegate_notify_oldest_pending_age_seconds", "Seconds since the oldest notification still waiting was queued; 0 when none waits.", nil, nil)
)

// channelKinds are the kinds every notification family reports, with 0
// for a kind that has nothing, so that alerts need no absent().
var channelKinds = []notify.ChannelKind{notify.ChannelSlack, notify.ChannelWebhook, notify.ChannelEmail}

// settledStates are the outcomes of the deliveries family.
var settledStates = []notify.DeliveryState{notify.Sent, notify.Failed}

// WatchOutbox adds the notification outbox's figures to the scrape.
func (m *Metrics) WatchOutbox(o Outbox) {
	if m.db == nil {
		return
	}
	m.db.mu.Lock()
	defer m.db.mu.Unlock()
	m.db.outbox = o
}

// collectOutbox sends the outbox's figures; d.mu is held.
func (d *dbCollector) collectOutbox(ctx context.Context, ch chan<- prometheus.Metric, fail func(error) bool) {
	st, err := d.outbox.OutboxStats(ctx)
	if fail(err) {
		return
	}
	for _, k := range channelKinds {
		ch <- prometheus.MustNewConstMetric(outboxBacklogDesc, prometheus.GaugeValue, float64(st.Pending[k]), string(k))
		for _, s := range settledStates {
			ch <- prometheus.MustNewConstMetric(deliveriesDesc, prometheus.CounterValue, float64(st.Settled[k][s]), string(k), string(s))
		}
	}
	age := 0.0
	if !st.OldestPending.IsZero() {
		age = max(0, time.Since(st.OldestPending).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(oldestPendingDesc, prometheus.GaugeValue, age)
}
