package web

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/alert"
)

// Charts are SVG drawn here, on the server, into the page: the numbers and
// the chart are there without JavaScript, nothing is fetched from anywhere,
// the page cache keeps them with the rest, and html/template escapes every
// attribute. Colours come from the stylesheet (classes), not inline styles,
// so the strict CSP holds. What is computed here is geometry only.

// maxColumns bounds the timeline: the newest buckets are shown.
const maxColumns = 120

// The timeline's drawing area (SVG user units; the SVG scales to its box).
const (
	chartW      = 960.0
	chartH      = 220.0
	chartLeft   = 44.0
	chartTop    = 18.0
	chartBottom = 190.0
)

// Geometry goes to the template as preformatted strings: a page build
// then makes one call per attribute (its escaper), not two.
type chartRect struct {
	Class string
	Y, H  string
}

func f1(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

type chartCol struct {
	X, W     string
	Mid      string // X of the middle
	Label    string // the bucket's start, as people read it
	Rects    []chartRect
	Title    string // what the bucket holds, in words
	Href     string // the posts it counts
	Spike    bool
	SpikeY   string
	Point    chorus.Point
	Total    int64
	Baseline float64
}

type chartTick struct {
	Y     string
	Label string
}

type chartLabel struct {
	X      string
	Anchor string
	Label  string
}

// timelineChart is a stacked bar chart of a contiguous timeline.
type timelineChart struct {
	Bucket  chorus.Bucket
	Cols    []chartCol
	Max     int64
	Ticks   []chartTick
	XLabels []chartLabel
	Spikes  []chartCol // the columns where a spike starts
	Shown   int        // buckets drawn
	Of      int        // buckets in the event's span
	Empty   bool
}

func (timelineChart) W() float64      { return chartW }
func (timelineChart) H() float64      { return chartH }
func (timelineChart) Left() float64   { return chartLeft }
func (timelineChart) Bottom() float64 { return chartBottom }

// bucketLabel names a bucket's start as people read it.
func bucketLabel(b chorus.Bucket, t time.Time) string {
	switch b {
	case chorus.Minute:
		return t.Format("Jan 2 15:04")
	case chorus.Day:
		return t.Format("Mon Jan 2")
	}
	return t.Format("Jan 2 15:00")
}

// postsHref is the dashboard's listing of the posts a count counts.
func postsHref(event string, v url.Values) string {
	if len(v) == 0 {
		return "/events/" + url.PathEscape(event) + "/posts"
	}
	return "/events/" + url.PathEscape(event) + "/posts?" + v.Encode()
}

// newTimelineChart lays out the filled points. Spikes are computed over
// every point given (the window before the first drawn bucket counts).
func newTimelineChart(event string, b chorus.Bucket, pl chorus.Platform, points []chorus.Point, of int) timelineChart {
	c := timelineChart{Bucket: b, Of: of, Empty: len(points) == 0}
	if c.Empty {
		return c
	}
	sp := map[int]alert.Spike{}
	// The points may start up to alert.SpikeWindow buckets before what is drawn,
	// so that the first drawn buckets have their baseline.
	skip := max(0, len(points)-maxColumns)
	all := points
	points = points[skip:]
	for _, p := range points {
		c.Max = max(c.Max, alert.Total(p))
	}
	top := max(c.Max, 1)
	c.Shown = len(points)
	for _, s := range alert.Spikes(all) {
		sp[s.Index-skip] = s
	}
	w := min((chartW-chartLeft)/float64(len(points)), 48) // a few buckets stay bars, not blocks
	gap := min(2, w/5)
	scale := (chartBottom - chartTop) / float64(top)
	for i, p := range points {
		x := chartLeft + float64(i)*w + gap/2
		col := chartCol{X: f1(x), W: f1(w - gap), Mid: f1(x + (w-gap)/2), Label: bucketLabel(b, p.T), Point: p, Total: alert.Total(p)}
		y := chartBottom
		for _, part := range []struct {
			class string
			n     int64
		}{{"positive", p.Positive}, {"neutral", p.Neutral}, {"negative", p.Negative}, {"unscored", p.Unscored}} {
			if part.n == 0 {
				continue
			}
			h := float64(part.n) * scale
			y -= h
			col.Rects = append(col.Rects, chartRect{Class: part.class, Y: f1(y), H: f1(h)})
		}
		v := url.Values{"since": {p.T.Format(time.RFC3339)}, "until": {p.T.Add(alert.Step(b)).Format(time.RFC3339)}}
		if pl != "" {
			v.Set("platform", string(pl))
		}
		col.Href = postsHref(event, v)
		col.Title = fmt.Sprintf("%s UTC: %d posts (%d positive, %d neutral, %d negative, %d unscored)",
			col.Label, col.Total, p.Positive, p.Neutral, p.Negative, p.Unscored)
		if s, ok := sp[i]; ok {
			col.Spike, col.SpikeY, col.Baseline = true, f1(max(y-10, 2)), s.Baseline
			col.Title += fmt.Sprintf("; a spike: %.1f× the median of the %d buckets before (%.1f)", float64(s.Count)/max(s.Baseline, 1), alert.SpikeWindow, s.Baseline)
			if s.Start {
				c.Spikes = append(c.Spikes, col)
			}
		}
		c.Cols = append(c.Cols, col)
	}
	for _, f := range []float64{0, 0.5, 1} {
		n := int64(f * float64(top))
		c.Ticks = append(c.Ticks, chartTick{Y: f1(chartBottom - float64(n)*scale), Label: fmt.Sprint(n)})
	}
	for k, i := range []int{0, len(points) / 2, len(points) - 1} {
		x, anchor := chartLeft+(float64(i)+0.5)*w, []string{"start", "middle", "end"}[k]
		if len(points) == 1 {
			anchor = "middle"
		}
		if k == 0 {
			x = chartLeft + gap/2
		} else if k == 2 {
			x = chartW
		}
		c.XLabels = append(c.XLabels, chartLabel{X: f1(x), Anchor: anchor, Label: bucketLabel(b, points[i].T)})
		if len(points) == 1 {
			break
		}
	}
	return c
}

// sparkline is the small trend of an event on the events list.
type sparkline struct {
	Path  string // SVG path of the post counts
	Label string // in words
}

func newSparkline(points []chorus.Point, b chorus.Bucket) sparkline {
	if len(points) == 0 {
		return sparkline{Label: "no posts yet"}
	}
	var peak int64
	for _, p := range points {
		peak = max(peak, alert.Total(p))
	}
	const w, h = 120.0, 24.0
	dx := w / float64(max(len(points)-1, 1))
	path := ""
	for i, p := range points {
		y := h - 1 - float64(alert.Total(p))/float64(max(peak, 1))*(h-2)
		cmd := "L"
		if i == 0 {
			cmd = "M"
		}
		path += fmt.Sprintf("%s%.1f %.1f", cmd, float64(i)*dx, y)
	}
	last := points[len(points)-1]
	return sparkline{Path: path, Label: fmt.Sprintf("posts per %s over the last %d, peak %d, latest %d (%s UTC)",
		bucketName(b), len(points), peak, alert.Total(last), bucketLabel(b, last.T))}
}

func bucketName(b chorus.Bucket) string {
	switch b {
	case chorus.Minute:
		return "minute"
	case chorus.Day:
		return "day"
	}
	return "hour"
}
