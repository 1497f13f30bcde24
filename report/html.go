package report

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

//go:embed templates/report.html
var templates embed.FS

var page = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"count":      count,
	"pct":        func(f float64) string { return strconv.FormatFloat(100*f, 'f', 1, 64) + "%" },
	"signed":     signed,
	"when":       func(t time.Time) string { return when(t) },
	"platform":   chorus.Platform.Name,
	"eng":        func(p chorus.Post) int64 { return p.Metrics.Engagement() },
	"sent":       func(p chorus.Post) chorus.Sentiment { return sentimentOf(&p) },
	"score":      num,
	"bucket":     chorus.Bucket.Name,
	"queries":    queries,
	"plus":       func(a, b int) int { return a + b },
	"minus":      func(a, b int) int { return a - b },
	"plotBottom": func(c chart) int { return c.Top + c.PlotH },
	"plotRight":  func(c chart) int { return c.Left + c.PlotW },
}).ParseFS(templates, "templates/report.html"))

// HTML writes one standalone, printable page: headline numbers, X and
// Weibo side by side, an inline SVG timeline, top quotes per label, the
// method note and a table of every post. Everything user-supplied is
// escaped by html/template; the page loads nothing (no scripts, fonts or
// images from anywhere: a Content-Security-Policy in the page says so), and
// Chinese text is set in the reader's system fonts.
func (rep *Report) HTML(ctx context.Context, w io.Writer) error {
	v, err := rep.view(ctx)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	data := struct {
		*view
		Chart          chart
		PlatformCharts []chart
	}{view: v, Chart: timelineChart(rep.Bucket, v.Filled, 0, 960, 260)}
	data.Chart.ID = "chart-all"
	// The platforms' charts share one scale, so that their bars compare.
	var top int64
	for _, p := range v.Platforms {
		for _, pt := range p.Filled {
			top = max(top, pointTotal(pt))
		}
	}
	for _, p := range v.Platforms {
		c := timelineChart(rep.Bucket, p.Filled, top, 480, 200)
		c.ID, c.Title = "chart-"+string(p.Platform), p.Name+": "+strings.ToLower(c.Title[:1])+c.Title[1:]
		data.PlatformCharts = append(data.PlatformCharts, c)
	}
	if err := page.ExecuteTemplate(bw, "head", data); err != nil {
		return err
	}
	err = rep.each(ctx, func(p *chorus.Post) error {
		htmlRow(bw, p)
		return nil
	})
	if err != nil {
		return err
	}
	if err := page.ExecuteTemplate(bw, "foot", data); err != nil {
		return err
	}
	return bw.Flush()
}

// count writes n with thousands separators.
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// signed writes a net sentiment with its sign: +0.38, −0.12, 0.00.
func signed(f float64) string {
	s := strconv.FormatFloat(math.Abs(f), 'f', 2, 64)
	switch {
	case s == "0.00":
		return s
	case f > 0:
		return "+" + s
	}
	return "−" + s
}

// when writes a time for people, in UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// chart is a stacked bar chart of a timeline, laid out for inline SVG.
type chart struct {
	ID            string
	Width, Height int
	Left, Top     int
	PlotW, PlotH  int
	Bars          []bar
	Ticks         []tick
	YMax          int64
	Title         string
	Empty         bool
}

type bar struct {
	X, W  float64
	Segs  []seg
	Label string // for the bar's <title>
}

type seg struct {
	Y, H  float64
	Class string
}

type tick struct {
	X      float64
	Label  string
	Anchor string
}

// timelineChart lays the timeline out as stacked bars: positive at the
// bottom, then neutral, negative and unscored. The scale's top is yMax,
// or the tallest bar when yMax is 0.
func timelineChart(b chorus.Bucket, points []chorus.Point, yMax int64, width, height int) chart {
	c := chart{Width: width, Height: height, Left: 48, Top: 12, Title: fmt.Sprintf("Posts per %s by label (UTC)", b.Name()), YMax: yMax}
	c.PlotW, c.PlotH = c.Width-c.Left-12, c.Height-c.Top-40
	if len(points) == 0 {
		c.Empty = true
		return c
	}
	for _, p := range points {
		c.YMax = max(c.YMax, pointTotal(p))
	}
	if c.YMax == 0 {
		c.Empty = true
		return c
	}
	step := float64(c.PlotW) / float64(len(points))
	gap := math.Min(step*0.15, 2)
	scale := float64(c.PlotH) / float64(c.YMax)
	for i, p := range points {
		x := float64(c.Left) + float64(i)*step
		br := bar{X: round(x + gap/2), W: round(math.Max(step-gap, 0.5)),
			Label: fmt.Sprintf("%s: %d positive, %d neutral, %d negative, %d unscored", bucketLabel(b, p), p.Positive, p.Neutral, p.Negative, p.Unscored)}
		y := float64(c.Top + c.PlotH)
		for _, s := range []struct {
			n     int64
			class string
		}{{p.Positive, "positive"}, {p.Neutral, "neutral"}, {p.Negative, "negative"}, {p.Unscored, "unscored"}} {
			if s.n == 0 {
				continue
			}
			h := float64(s.n) * scale
			y -= h
			br.Segs = append(br.Segs, seg{Y: round(y), H: round(h), Class: s.class})
		}
		c.Bars = append(c.Bars, br)
	}
	// Axis labels at the first, middle and last buckets.
	idx := []int{0}
	if len(points) > 2 {
		idx = append(idx, len(points)/2)
	}
	if len(points) > 1 {
		idx = append(idx, len(points)-1)
	}
	for k, i := range idx {
		t := tick{X: round(float64(c.Left) + (float64(i)+0.5)*step), Label: bucketLabel(b, points[i]), Anchor: "middle"}
		switch {
		case k == 0:
			t.X, t.Anchor = float64(c.Left), "start"
		case k == len(idx)-1:
			t.X, t.Anchor = float64(c.Left+c.PlotW), "end"
		}
		c.Ticks = append(c.Ticks, t)
	}
	return c
}

func round(f float64) float64 { return math.Round(f*100) / 100 }

// htmlRow writes one post's row of the posts table. It is the report's
// hot loop, so it is written out by hand rather than through the template
// (three times faster); every user-supplied string still goes through
// template.HTMLEscapeString, in text or in a quoted attribute, and a link
// is made only of an http or https URL.
func htmlRow(w *bufio.Writer, p *chorus.Post) {
	esc := func(s string) { w.WriteString(template.HTMLEscapeString(s)) }
	s := sentimentOf(p)
	w.WriteString("<tr><td>")
	w.WriteString(when(p.CreatedAt))
	w.WriteString("</td><td>")
	w.WriteString(p.Platform.Name())
	w.WriteString("</td><td>")
	esc(p.Author.Name)
	if p.Author.Handle != "" {
		w.WriteString("<br>@")
		esc(p.Author.Handle)
	}
	w.WriteString(`</td><td class="text" lang="`)
	esc(p.Lang)
	w.WriteString(`">`)
	esc(p.Text)
	w.WriteString("</td><td>")
	esc(p.Lang)
	w.WriteString(`</td><td class="`)
	esc(string(s.Label))
	w.WriteString(`">`)
	esc(string(s.Label))
	if s.Corrected {
		w.WriteString(" (corrected")
		if s.Note != "" {
			w.WriteString(": ")
			esc(s.Note)
		}
		w.WriteString(")")
	}
	w.WriteString(`</td><td class="n">`)
	w.WriteString(num(s.Score))
	w.WriteString(`</td><td class="n">`)
	w.WriteString(count(p.Metrics.Engagement()))
	w.WriteString("</td><td>")
	if u := safeURL(p.URL); u != "" {
		w.WriteString(`<a href="`)
		esc(u)
		w.WriteString(`" rel="noreferrer nofollow">link</a>`)
	}
	w.WriteString("</td></tr>\n")
}

// safeURL is u when it is an absolute http or https URL, else "".
func safeURL(u string) string {
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" || (pu.Scheme != "http" && pu.Scheme != "https") {
		return ""
	}
	return u
}
