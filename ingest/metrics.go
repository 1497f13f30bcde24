package ingest

import (
	"context"
	"time"

	"github.com/chorus-news/chorus"

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

// Backlog is what a store tells about its queues, for /metrics.
type Backlog interface {
	Events(ctx context.Context) ([]chorus.Event, error)
	Queued(ctx context.Context, event string) (int64, error)
}

// DeadLetterCounter is a store that keeps dead letters (store/redis).
type DeadLetterCounter interface {
	DeadLetterCount(ctx context.Context, event string) (int64, error)
}

// backlogCollector reads each event's queue depth and dead letters from
// the store when /metrics is scraped: what every process sees alike.
type backlogCollector struct {
	store                 Backlog
	queued, dead, unavail *prometheus.Desc
}

// NewBacklogCollector registers chorus_queued_posts{event} and, for a
// store that keeps them, chorus_dead_letters{event} with reg.
func NewBacklogCollector(reg prometheus.Registerer, store Backlog) {
	reg.MustRegister(&backlogCollector{
		store:   store,
		queued:  prometheus.NewDesc("chorus_queued_posts", "Posts of the event waiting to be scored and tallied.", []string{"event"}, nil),
		dead:    prometheus.NewDesc("chorus_dead_letters", "Posts of the event moved to its dead letters after failing scoring or tallying repeatedly (chorus dlq).", []string{"event"}, nil),
		unavail: prometheus.NewDesc("chorus_store_up", "1 when the store answered the last scrape, 0 when it was unavailable.", nil, nil),
	})
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.queued
	ch <- c.dead
	ch <- c.unavail
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	events, err := c.store.Events(ctx)
	up := 1.0
	if err != nil {
		up = 0
	}
	dl, hasDead := c.store.(DeadLetterCounter)
	for _, ev := range events {
		if n, err := c.store.Queued(ctx, ev.ID); err == nil {
			ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(n), ev.ID)
		} else {
			up = 0
		}
		if hasDead {
			if n, err := dl.DeadLetterCount(ctx, ev.ID); err == nil {
				ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(n), ev.ID)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(c.unavail, prometheus.GaugeValue, up)
}
