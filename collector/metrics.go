package collector

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-news/chorus"
)

// Metrics exposes the live collectors' statuses on /metrics.
type Metrics struct {
	Statuses func() []chorus.CollectorStatus
}

var (
	labels     = []string{"event", "collector", "platform"}
	descPosts  = prometheus.NewDesc("chorus_collector_posts_total", "Posts a collector handed to ingest.", labels, nil)
	descPages  = prometheus.NewDesc("chorus_collector_pages_total", "Pages (or stream messages) a collector read.", labels, nil)
	descWaits  = prometheus.NewDesc("chorus_collector_rate_limit_waits_total", "Rate-limit waits a collector sat out.", labels, nil)
	descErrors = prometheus.NewDesc("chorus_collector_errors_total", "Faults a collector met (retried or not).", labels, nil)
	descLast   = prometheus.NewDesc("chorus_collector_last_post_timestamp_seconds", "When a collector last handed over a post (Unix time).", labels, nil)
	descUp     = prometheus.NewDesc("chorus_collector_up", "1 while a collector is running or waiting on a stated limit, 0 while it backs off or has failed.", append(labels, "state"), nil)
)

// Describe sends the metric descriptions.
func (m Metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descPosts, descPages, descWaits, descErrors, descLast, descUp} {
		ch <- d
	}
}

// Collect sends the statuses now.
func (m Metrics) Collect(ch chan<- prometheus.Metric) {
	if m.Statuses == nil {
		return
	}
	for _, st := range m.Statuses() {
		l := []string{st.Event, st.Name, string(st.Platform)}
		ch <- prometheus.MustNewConstMetric(descPosts, prometheus.CounterValue, float64(st.Posts), l...)
		ch <- prometheus.MustNewConstMetric(descPages, prometheus.CounterValue, float64(st.Pages), l...)
		ch <- prometheus.MustNewConstMetric(descWaits, prometheus.CounterValue, float64(st.RateLimitWaits), l...)
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(st.Errors), l...)
		if !st.LastPostAt.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLast, prometheus.GaugeValue, float64(st.LastPostAt.UnixMilli())/1000, l...)
		}
		up := 0.0
		if st.State == chorus.CollectorRunning || st.State == chorus.CollectorWaiting {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, append(l, st.State)...)
	}
}
