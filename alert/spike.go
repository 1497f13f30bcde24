// Package alert finds spikes in an event's timeline (a bucket far above
// the recent baseline) and tells a webhook when one starts. The dashboard
// marks the same spikes with the same rule.
package alert

import (
	"slices"
	"time"

	"github.com/chorus-news/chorus"
)

// A spike is a bucket far above the recent baseline. The rule is meant to
// be robust to one-off noise and to quiet stretches:
//
//   - the baseline is the median of the SpikeWindow buckets before it
//     (empty buckets count as zero), so one earlier burst does not raise it;
//   - at least SpikeHistory buckets must come before it (the first posts of
//     an event are its start, not a spike);
//   - it holds at least SpikeFactor times the baseline (a baseline under
//     one post counts as one), and at least SpikeMinPosts posts, so a
//     quiet event's 3 posts after a run of ones is not news.
//
// A spike starts at a spiking bucket whose previous bucket is not one.
const (
	SpikeWindow   = 12
	SpikeHistory  = 3
	SpikeFactor   = 3.0
	SpikeMinPosts = 10
)

// Spike is one spiking bucket.
type Spike struct {
	Index    int     // into the points
	Count    int64   // posts in the bucket
	Baseline float64 // median of the window before
	Start    bool    // the previous bucket was not a spike
}

// Total is the posts of a bucket.
func Total(p chorus.Point) int64 { return p.Positive + p.Neutral + p.Negative + p.Unscored }

// Spikes finds the spiking buckets of a contiguous timeline (one point per
// bucket, empty ones included), oldest first.
func Spikes(points []chorus.Point) []Spike {
	var out []Spike
	window := make([]int64, 0, SpikeWindow)
	prev := -2
	for i, p := range points {
		if i < SpikeHistory {
			continue
		}
		window = window[:0]
		for j := max(0, i-SpikeWindow); j < i; j++ {
			window = append(window, Total(points[j]))
		}
		base := median(window)
		n := Total(p)
		if n >= SpikeMinPosts && float64(n) >= SpikeFactor*max(base, 1) {
			out = append(out, Spike{Index: i, Count: n, Baseline: base, Start: prev != i-1})
			prev = i
		}
	}
	return out
}

func median(v []int64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return float64(s[len(s)/2])
	}
	return float64(s[len(s)/2-1]+s[len(s)/2]) / 2
}

// Step is the length of a bucket.
func Step(b chorus.Bucket) time.Duration {
	switch b {
	case chorus.Minute:
		return time.Minute
	case chorus.Day:
		return 24 * time.Hour
	}
	return time.Hour
}

// Fill returns the timeline with a point for every bucket between the first
// and the last (empty ones zero), at most limit of the newest, and how many
// buckets the span holds in all.
func Fill(points []chorus.Point, b chorus.Bucket, limit int) ([]chorus.Point, int) {
	if len(points) == 0 || limit <= 0 {
		return nil, 0
	}
	d := Step(b)
	last := points[len(points)-1].T
	all := int(last.Sub(points[0].T)/d) + 1
	start := last.Add(-time.Duration(min(all, limit)-1) * d)
	out := make([]chorus.Point, 0, min(all, limit))
	i := 0
	for i < len(points) && points[i].T.Before(start) {
		i++
	}
	for t := start; !t.After(last); t = t.Add(d) {
		if i < len(points) && points[i].T.Equal(t) {
			out = append(out, points[i])
			i++
		} else {
			out = append(out, chorus.Point{T: t})
		}
	}
	return out, all
}
