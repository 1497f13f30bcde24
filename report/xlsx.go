package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-news/chorus"
)

// Sheet names of the XLSX report.
const (
	sheetSummary  = "Summary"
	sheetTimeline = "Timeline"
	sheetPosts    = "Posts"
)

// maxSheetRows is Excel's row limit: the Posts sheet lists at most this
// many posts under its header, and says so when there are more.
const maxSheetRows = 1_048_576

// XLSX writes a workbook with three sheets: Summary (headline numbers,
// platforms side by side, languages, models, corrections, the method
// note), Timeline (counts per bucket and a stacked column chart) and Posts
// (one row per post, a frozen header with filters). Every cell is a value —
// strings are typed strings, never formulas — and the document dates are
// the newest post's, so the same data gives the same file.
func (rep *Report) XLSX(ctx context.Context, w io.Writer) error {
	v, err := rep.view(ctx)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &xlsx{f: f}
	if err := x.styles(); err != nil {
		return err
	}
	stamp := v.AsOf(v.Stats)
	if stamp.IsZero() {
		stamp = rep.Event.CreatedAt
	}
	props := &excelize.DocProperties{
		Creator: "Chorus", LastModifiedBy: "Chorus", Title: rep.Event.Title, Subject: "Reactions to " + rep.Event.ID,
		Created: stamp.UTC().Format(time.RFC3339), Modified: stamp.UTC().Format(time.RFC3339),
	}
	if stamp.IsZero() {
		props.Created, props.Modified = "", ""
	}
	if err := f.SetDocProps(props); err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", sheetSummary); err != nil {
		return err
	}
	if err := x.summary(v); err != nil {
		return fmt.Errorf("summary sheet: %w", err)
	}
	if err := x.timeline(v); err != nil {
		return fmt.Errorf("timeline sheet: %w", err)
	}
	if err := x.posts(ctx, v); err != nil {
		return fmt.Errorf("posts sheet: %w", err)
	}
	f.SetActiveSheet(0)
	// excelize adds the image content types from a map, in random order:
	// sorted, the same data gives the same bytes.
	if ct := f.ContentTypes; ct != nil {
		d := ct.Defaults
		sort.SliceStable(d, func(i, j int) bool { return d[i].Extension < d[j].Extension })
	}
	_, err = f.WriteTo(w)
	return err
}

type xlsx struct {
	f                              *excelize.File
	bold, pct, date, dec, wrap, h1 int
}

func (x *xlsx) styles() error {
	var err error
	mk := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = x.f.NewStyle(s)
		return id
	}
	date := "yyyy-mm-dd hh:mm:ss"
	pct := "0.0%"
	dec := "0.0000"
	x.bold = mk(&excelize.Style{Font: &excelize.Font{Bold: true}})
	x.h1 = mk(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	x.pct = mk(&excelize.Style{CustomNumFmt: &pct})
	x.date = mk(&excelize.Style{CustomNumFmt: &date})
	x.dec = mk(&excelize.Style{CustomNumFmt: &dec})
	x.wrap = mk(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	return err
}

// rows writes consecutive rows from row 1 down, styling cells by kind.
type sheetRows struct {
	x     *xlsx
	sheet string
	row   int
	err   error
}

type styled struct {
	v     any
	style int
}

func (s *sheetRows) add(cells ...any) {
	s.row++
	if s.err != nil {
		return
	}
	for i, c := range cells {
		ref, err := excelize.CoordinatesToCellName(i+1, s.row)
		if err != nil {
			s.err = err
			return
		}
		v, style := c, 0
		if st, ok := c.(styled); ok {
			v, style = st.v, st.style
		}
		if t, ok := v.(time.Time); ok {
			if t.IsZero() {
				continue
			}
			v, style = t.UTC(), s.x.date
		}
		if str, ok := v.(string); ok {
			err = s.x.f.SetCellStr(s.sheet, ref, str)
		} else {
			err = s.x.f.SetCellValue(s.sheet, ref, v)
		}
		if err == nil && style != 0 {
			err = s.x.f.SetCellStyle(s.sheet, ref, ref, style)
		}
		if err != nil {
			s.err = err
			return
		}
	}
}

func (x *xlsx) summary(v *view) error {
	f := x.f
	s := &sheetRows{x: x, sheet: sheetSummary}
	b := func(s string) styled { return styled{s, x.bold} }
	p := func(f float64) styled { return styled{f, x.pct} }
	d := func(f float64) styled { return styled{f, x.dec} }
	s.add(styled{v.Event.Title, x.h1})
	s.add("Event", v.Event.ID)
	s.add("Window", v.Method.Window.Start, v.Method.Window.End)
	if q := queries(v.Event); q != "" {
		s.add("Searched", q)
	}
	s.add("Posts from", v.Method.Window.FirstPost, v.Method.Window.LastPost)
	s.add("As of (newest post)", v.AsOf(v.Stats))
	s.add()
	s.add(b("Posts"), v.Summary.Total)
	s.add(b("Scored"), v.Scored, "posts a model labelled; shares below are of these")
	s.add(b("Net sentiment"), d(v.Summary.Net), fmt.Sprintf("n = %d", v.Scored))
	s.add()
	s.add(b("Label"), b("Posts"), b("Share of scored"), b("n"))
	for _, l := range v.Labels {
		if l.Label == chorus.Unscored {
			s.add(string(l.Label), l.Posts, "not scored (no model for the language)")
			continue
		}
		s.add(string(l.Label), l.Posts, p(l.Share), l.Of)
	}
	s.add()
	head := []any{b("Platform"), b("Posts"), b("Scored"), b("Net")}
	for _, l := range chorus.Labels {
		head = append(head, b(string(l)))
	}
	for _, l := range chorus.Labels[:3] {
		head = append(head, b(string(l)+" share"))
	}
	s.add(head...)
	for _, pr := range v.Platforms {
		row := []any{pr.Name, pr.Total, pr.Scored, d(pr.Net)}
		for _, l := range chorus.Labels {
			row = append(row, pr.ByLabel.Get(l))
		}
		for _, l := range pr.Labels[:3] {
			row = append(row, p(l.Share))
		}
		s.add(row...)
	}
	s.add()
	head = []any{b("Language"), b("Posts")}
	for _, pr := range v.Platforms {
		head = append(head, b(pr.Name))
	}
	s.add(head...)
	for _, l := range v.Langs {
		row := []any{l.Lang, l.Posts}
		for _, n := range l.ByPlatform {
			row = append(row, n)
		}
		s.add(row...)
	}
	s.add()
	s.add(b("Model"), b("Posts scored"))
	for _, m := range v.Stats.Models {
		s.add(m.Model, m.Posts)
	}
	s.add(b("Unscored posts"), v.Summary.ByLabel.Unscored)
	s.add(b("Labels corrected by hand"), v.Method.Corrected)
	s.add(b("Reposts folded"), v.Summary.Reposts, "plain reposts, each counted once as reach, not as posts")
	if v.Stats.Posts >= maxSheetRows {
		s.add(b("Note"), fmt.Sprintf("The Posts sheet lists the newest %d of %d posts (Excel's row limit); the CSV and JSON reports list all.", maxSheetRows-1, v.Stats.Posts))
	}
	s.add()
	s.add(b("Method"))
	for _, line := range [][2]string{
		{"De-duplication", v.Method.Dedup}, {"Reposts", v.Method.Reposts}, {"Net sentiment", v.Method.Net},
		{"Unscored", v.Method.Unscored}, {"Corrections", v.Method.Correction}, {"Order", v.Method.Order},
	} {
		s.add(line[0], line[1])
	}
	if s.err != nil {
		return s.err
	}
	if err := f.SetColWidth(sheetSummary, "A", "A", 26); err != nil {
		return err
	}
	if err := f.SetColWidth(sheetSummary, "B", "C", 20); err != nil { // dates fit
		return err
	}
	return f.SetColWidth(sheetSummary, "D", "L", 14)
}

func (x *xlsx) timeline(v *view) error {
	f := x.f
	if _, err := f.NewSheet(sheetTimeline); err != nil {
		return err
	}
	s := &sheetRows{x: x, sheet: sheetTimeline}
	b := func(s string) styled { return styled{s, x.bold} }
	// Column G labels the chart's bars: as text, so that spreadsheets draw
	// a bar per bucket instead of folding date categories into days.
	s.add(b("bucket start (UTC)"), b("positive"), b("neutral"), b("negative"), b("unscored"), b("total"), b("bucket"))
	for _, p := range v.Filled {
		s.add(p.T, p.Positive, p.Neutral, p.Negative, p.Unscored, pointTotal(p), bucketLabel(v.Bucket, p))
	}
	if s.err != nil {
		return s.err
	}
	if err := f.SetColWidth(sheetTimeline, "A", "A", 20); err != nil {
		return err
	}
	if err := f.SetColWidth(sheetTimeline, "G", "G", 17); err != nil {
		return err
	}
	if err := f.SetPanes(sheetTimeline, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	n := len(v.Filled)
	if n == 0 {
		return nil
	}
	colors := map[string]string{"B": "2E7D32", "C": "9E9E9E", "D": "C62828", "E": "5C6BC0"}
	var series []excelize.ChartSeries
	for _, col := range []string{"B", "C", "D", "E"} {
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$1", sheetTimeline, col),
			Categories: fmt.Sprintf("%s!$G$2:$G$%d", sheetTimeline, n+1),
			Values:     fmt.Sprintf("%s!$%s$2:$%s$%d", sheetTimeline, col, col, n+1),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colors[col]}},
		})
	}
	return f.AddChart(sheetTimeline, "I2", &excelize.Chart{
		Type:      excelize.ColStacked,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: fmt.Sprintf("Posts per %s by label (UTC)", v.Bucket.Name())}}},
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 900, Height: 420},
	})
}

func (x *xlsx) posts(ctx context.Context, v *view) error {
	f := x.f
	if _, err := f.NewSheet(sheetPosts); err != nil {
		return err
	}
	rows := min(v.Stats.Posts, maxSheetRows-1) + 1
	last, err := excelize.CoordinatesToCellName(len(postHeader), int(rows))
	if err != nil {
		return err
	}
	// Set on the sheet before it is streamed: the stream writer keeps it.
	if err := f.AutoFilter(sheetPosts, "A1:"+last, nil); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheetPosts)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	widths := map[string]float64{"id": 20, "created_at": 19, "author_handle": 16, "author_name": 18, "text": 60, "model": 13, "note": 24, "url": 40}
	for i, h := range postHeader {
		if w, ok := widths[h]; ok {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return err
			}
		}
	}
	head := make([]any, len(postHeader))
	for i, h := range postHeader {
		head[i] = excelize.Cell{StyleID: x.bold, Value: h}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	row := 1
	cells := make([]any, len(postHeader))
	err = v.each(ctx, func(p *chorus.Post) error {
		if row >= maxSheetRows {
			return errFull
		}
		row++
		xlsxRow(cells, p, x)
		ref, err := excelize.CoordinatesToCellName(1, row)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, cells)
	})
	if err != nil && err != errFull {
		return err
	}
	return sw.Flush()
}

var errFull = errors.New("sheet full")

// xlsxRow fills cells with p's values in postHeader order: strings as
// strings, numbers as numbers, the time as a date.
func xlsxRow(cells []any, p *chorus.Post, x *xlsx) {
	s := sentimentOf(p)
	copy(cells, []any{
		string(p.Platform), p.ID, excelize.Cell{StyleID: x.date, Value: p.CreatedAt.UTC()},
		p.Author.ID, p.Author.Handle, p.Author.Name, p.Author.Followers,
		p.Text, p.Lang, string(s.Label), excelize.Cell{StyleID: x.dec, Value: s.Score}, excelize.Cell{StyleID: x.dec, Value: s.Confidence}, s.Model,
		s.Corrected, s.Note,
		p.Metrics.Likes, p.Metrics.Reposts, p.Metrics.Replies, p.Metrics.Quotes, p.Metrics.Engagement(),
		p.URL, p.QuotedID, p.Source,
	})
}
