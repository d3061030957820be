package metrics

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rolegate/audit"
	"rolegate/internal/store"
)

// scrapeTimeout bounds the database reads of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	changeStatesDesc = prometheus.NewDesc("rolegate_change_requests", "Change requests by state.", []string{"state"}, nil)
	appendedDesc     = prometheus.NewDesc("rolegate_audit_events_appended_total", "Audit events appended since this process started, by action and outcome.", []string{"action", "outcome"}, nil)
	attemptsDesc     = prometheus.NewDesc("rolegate_apply_attempts_total", "ModifyClusterIamRoles attempts started (apply.started events) since this process started.", nil, nil)
	outcomesDesc     = prometheus.NewDesc("rolegate_apply_outcomes_total", "Apply steps settled since this process started, by result (the apply.* action: succeeded, failed, unknown, waiting, held, server_error, in_sync).", []string{"result"}, nil)
	reconcilerDesc   = prometheus.NewDesc("rolegate_reconciler_actions_total", "Unfinished applies settled by the reconciler (apply.reconciled events) since this process started, by outcome.", []string{"outcome"}, nil)
	chainDesc        = prometheus.NewDesc("rolegate_audit_chain_length", "Events in the audit chain (the newest seq).", nil, nil)
	anchorsDesc      = prometheus.NewDesc("rolegate_audit_anchors", "Anchors the database records as written.", nil, nil)
	anchorAgeDesc    = prometheus.NewDesc("rolegate_audit_last_anchor_age_seconds", "Seconds since the newest anchor was written (absent before the first).", nil, nil)
	scrapeErrDesc    = prometheus.NewDesc("rolegate_metrics_db_errors_total", "Database reads of the metrics that failed.", nil, nil)
)

// dbCollector reads, at each scrape and through the read-only pool, the
// figures the database keeps. The audit events appended are counted from
// the chain itself, from where it stood when the process started: the
// apply worker's and the reconciler's steps are each recorded there.
type dbCollector struct {
	db *store.DB

	mu       sync.Mutex
	outbox   Outbox // nil until WatchOutbox
	lastSeq  int64  // -1 until the first read
	appended map[[2]string]float64
	errors   float64
}

func newDBCollector(db *store.DB) *dbCollector {
	return &dbCollector{db: db, lastSeq: -1, appended: map[[2]string]float64{}}
}

func (d *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, desc := range []*prometheus.Desc{changeStatesDesc, appendedDesc, attemptsDesc, outcomesDesc, reconcilerDesc, chainDesc, anchorsDesc, anchorAgeDesc, scrapeErrDesc,
		outboxBacklogDesc, deliveriesDesc, oldestPendingDesc} {
		ch <- desc
	}
}

func (d *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	d.mu.Lock()
	defer d.mu.Unlock()
	fail := func(err error) bool {
		if err != nil {
			d.errors++
			return true
		}
		return false
	}
	r := d.db.Reader()

	if rows, err := r.QueryContext(ctx, `SELECT state, count(*) FROM change_requests GROUP BY state`); !fail(err) {
		for rows.Next() {
			var state string
			var n float64
			if !fail(rows.Scan(&state, &n)) {
				ch <- prometheus.MustNewConstMetric(changeStatesDesc, prometheus.GaugeValue, n, state)
			}
		}
		fail(rows.Err())
		rows.Close()
	}

	var head int64
	if !fail(r.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM audit_events`).Scan(&head)) {
		ch <- prometheus.MustNewConstMetric(chainDesc, prometheus.GaugeValue, float64(head))
		if d.lastSeq < 0 {
			d.lastSeq = head
		}
		d.readAppended(ctx, head, fail)
	}
	var attempts float64
	outcomes, reconciled := map[string]float64{}, map[string]float64{}
	for k, n := range d.appended {
		action, outcome := k[0], k[1]
		ch <- prometheus.MustNewConstMetric(appendedDesc, prometheus.CounterValue, n, action, outcome)
		switch {
		case action == string(audit.ApplyStarted):
			attempts += n
		case action == string(audit.ApplyReconciled):
			reconciled[outcome] += n
		case strings.HasPrefix(action, "apply."):
			outcomes[strings.TrimPrefix(action, "apply.")] += n
		}
	}
	ch <- prometheus.MustNewConstMetric(attemptsDesc, prometheus.CounterValue, attempts)
	for res, n := range outcomes {
		ch <- prometheus.MustNewConstMetric(outcomesDesc, prometheus.CounterValue, n, res)
	}
	for o, n := range reconciled {
		ch <- prometheus.MustNewConstMetric(reconcilerDesc, prometheus.CounterValue, n, o)
	}

	var anchors int64
	var at string
	if !fail(r.QueryRowContext(ctx, `SELECT count(*), coalesce(max(at), '') FROM audit_anchors`).Scan(&anchors, &at)) {
		ch <- prometheus.MustNewConstMetric(anchorsDesc, prometheus.GaugeValue, float64(anchors))
		if t, err := time.Parse(audit.TimeFormat, at); at != "" && !fail(err) {
			ch <- prometheus.MustNewConstMetric(anchorAgeDesc, prometheus.GaugeValue, time.Since(t).Seconds())
		}
	}
	if d.outbox != nil {
		d.collectOutbox(ctx, ch, fail)
	}
	ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.CounterValue, d.errors)
}

// readAppended counts the events after lastSeq up to head.
func (d *dbCollector) readAppended(ctx context.Context, head int64, fail func(error) bool) {
	if head <= d.lastSeq {
		return
	}
	rows, err := d.db.Reader().QueryContext(ctx, `SELECT seq, action, outcome FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq`, d.lastSeq, head)
	if fail(err) {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var action, outcome string
		if fail(rows.Scan(&seq, &action, &outcome)) {
			return
		}
		d.appended[[2]string{action, outcome}]++
		d.lastSeq = seq
	}
	fail(rows.Err())
}
