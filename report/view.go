package report

import (
	"context"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// view is a report laid out for people: the numbers the XLSX Summary
// sheet, the HTML page and the PDF show, in the order they show them.
type view struct {
	*Report
	Stats     Stats
	Method    Method
	Scored    int64
	Labels    []labelRow
	Platforms []platformRow
	Langs     []langRow
	Quotes    []quoteGroup
	// Filled is the timeline with its empty buckets, for charts.
	Filled []chorus.Point
}

// labelRow is one label's count; Share is of the scored posts (unscored
// posts have none) and Of is that sample's size.
type labelRow struct {
	Label chorus.Label
	Posts int64
	Share float64
	Of    int64
}

type platformRow struct {
	Platform chorus.Platform
	Name     string
	Total    int64
	Scored   int64
	ByLabel  chorus.LabelCounts
	Net      float64
	Labels   []labelRow
	Langs    []LangCount
	// Filled is the platform's timeline over the span of the whole
	// event's, empty buckets included, for charts side by side.
	Filled []chorus.Point
}

// langRow is one language's posts, in all and per platform (in
// chorus.Platforms order).
type langRow struct {
	Lang       string
	Posts      int64
	ByPlatform []int64
}

type quoteGroup struct {
	Label chorus.Label
	Posts []chorus.Post
}

func labelRows(c chorus.LabelCounts) []labelRow {
	scored := scoredOf(c)
	var rows []labelRow
	for _, l := range chorus.Labels {
		r := labelRow{Label: l, Posts: c.Get(l)}
		if l != chorus.Unscored {
			r.Share, r.Of = Share(r.Posts, scored), scored
		}
		rows = append(rows, r)
	}
	return rows
}

// view walks the posts for the stats and lays the report out.
func (rep *Report) view(ctx context.Context) (*view, error) {
	st, err := rep.Stats(ctx)
	if err != nil {
		return nil, err
	}
	v := &view{Report: rep, Stats: st, Method: rep.Method(st), Scored: scoredOf(rep.Summary.ByLabel), Labels: labelRows(rep.Summary.ByLabel),
		Filled: filled(rep.Bucket, rep.Timeline)}
	for _, p := range rep.Platforms {
		pr := platformRow{
			Platform: p.Platform, Name: p.Platform.Name(), Total: p.Summary.Total,
			Scored: scoredOf(p.Summary.ByLabel), ByLabel: p.Summary.ByLabel, Net: p.Summary.Net,
			Labels: labelRows(p.Summary.ByLabel), Langs: langs(p.Summary.ByLang), Filled: p.Timeline,
		}
		if n := len(v.Filled); n > 0 && n <= maxFilled {
			pr.Filled = fillRange(rep.Bucket, p.Timeline, v.Filled[0].T, v.Filled[n-1].T)
		}
		v.Platforms = append(v.Platforms, pr)
	}
	for _, l := range langs(rep.Summary.ByLang) {
		row := langRow{Lang: l.Lang, Posts: l.Posts}
		for _, p := range rep.Platforms {
			row.ByPlatform = append(row.ByPlatform, p.Summary.ByLang[l.Lang])
		}
		v.Langs = append(v.Langs, row)
	}
	for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
		v.Quotes = append(v.Quotes, quoteGroup{Label: l, Posts: rep.Top[l]})
	}
	return v, nil
}

// bucketLabel formats a bucket's start for a chart axis or a table.
func bucketLabel(b chorus.Bucket, p chorus.Point) string {
	switch b {
	case chorus.Day:
		return p.T.UTC().Format("2006-01-02")
	}
	return p.T.UTC().Format("2006-01-02 15:04")
}

func pointTotal(p chorus.Point) int64 { return p.Positive + p.Neutral + p.Negative + p.Unscored }

// maxFilled bounds how many buckets a filled timeline may have.
const maxFilled = 5000

// filled is the timeline with the empty buckets between its first and
// last put back as zeros (the stores leave them out), so that a chart's
// bars stand where their times are. Past maxFilled buckets it is left as
// it is.
func filled(b chorus.Bucket, points []chorus.Point) []chorus.Point {
	if len(points) < 2 {
		return points
	}
	return fillRange(b, points, points[0].T, points[len(points)-1].T)
}

// fillRange is points over [first, last], every bucket present; points as
// they are past maxFilled buckets.
func fillRange(b chorus.Bucket, points []chorus.Point, first, last time.Time) []chorus.Point {
	next := func(t time.Time) time.Time {
		switch b {
		case chorus.Minute:
			return t.Add(time.Minute)
		case chorus.Day:
			return t.AddDate(0, 0, 1)
		}
		return t.Add(time.Hour)
	}
	n := 0
	for t := first; !t.After(last); t = next(t) {
		if n++; n > maxFilled {
			return points
		}
	}
	out := make([]chorus.Point, 0, n)
	i := 0
	for i < len(points) && points[i].T.Before(first) {
		i++
	}
	for t := first; !t.After(last); t = next(t) {
		if i < len(points) && points[i].T.Equal(t) {
			out = append(out, points[i])
			i++
			continue
		}
		out = append(out, chorus.Point{T: t})
	}
	return out
}

// queries says what the collectors searched for, "" when nothing.
func queries(ev chorus.Event) string {
	var parts []string
	if ev.QueryX != "" {
		parts = append(parts, "X “"+ev.QueryX+"”")
	}
	if ev.QueryWeibo != "" {
		parts = append(parts, "Weibo “"+ev.QueryWeibo+"”")
	}
	return strings.Join(parts, ", ")
}
