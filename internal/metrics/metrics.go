package metrics

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"rolegate/internal/store"
)

// Metrics holds Rolegate's collectors in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	awsCalls      *prometheus.CounterVec
	awsDuration   *prometheus.HistogramVec
	sweeps        *prometheus.CounterVec
	sweepDuration *prometheus.HistogramVec
	sweepClusters *prometheus.GaugeVec
	db            *dbCollector // nil without a database
}

// New registers every metric family. db, when not nil, is read at each
// scrape for the figures the database keeps.
func New(db *store.DB) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolegate_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rolegate_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		awsCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolegate_aws_calls_total", Help: "AWS API operations, retries included, by service, operation, account, region and outcome (success, api_error, timeout, error).",
		}, []string{"service", "operation", "account", "region", "outcome"}),
		awsDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rolegate_aws_call_duration_seconds", Help: "Time of one AWS API operation, retries included.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20, 60},
		}, []string{"service", "operation", "account", "region"}),
		sweeps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rolegate_inventory_sweeps_total", Help: "Inventory sweeps of a region (DescribeClusters, every page), by outcome (success, error).",
		}, []string{"region", "outcome"}),
		sweepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "rolegate_inventory_sweep_duration_seconds", Help: "Time of one region's inventory sweep.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"region"}),
		sweepClusters: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "rolegate_inventory_clusters", Help: "Clusters found by the region's last good sweep.",
		}, []string{"region"}),
	}
	m.reg.MustRegister(m.httpRequests, m.httpDuration, m.awsCalls, m.awsDuration, m.sweeps, m.sweepDuration, m.sweepClusters,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.db = newDBCollector(db)
		m.reg.MustRegister(m.db)
	}
	return m
}

// Registry is the registry the metrics are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Sweep records one region's inventory sweep; it fits inventory.Options.OnSweep.
func (m *Metrics) Sweep(region string, took time.Duration, clusters int, err error) {
	outcome := "success"
	if err != nil {
		outcome = "error"
	} else {
		m.sweepClusters.WithLabelValues(region).Set(float64(clusters))
	}
	m.sweeps.WithLabelValues(region, outcome).Inc()
	m.sweepDuration.WithLabelValues(region).Observe(took.Seconds())
}

// Handler serves the metrics. With a token, a request must carry it as
// "Authorization: Bearer TOKEN" or gets 401; without one it serves anyone,
// which is only for a listener of its own.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte("Bearer " + token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="rolegate metrics"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
