// Package report builds an event's report — summary, timeline, every post —
// from a store, in five formats: CSV, JSON, XLSX, HTML and PDF, one file
// each. A report is a function of the stored data only: the same data gives
// the same bytes, whether `chorus report` or the export route asks (no
// wall-clock time goes in; the "as of" time is the newest post's).
//
// Posts are read page by page through the store's cursor and written as
// they come (CSV, JSON, HTML), so a large report is never held in memory
// whole; XLSX goes through excelize's stream writer, and the PDF holds only
// the summary, the chart and the top quotes.
package report

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// Reader is what a report reads of a store. Both stores satisfy it.
type Reader interface {
	Event(ctx context.Context, id string) (chorus.Event, error)
	Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error)
	Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) ([]chorus.Point, error)
	Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error)
}

// Format is a report's file format.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	JSON Format = "json"
	XLSX Format = "xlsx"
	HTML Format = "html"
	PDF  Format = "pdf"
)

// Formats lists every format this build writes.
var Formats = []Format{CSV, JSON, XLSX, HTML, PDF}

// ParseFormat accepts a format name, case-insensitively ("excel" for xlsx,
// "htm" for html). The error is a *chorus.FieldError for "format".
func ParseFormat(s string) (Format, error) {
	v := Format(strings.ToLower(strings.TrimSpace(s)))
	switch v {
	case "excel", "xls":
		v = XLSX
	case "htm":
		v = HTML
	}
	if slices.Contains(Formats, v) {
		return v, nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	want := "want " + strings.Join(names, ", ")
	if v == "" {
		return "", &chorus.FieldError{Field: "format", Reason: "missing: " + want}
	}
	return "", &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("%q: %s", clip(s), want)}
}

// ContentType is the media type a format is served as.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8"
	case JSON:
		return "application/json"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case HTML:
		return "text/html; charset=utf-8"
	case PDF:
		return "application/pdf"
	}
	return "application/octet-stream"
}

// Filename is the file name a report of event is saved under.
func Filename(event string, f Format) string { return event + "." + string(f) }

// Options shape a report.
type Options struct {
	// Bucket is the timeline's granularity; "" picks one from the span of
	// the posts: minutes up to 3 hours, hours up to 7 days, else days.
	Bucket chorus.Bucket
	// Top is how many quotes per label the HTML and PDF reports show
	// (default 5).
	Top int
}

// pageSize is how many posts a report reads per store call.
const pageSize = chorus.MaxPageSize

// Report is an event's summary, timeline and top posts, read once; its
// posts are read again, page by page, by each writer.
type Report struct {
	r       Reader
	Event   chorus.Event
	Summary chorus.Summary
	// Platforms has each platform's own summary (its languages too), in
	// chorus.Platforms order.
	Platforms []PlatformPart
	Bucket    chorus.Bucket
	Timeline  []chorus.Point
	// Top has the most engaging posts of each scored label, best first.
	Top map[chorus.Label][]chorus.Post
}

// PlatformPart is one platform's share of a report.
type PlatformPart struct {
	Platform chorus.Platform
	Summary  chorus.Summary
	Timeline []chorus.Point // in the report's bucket
}

// Stats are what only a walk over every post tells.
type Stats struct {
	Posts     int64        // rows: posts listed
	Corrected int64        // posts whose label was corrected by hand
	Models    []ModelCount // models that scored posts, most posts first
	First     time.Time    // oldest post's created_at
	Last      time.Time    // newest post's created_at
}

// ModelCount is how many posts one model scored.
type ModelCount struct {
	Model string `json:"model"`
	Posts int64  `json:"posts"`
}

// Load reads an event's summary, timeline and top posts. An unknown event
// is an error wrapping chorus.ErrNotFound; nothing is written before Load
// returns, so a caller can still answer with an error status.
func Load(ctx context.Context, r Reader, event string, opt Options) (*Report, error) {
	ev, err := r.Event(ctx, event)
	if err != nil {
		return nil, fmt.Errorf("report of %s: %w", event, err)
	}
	rep := &Report{r: r, Event: ev, Top: map[chorus.Label][]chorus.Post{}}
	if rep.Summary, err = r.Summary(ctx, event, ""); err != nil {
		return nil, fmt.Errorf("report of %s: %w", event, err)
	}
	for _, pl := range chorus.Platforms {
		s, err := r.Summary(ctx, event, pl)
		if err != nil {
			return nil, fmt.Errorf("report of %s: %w", event, err)
		}
		rep.Platforms = append(rep.Platforms, PlatformPart{Platform: pl, Summary: s})
	}
	rep.Bucket = opt.Bucket
	if rep.Bucket == "" {
		if rep.Bucket, err = pickBucket(ctx, r, event); err != nil {
			return nil, fmt.Errorf("report of %s: %w", event, err)
		}
	}
	if rep.Timeline, err = r.Timeline(ctx, event, rep.Bucket, ""); err != nil {
		return nil, fmt.Errorf("report of %s: %w", event, err)
	}
	for i, p := range rep.Platforms {
		if rep.Platforms[i].Timeline, err = r.Timeline(ctx, event, rep.Bucket, p.Platform); err != nil {
			return nil, fmt.Errorf("report of %s: %w", event, err)
		}
	}
	top := opt.Top
	if top <= 0 {
		top = 5
	}
	for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
		page, err := r.Posts(ctx, event, chorus.PostQuery{Label: l, Sort: chorus.Top, Limit: top})
		if err != nil {
			return nil, fmt.Errorf("report of %s: top %s posts: %w", event, l, err)
		}
		rep.Top[l] = page.Posts
	}
	return rep, nil
}

// pickBucket chooses the timeline's granularity from the span of the
// posts, so that a chart has tens to a few hundred bars.
func pickBucket(ctx context.Context, r Reader, event string) (chorus.Bucket, error) {
	hours, err := r.Timeline(ctx, event, chorus.Hour, "")
	if err != nil || len(hours) == 0 {
		return chorus.Hour, err
	}
	span := hours[len(hours)-1].T.Sub(hours[0].T)
	switch {
	case span < 3*time.Hour:
		return chorus.Minute, nil
	case span <= 7*24*time.Hour:
		return chorus.Hour, nil
	}
	return chorus.Day, nil
}

// Write loads event's report and writes it in format f: what both
// `chorus report` and the export route call.
func Write(ctx context.Context, r Reader, event string, f Format, w io.Writer, opt Options) error {
	rep, err := Load(ctx, r, event, opt)
	if err != nil {
		return err
	}
	return rep.Write(ctx, f, w)
}

// Write writes the report in format f.
func (rep *Report) Write(ctx context.Context, f Format, w io.Writer) error {
	var err error
	switch f {
	case CSV:
		err = rep.CSV(ctx, w)
	case JSON:
		err = rep.JSON(ctx, w)
	case XLSX:
		err = rep.XLSX(ctx, w)
	case HTML:
		err = rep.HTML(ctx, w)
	case PDF:
		err = rep.PDF(ctx, w)
	default:
		_, err = ParseFormat(string(f))
	}
	if err != nil {
		return fmt.Errorf("%s report of %s: %w", f, rep.Event.ID, err)
	}
	return nil
}

// each calls fn with every post of the event, newest first (ties by
// platform, then id, descending, as strings). It pages through each platform × label
// listing of the store and merges them: a listing of one index is a plain
// range read in both stores, where the unfiltered listing makes Redis
// merge and sort eight indexes for every page.
func (rep *Report) each(ctx context.Context, fn func(p *chorus.Post) error) error {
	var streams []*stream
	for _, pl := range chorus.Platforms {
		for _, l := range chorus.Labels {
			streams = append(streams, &stream{q: chorus.PostQuery{Platform: pl, Label: l, Sort: chorus.Recent, Limit: pageSize}})
		}
	}
	for {
		var best *stream
		for _, s := range streams {
			if err := s.fill(ctx, rep.r, rep.Event.ID); err != nil {
				return err
			}
			if len(s.buf) > 0 && (best == nil || newer(&s.buf[0], &best.buf[0])) {
				best = s
			}
		}
		if best == nil {
			return nil
		}
		if err := fn(&best.buf[0]); err != nil {
			return err
		}
		best.buf = best.buf[1:]
	}
}

// stream is one listing being paged through.
type stream struct {
	q    chorus.PostQuery
	buf  []chorus.Post
	done bool
}

// fill reads the stream's next page when its buffer is empty.
func (s *stream) fill(ctx context.Context, r Reader, event string) error {
	for len(s.buf) == 0 && !s.done {
		page, err := r.Posts(ctx, event, s.q)
		if err != nil {
			return fmt.Errorf("posts: %w", err)
		}
		s.buf = page.Posts
		if page.NextCursor == "" || len(page.Posts) == 0 {
			s.done = true
		}
		s.q.Cursor = page.NextCursor
	}
	return nil
}

// newer orders posts newest first, then by platform and id, descending.
func newer(a, b *chorus.Post) bool {
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c > 0
	}
	if a.Platform != b.Platform {
		return a.Platform > b.Platform
	}
	return a.ID > b.ID // as the stores order ties inside one listing
}

// Stats walks every post once and counts what the tallies do not keep:
// corrections and the models that scored the posts.
func (rep *Report) Stats(ctx context.Context) (Stats, error) {
	var st Stats
	byModel := map[string]int64{}
	err := rep.each(ctx, func(p *chorus.Post) error {
		st.Posts++
		if st.Last.IsZero() || p.CreatedAt.After(st.Last) {
			st.Last = p.CreatedAt
		}
		if st.First.IsZero() || p.CreatedAt.Before(st.First) {
			st.First = p.CreatedAt
		}
		s := p.Sentiment
		if s != nil && s.Label != chorus.Unscored && s.Model != "" {
			byModel[s.Model]++
		}
		if s != nil && s.Corrected {
			st.Corrected++
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	for m, n := range byModel {
		st.Models = append(st.Models, ModelCount{Model: m, Posts: n})
	}
	slices.SortFunc(st.Models, func(a, b ModelCount) int {
		if c := cmp.Compare(b.Posts, a.Posts); c != 0 {
			return c
		}
		return strings.Compare(a.Model, b.Model)
	})
	return st, nil
}

// Method is the note on how the numbers were made: what a reader needs to
// quote them fairly.
type Method struct {
	Window     Window       `json:"window"`
	Dedup      string       `json:"deduplication"`
	Reposts    string       `json:"reposts"`
	Net        string       `json:"net"`
	Unscored   string       `json:"unscored"`
	Models     []ModelCount `json:"models"`
	Corrected  int64        `json:"corrected"`
	Correction string       `json:"corrections"`
	Order      string       `json:"order"`
}

// Window is the event's time window and the span its posts cover.
type Window struct {
	Start     time.Time `json:"start,omitzero"`
	End       time.Time `json:"end,omitzero"`
	FirstPost time.Time `json:"first_post,omitzero"`
	LastPost  time.Time `json:"last_post,omitzero"`
}

// Method states the report's rules with the counts that go with them.
func (rep *Report) Method(st Stats) Method {
	models := st.Models
	if models == nil {
		models = []ModelCount{}
	}
	return Method{
		Window: Window{Start: rep.Event.Start, End: rep.Event.End, FirstPost: st.First, LastPost: st.Last},
		Dedup: "Each post counts once per (event, platform, post id), however many times and by whichever path " +
			"(import, collector, HTTP) it arrived.",
		Reposts: "A plain repost or retweet (no words of the reposter's own) is not a post of its own: it is counted " +
			"once as a folded repost and neither scored nor listed. Quotes, replies and reposts with a comment are posts.",
		Net: "Net sentiment is (positive − negative) / (positive + neutral + negative), from −1 to 1; unscored posts do not move it.",
		Unscored: "Posts in a language no model covers are kept, counted under their language and labelled unscored, " +
			"never guessed.",
		Models:     models,
		Corrected:  st.Corrected,
		Correction: "A corrected post carries the label a desk editor gave it; every tally counts it under that label.",
		Order:      "Posts are listed newest first.",
	}
}

// AsOf is the time a report's data reaches: its newest post, not the clock,
// so that the same data gives the same report.
func (rep *Report) AsOf(st Stats) time.Time { return st.Last }

// Share is part of whole, 0 when whole is 0.
func Share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// scoredOf is how many posts of a summary a model labelled.
func scoredOf(c chorus.LabelCounts) int64 { return c.Positive + c.Neutral + c.Negative }

// langs lists a summary's languages, most posts first (ties by name).
func langs(m map[string]int64) []LangCount {
	out := make([]LangCount, 0, len(m))
	for l, n := range m {
		out = append(out, LangCount{Lang: l, Posts: n})
	}
	slices.SortFunc(out, func(a, b LangCount) int {
		if c := cmp.Compare(b.Posts, a.Posts); c != 0 {
			return c
		}
		return strings.Compare(a.Lang, b.Lang)
	})
	return out
}

// LangCount is how many posts are in one language.
type LangCount struct {
	Lang  string
	Posts int64
}

// clip shortens a value quoted in an error message.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// utc formats a time for a reader: RFC 3339 in UTC, "" when zero.
func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
