package ingest

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what workers do, for /metrics.
type Metrics struct {
	read    prometheus.Counter
	tallied prometheus.Counter
	seconds prometheus.Histogram
}

// NewMetrics registers the worker metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		read: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chorus_posts_scored_total", Help: "Queued posts read and scored by this process's workers (replays included).",
		}),
		tallied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chorus_posts_tallied_total", Help: "Posts newly tallied by this process's workers (each post counts once).",
		}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chorus_batch_seconds", Help: "Time to score and tally one batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}),
	}
	reg.MustRegister(m.read, m.tallied, m.seconds)
	return m
}

// Tallied records one batch.
func (m *Metrics) Tallied(read, tallied int, d time.Duration) {
	m.read.Add(float64(read))
	m.tallied.Add(float64(tallied))
	m.seconds.Observe(d.Seconds())
}
