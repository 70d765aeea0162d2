package watch

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/trailql/trailql/internal/state"
)

// The hooks below let another daemon loop (the Kafka consumer group in
// internal/kafka, which keeps one live engine per partition) report to the
// same health checks and export the same sink metrics as Run does.

// Attach makes h report on store and the named sinks' queues.
func (h *Health) Attach(store *state.Store, sinks []string) { h.attach(store, sinks) }

// Object records how a unit of input of source ended (err nil: done), and
// the newest event time read.
func (h *Health) Object(source string, err error, newest time.Time) { h.object(source, err, newest) }

// Commit records how the last state commit ended.
func (h *Health) Commit(err error) { h.commit(err) }

// RegisterSinkMetrics exports a sink's delivery queue (delivered, pending,
// parked), read from the state database at each scrape, as Run does.
func RegisterSinkMetrics(reg *prometheus.Registry, store *state.Store, name string) {
	registerSinkMetrics(reg, store, name)
}
