package watch

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailql/trailql/detect"
	"github.com/trailql/trailql/internal/state"
)

// metrics are the daemon's Prometheus metrics.
type metrics struct {
	events, skipped, objects, tooLate prometheus.Counter
	alerts                            *prometheus.CounterVec
	openBuckets, lag                  prometheus.Gauge
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		events:      prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_events_read_total", Help: "CloudTrail records read."}),
		skipped:     prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_records_skipped_total", Help: "Records or files skipped as bad input."}),
		objects:     prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_objects_processed_total", Help: "Log files or objects fully processed."}),
		tooLate:     prometheus.NewCounter(prometheus.CounterOpts{Name: "trailql_events_too_late_total", Help: "Events that arrived after their window's amend horizon (--amend-horizon) and are in no alert."}),
		alerts:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "trailql_alerts_total", Help: "Alerts raised or updated, by rule."}, []string{"rule"}),
		openBuckets: prometheus.NewGauge(prometheus.GaugeOpts{Name: "trailql_open_buckets", Help: "Time windows held (open, or kept for late events)."}),
		lag:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "trailql_lag_seconds", Help: "Wall-clock time minus the newest event time read."}),
	}
	reg.MustRegister(m.events, m.skipped, m.objects, m.tooLate, m.alerts, m.openBuckets, m.lag)
	return m
}

// registerSinkMetrics exports a sink's delivery queue, read from the state
// database at each scrape: alerts delivered, waiting and parked (rejected).
func registerSinkMetrics(reg *prometheus.Registry, store *state.Store, name string) {
	stat := func(pick func(state.OutboxStats) int) func() float64 {
		return func() float64 {
			st, err := store.Stats(name)
			if err != nil {
				return -1
			}
			return float64(pick(st))
		}
	}
	labels := prometheus.Labels{"sink": name}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_sink_alerts_delivered", Help: "Alerts whose current version a sink has.", ConstLabels: labels},
			stat(func(s state.OutboxStats) int { return s.Sent })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_sink_alerts_pending", Help: "Alerts waiting for a sink (due or retrying).", ConstLabels: labels},
			stat(func(s state.OutboxStats) int { return s.Pending })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "trailql_sink_alerts_parked", Help: "Alerts a sink rejected for good.", ConstLabels: labels},
			stat(func(s state.OutboxStats) int { return s.Parked })),
	)
}

// exceptionCollector exports, at each scrape, how many events each
// exception item removed for each rule since the engine was last built
// (start or reload): trailql_exception_events_removed_total.
type exceptionCollector struct{ w *watcher }

var exceptionDesc = prometheus.NewDesc("trailql_exception_events_removed_total",
	"Source events an exception item removed before a rule's query, since start or the last reload.",
	[]string{"rule", "list_id", "item_id"}, nil)

func (c exceptionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- exceptionDesc }

func (c exceptionCollector) Collect(ch chan<- prometheus.Metric) {
	c.w.mu.Lock()
	var stats []detect.ExceptionStat
	if c.w.live != nil {
		stats = c.w.live.ExceptionReport()
	}
	c.w.mu.Unlock()
	for _, s := range stats {
		ch <- prometheus.MustNewConstMetric(exceptionDesc, prometheus.CounterValue, float64(s.Events), s.Rule, s.Item.ListID, s.Item.ItemID)
	}
}
