package report

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/chorus-news/chorus"
)

// jsonHead is everything of a JSON report before its posts.
type jsonHead struct {
	Format    string                           `json:"format"`
	Event     chorus.Event                     `json:"event"`
	AsOf      time.Time                        `json:"as_of,omitzero"`
	Summary   chorus.Summary                   `json:"summary"`
	Shares    map[chorus.Label]float64         `json:"shares"` // of the scored posts
	Platforms map[chorus.Platform]platformJSON `json:"platforms"`
	Method    Method                           `json:"method"`
	Timeline  timelineJSON                     `json:"timeline"`
}

type platformJSON struct {
	Total   int64              `json:"total"`
	ByLabel chorus.LabelCounts `json:"by_label"`
	ByLang  map[string]int64   `json:"by_lang"`
	Net     float64            `json:"net"`
	Reposts int64              `json:"reposts_folded"`
	// Timeline is the platform's, in the report's bucket.
	Timeline []chorus.Point `json:"timeline"`
}

type timelineJSON struct {
	Bucket chorus.Bucket  `json:"bucket"`
	Points []chorus.Point `json:"points"`
}

// JSONFormat names the shape of a JSON report; it changes when a field
// changes meaning.
const JSONFormat = "chorus-report/1"

// JSON writes the report as one JSON object: the event, the summary (of
// all posts and of each platform, with languages), the method note, the
// timeline and every post as the API lists it (canonical post with its
// sentiment), one post a line, newest first.
func (rep *Report) JSON(ctx context.Context, w io.Writer) error {
	st, err := rep.Stats(ctx)
	if err != nil {
		return err
	}
	head := jsonHead{
		Format:    JSONFormat,
		Event:     rep.Event,
		AsOf:      rep.AsOf(st),
		Summary:   rep.Summary,
		Platforms: map[chorus.Platform]platformJSON{},
		Method:    rep.Method(st),
		Timeline:  timelineJSON{Bucket: rep.Bucket, Points: rep.Timeline},
		Shares:    map[chorus.Label]float64{},
	}
	for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
		head.Shares[l] = Share(rep.Summary.ByLabel.Get(l), scoredOf(rep.Summary.ByLabel))
	}
	for _, p := range rep.Platforms {
		head.Platforms[p.Platform] = platformJSON{Total: p.Summary.Total, ByLabel: p.Summary.ByLabel, ByLang: nonNil(p.Summary.ByLang), Net: p.Summary.Net, Reposts: p.Summary.Reposts, Timeline: nonNilPoints(p.Timeline)}
	}
	head.Timeline.Points = nonNilPoints(head.Timeline.Points)
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	// The head without its closing brace, then the posts.
	bw.Write(b[:len(b)-1])
	bw.WriteString(`,"posts":[`)
	first := true
	err = rep.each(ctx, func(p *chorus.Post) error {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteByte('\n')
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

func nonNil(m map[string]int64) map[string]int64 {
	if m == nil {
		return map[string]int64{}
	}
	return m
}

func nonNilPoints(p []chorus.Point) []chorus.Point {
	if p == nil {
		return []chorus.Point{}
	}
	return p
}
