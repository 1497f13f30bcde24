package report

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"

	"github.com/chorus-news/chorus"
)

// The PDF's fonts travel in the binary, so that Chinese renders and can be
// extracted on a machine with no fonts installed: Droid Sans Fallback
// (Apache-2.0; CJK, kana, Hangul) for what the Go fonts (Latin, Greek,
// Cyrillic) do not cover. fpdf embeds only the glyphs a report uses.
//
//go:embed fonts/DroidSansFallbackFull.ttf.gz
var cjkFontGz []byte

var fonts = sync.OnceValues(func() (*fontSet, error) {
	zr, err := gzip.NewReader(bytes.NewReader(cjkFontGz))
	if err != nil {
		return nil, fmt.Errorf("CJK font: %w", err)
	}
	cjk, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("CJK font: %w", err)
	}
	fs := &fontSet{cjk: cjk}
	if fs.latin, err = sfnt.Parse(goregular.TTF); err != nil {
		return nil, fmt.Errorf("load the Go font: %w", err)
	}
	if fs.cjkFont, err = sfnt.Parse(cjk); err != nil {
		return nil, fmt.Errorf("CJK font: %w", err)
	}
	return fs, nil
})

type fontSet struct {
	cjk            []byte
	latin, cjkFont *sfnt.Font
	mu             sync.Mutex
	buf            sfnt.Buffer
	which          map[rune]byte // 'l' latin, 'c' cjk, 0 neither
}

// face says which font draws r: 'l' for the Go font, 'c' for the CJK font,
// 0 for neither.
func (fs *fontSet) face(r rune) byte {
	if r < 0x80 {
		return 'l'
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.which[r]; ok {
		return f
	}
	if fs.which == nil {
		fs.which = map[rune]byte{}
	}
	var f byte
	switch {
	case r > 0xFFFF: // fpdf maps BMP code points only
	case has(fs.latin, &fs.buf, r):
		f = 'l'
	case has(fs.cjkFont, &fs.buf, r):
		f = 'c'
	}
	fs.which[r] = f
	return f
}

func has(f *sfnt.Font, buf *sfnt.Buffer, r rune) bool {
	i, err := f.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// Page layout, in millimetres on A4.
const (
	pdfMargin  = 15.0
	pdfLine    = 5.0
	quoteRunes = 600 // a quote longer than this is cut, with …
	listRunes  = 280 // a post's text in the list of posts
	// pdfMaxPosts is how many posts the PDF lists; the CSV, JSON and XLSX
	// reports list all of them.
	pdfMaxPosts = 1000
)

var labelRGB = map[chorus.Label][3]int{
	chorus.Positive: {46, 125, 50},
	chorus.Neutral:  {117, 117, 117},
	chorus.Negative: {198, 40, 40},
	chorus.Unscored: {92, 107, 192},
}

// PDF writes the report for reading and filing: headline numbers, X and
// Weibo side by side, the timeline chart, the top quotes per label,
// languages and models, the method note and the newest posts (up to
// pdfMaxPosts). Its creation date is the newest post's, so the same data
// gives the same file.
func (rep *Report) PDF(ctx context.Context, w io.Writer) error {
	fs, err := fonts()
	if err != nil {
		return err
	}
	v, err := rep.view(ctx)
	if err != nil {
		return err
	}
	d := &pdfDoc{f: fpdf.New("P", "mm", "A4", ""), fs: fs}
	f := d.f
	stamp := v.Stats.Last
	if stamp.IsZero() {
		stamp = rep.Event.CreatedAt
	}
	if stamp.IsZero() {
		stamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	f.SetCatalogSort(true)
	f.SetCreationDate(stamp.UTC())
	f.SetModificationDate(stamp.UTC())
	f.SetTitle(rep.Event.Title, true)
	f.SetSubject("Reactions to "+rep.Event.ID, true)
	f.SetCreator("Chorus", true)
	f.SetProducer("Chorus", true)
	f.SetLang("en")
	f.AddUTF8FontFromBytes("go", "", goregular.TTF)
	f.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	f.AddUTF8FontFromBytes("cjk", "", fs.cjk)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin+5)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(-pdfMargin)
		d.font("", 8)
		f.SetTextColor(110, 110, 110)
		f.CellFormat(0, 5, fmt.Sprintf("%s · page %d of {nb}", rep.Event.ID, f.PageNo()), "", 0, "C", false, 0, "")
	})
	f.AddPage()

	d.heading(v)
	d.headline(v)
	d.platforms(v)
	d.chart(v)
	d.quotes(v)
	d.languages(v)
	d.method(v)
	if err := d.posts(ctx, v); err != nil {
		return err
	}
	if err := f.Error(); err != nil {
		return err
	}
	return f.Output(w)
}

type pdfDoc struct {
	f     *fpdf.Fpdf
	fs    *fontSet
	style string
	size  float64
}

// font sets the Go font in style ("" or "B") and size.
func (d *pdfDoc) font(style string, size float64) {
	d.style, d.size = style, size
	d.f.SetFont("go", style, size)
}

func (d *pdfDoc) color(c [3]int) { d.f.SetTextColor(c[0], c[1], c[2]) }
func (d *pdfDoc) ink()           { d.f.SetTextColor(27, 27, 27) }
func (d *pdfDoc) muted()         { d.f.SetTextColor(95, 95, 95) }

// write flows text at the current position, each run in the font that has
// its glyphs; a character neither font has prints as "?", and control
// characters other than newlines are dropped. Runs go to fpdf a word (or a
// few CJK characters) at a time so that lines wrap between words.
func (d *pdfDoc) write(h float64, s string) {
	var run strings.Builder
	face := byte('l')
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if face == 'c' {
			d.f.SetFont("cjk", "", d.size)
		} else {
			d.f.SetFont("go", d.style, d.size)
		}
		d.f.Write(h, run.String())
		run.Reset()
	}
	n := 0
	for _, r := range s {
		switch {
		case r == '\n':
		case r == '\t':
			r = ' '
		case unicode.IsControl(r) || r == utf8.RuneError || unicode.Is(unicode.Cf, r):
			continue
		}
		fc := byte('l')
		if r != '\n' {
			if fc = d.fs.face(r); fc == 0 {
				r, fc = '?', 'l'
			}
		}
		if fc != face {
			flush()
			face = fc
			n = 0
		}
		run.WriteRune(r)
		n++
		if r == ' ' || r == '\n' || fc == 'c' && n >= 24 {
			flush()
			n = 0
		}
	}
	flush()
	d.f.SetFont("go", d.style, d.size)
}

// line writes s and ends the line.
func (d *pdfDoc) line(h float64, s string) {
	d.write(h, s)
	d.f.Ln(h)
}

func (d *pdfDoc) section(title string) {
	f := d.f
	_, pageH := f.GetPageSize()
	if f.GetY() > pageH-60 {
		f.AddPage()
	}
	f.Ln(4)
	d.font("B", 13)
	d.ink()
	d.line(7, title)
	f.SetDrawColor(200, 200, 200)
	f.Line(pdfMargin, f.GetY(), 210-pdfMargin, f.GetY())
	f.Ln(2)
	d.font("", 10)
}

func (d *pdfDoc) heading(v *view) {
	d.font("B", 18)
	d.ink()
	d.line(8, v.Event.Title)
	d.font("", 9.5)
	d.muted()
	s := "Event " + v.Event.ID
	if !v.Event.Start.IsZero() || !v.Event.End.IsZero() {
		s += " · window " + when(v.Event.Start) + " – " + when(v.Event.End)
	}
	d.line(5, s)
	if q := queries(v.Event); q != "" {
		d.line(5, "Searched: "+q)
	}
	d.line(5, "Posts from "+when(v.Stats.First)+" to "+when(v.Stats.Last)+" · data as of the newest post")
	d.ink()
}

func (d *pdfDoc) headline(v *view) {
	f := d.f
	d.section("Headline")
	type box struct {
		title, big, small string
		c                 [3]int
	}
	boxes := []box{
		{"Posts", count(v.Summary.Total), fmt.Sprintf("%s scored · %s unscored", count(v.Scored), count(v.Summary.ByLabel.Unscored)), [3]int{27, 27, 27}},
		{"Net sentiment", signed(v.Summary.Net), "n = " + count(v.Scored) + " scored", [3]int{27, 27, 27}},
	}
	for _, l := range v.Labels {
		if l.Label != chorus.Unscored {
			boxes = append(boxes, box{string(l.Label), pct(l.Share), fmt.Sprintf("%s of %s scored", count(l.Posts), count(l.Of)), labelRGB[l.Label]})
		}
	}
	wBox := (210 - 2*pdfMargin - 4*3) / 5
	y := f.GetY()
	for i, b := range boxes {
		x := pdfMargin + float64(i)*(wBox+3)
		f.SetDrawColor(210, 210, 210)
		f.Rect(x, y, wBox, 20, "D")
		f.SetXY(x+2, y+1.5)
		d.font("", 8.5)
		d.color(b.c)
		f.CellFormat(wBox-4, 4.5, b.title, "", 2, "L", false, 0, "")
		f.SetX(x + 2)
		d.font("B", 15)
		f.CellFormat(wBox-4, 7.5, b.big, "", 2, "L", false, 0, "")
		f.SetX(x + 2)
		size := 7.5
		for d.font("", size); f.GetStringWidth(b.small) > wBox-4 && size > 5; size -= 0.5 {
			d.font("", size-0.5)
		}
		d.muted()
		f.CellFormat(wBox-4, 4, b.small, "", 2, "L", false, 0, "")
	}
	f.SetXY(pdfMargin, y+23)
	d.font("", 9)
	d.muted()
	d.line(4.5, fmt.Sprintf("Shares are of the %s posts a model labelled. Unscored (languages no model covers): %s, counted in the posts, not in the shares.",
		count(v.Scored), count(v.Summary.ByLabel.Unscored)))
	d.line(4.5, fmt.Sprintf("Plain reposts folded into reach, not counted as posts: %s. Labels corrected by hand: %s.", count(v.Summary.Reposts), count(v.Method.Corrected)))
	d.ink()
}

func (d *pdfDoc) platforms(v *view) {
	f := d.f
	d.section("X and Weibo")
	colW := (210 - 2*pdfMargin - 8) / 2
	y0 := f.GetY()
	yMax := y0
	for i, p := range v.Platforms {
		x := pdfMargin + float64(i)*(colW+8)
		f.SetXY(x, y0)
		d.font("B", 11)
		d.ink()
		f.CellFormat(colW, 6, p.Name, "", 2, "L", false, 0, "")
		row := func(a, b, c string, bold bool, col [3]int) {
			f.SetX(x)
			st := ""
			if bold {
				st = "B"
			}
			d.font(st, 9.5)
			d.color(col)
			f.CellFormat(colW*0.4, 5.5, a, "B", 0, "L", false, 0, "")
			d.ink()
			d.font("", 9.5)
			f.CellFormat(colW*0.25, 5.5, b, "B", 0, "R", false, 0, "")
			f.CellFormat(colW*0.35, 5.5, c, "B", 2, "R", false, 0, "")
		}
		f.SetDrawColor(215, 215, 215)
		row("Label", "Posts", "Share of scored", true, [3]int{27, 27, 27})
		for _, l := range p.Labels {
			share := "—"
			if l.Label != chorus.Unscored {
				share = fmt.Sprintf("%s (n = %s)", pct(l.Share), count(l.Of))
			}
			row(string(l.Label), count(l.Posts), share, true, labelRGB[l.Label])
		}
		row("all posts", count(p.Total), "net "+signed(p.Net), true, [3]int{27, 27, 27})
		f.SetX(x)
		d.font("", 8.5)
		d.muted()
		var langs []string
		for _, l := range p.Langs {
			langs = append(langs, l.Lang+" "+count(l.Posts))
		}
		if len(langs) == 0 {
			langs = []string{"none"}
		}
		f.SetLeftMargin(x)
		f.SetRightMargin(210 - x - colW)
		d.line(4.5, "Languages: "+strings.Join(langs, ", "))
		f.SetLeftMargin(pdfMargin)
		f.SetRightMargin(pdfMargin)
		yMax = max(yMax, f.GetY())
	}
	// Their timelines side by side, on one scale.
	var top int64
	for _, p := range v.Platforms {
		for _, pt := range p.Filled {
			top = max(top, pointTotal(pt))
		}
	}
	if top > 0 {
		const h = 30.0
		y := yMax + 4
		for i, p := range v.Platforms {
			x := pdfMargin + float64(i)*(colW+8)
			d.bars(timelineChart(v.Bucket, p.Filled, top, 480, 200), x, y, colW, h)
		}
		yMax = y + h + 6
		f.SetXY(pdfMargin, yMax)
		d.font("", 8)
		d.line(4, fmt.Sprintf("Posts per %s by label (UTC), one scale for both.", v.Bucket.Name()))
		yMax = f.GetY()
	}
	f.SetXY(pdfMargin, yMax)
	d.ink()
}

func (d *pdfDoc) chart(v *view) {
	f := d.f
	c := timelineChart(v.Bucket, v.Filled, 0, 960, 260)
	d.section("Timeline")
	if c.Empty {
		d.line(5, "No posts yet.")
		return
	}
	const h = 55.0
	_, pageH := f.GetPageSize()
	if f.GetY()+h+20 > pageH-pdfMargin {
		f.AddPage()
	}
	y0 := f.GetY() + 2
	d.bars(c, pdfMargin, y0, 210-2*pdfMargin, h)
	f.SetXY(pdfMargin, y0+h+6)
	d.font("", 7.5)
	d.muted()
	for _, l := range chorus.Labels {
		col := labelRGB[l]
		f.SetFillColor(col[0], col[1], col[2])
		f.Rect(f.GetX(), f.GetY()+1, 3, 3, "F")
		f.SetX(f.GetX() + 4)
		f.CellFormat(f.GetStringWidth(string(l))+6, 5, string(l), "", 0, "L", false, 0, "")
	}
	f.Ln(5)
	d.line(5, c.Title+".")
	d.ink()
}

// bars draws chart c in the box at (x, y), w wide and h high, its y axis
// labels in the box's first 8 mm and its x axis labels below it.
func (d *pdfDoc) bars(c chart, x, y, w, h float64) {
	f := d.f
	x0 := x + 8
	sx := (w - 8) / float64(c.PlotW)
	sy := h / float64(c.PlotH)
	f.SetDrawColor(190, 190, 190)
	f.Line(x0, y, x0, y+h)
	f.Line(x0, y+h, x+w, y+h)
	for _, b := range c.Bars {
		for _, s := range b.Segs {
			col := labelRGB[chorus.Label(s.Class)]
			f.SetFillColor(col[0], col[1], col[2])
			f.Rect(x0+(b.X-float64(c.Left))*sx, y+(s.Y-float64(c.Top))*sy, b.W*sx, s.H*sy, "F")
		}
	}
	d.font("", 7.5)
	d.muted()
	f.SetXY(x-2, y-1)
	f.CellFormat(9, 3, count(c.YMax), "", 0, "R", false, 0, "")
	f.SetXY(x-2, y+h-2)
	f.CellFormat(9, 3, "0", "", 0, "R", false, 0, "")
	for _, t := range c.Ticks {
		tx := x0 + (t.X-float64(c.Left))*sx
		tw := f.GetStringWidth(t.Label)
		switch t.Anchor {
		case "middle":
			tx -= tw / 2
		case "end":
			tx -= tw
		}
		f.SetXY(tx, y+h+1)
		f.CellFormat(tw+1, 4, t.Label, "", 0, "L", false, 0, "")
	}
}

func (d *pdfDoc) quotes(v *view) {
	f := d.f
	d.section("Top quotes")
	for _, g := range v.Quotes {
		d.font("B", 10.5)
		d.color(labelRGB[g.Label])
		d.line(6, "Most engaging "+string(g.Label)+" posts")
		if len(g.Posts) == 0 {
			d.font("", 9.5)
			d.muted()
			d.line(5, "None.")
			continue
		}
		for _, p := range g.Posts {
			_, pageH := f.GetPageSize()
			if f.GetY() > pageH-45 {
				f.AddPage()
			}
			y := f.GetY()
			f.SetLeftMargin(pdfMargin + 4)
			f.SetX(pdfMargin + 4)
			d.font("", 10)
			d.ink()
			d.line(5, cut(p.Text, quoteRunes))
			d.font("", 8)
			d.muted()
			cap := p.Author.Name
			if p.Author.Handle != "" {
				cap += " (@" + p.Author.Handle + ")"
			}
			cap += fmt.Sprintf(" · %s · %s · engagement %s", p.Platform.Name(), when(p.CreatedAt), count(p.Metrics.Engagement()))
			if p.URL != "" {
				cap += " · " + p.URL
			}
			d.line(4, cap)
			col := labelRGB[g.Label]
			f.SetFillColor(col[0], col[1], col[2])
			if f.GetY() > y { // the quote did not break across pages
				f.Rect(pdfMargin, y+0.5, 1.2, f.GetY()-y-1, "F")
			}
			f.SetLeftMargin(pdfMargin)
			f.Ln(2)
		}
	}
	d.ink()
}

func (d *pdfDoc) languages(v *view) {
	f := d.f
	d.section("Languages and models")
	d.font("B", 9.5)
	f.CellFormat(30, 5.5, "Language", "B", 0, "L", false, 0, "")
	f.CellFormat(25, 5.5, "Posts", "B", 0, "R", false, 0, "")
	for _, p := range v.Platforms {
		f.CellFormat(25, 5.5, p.Name, "B", 0, "R", false, 0, "")
	}
	f.Ln(5.5)
	d.font("", 9.5)
	for _, l := range v.Langs {
		x := f.GetX()
		d.write(5, cut(l.Lang, 12)) // a language tag is user input
		f.SetX(x + 30)
		f.CellFormat(25, 5, count(l.Posts), "", 0, "R", false, 0, "")
		for _, n := range l.ByPlatform {
			f.CellFormat(25, 5, count(n), "", 0, "R", false, 0, "")
		}
		f.Ln(5)
	}
	f.Ln(3)
	for _, m := range v.Stats.Models {
		d.line(5, fmt.Sprintf("Model %s: %s posts scored", m.Model, count(m.Posts)))
	}
	d.line(5, fmt.Sprintf("Unscored: %s · labels corrected by hand: %s · reposts folded: %s",
		count(v.Summary.ByLabel.Unscored), count(v.Method.Corrected), count(v.Summary.Reposts)))
}

func (d *pdfDoc) method(v *view) {
	d.section("Method")
	for _, m := range [][2]string{
		{"De-duplication", v.Method.Dedup}, {"Reposts", v.Method.Reposts}, {"Net sentiment", v.Method.Net},
		{"Unscored posts", v.Method.Unscored}, {"Corrections", v.Method.Correction},
	} {
		d.font("B", 9.5)
		d.write(5, m[0]+": ")
		d.font("", 9.5)
		d.line(5, m[1])
	}
}

func (d *pdfDoc) posts(ctx context.Context, v *view) error {
	f := d.f
	d.section("Posts")
	d.font("", 9)
	d.muted()
	if v.Stats.Posts > pdfMaxPosts {
		d.line(4.5, fmt.Sprintf("The newest %s of %s posts, newest first; the CSV, JSON and XLSX reports list all of them.", count(pdfMaxPosts), count(v.Stats.Posts)))
	} else {
		d.line(4.5, fmt.Sprintf("All %s posts, newest first.", count(v.Stats.Posts)))
	}
	f.Ln(1)
	n := 0
	err := v.each(ctx, func(p *chorus.Post) error {
		if n++; n > pdfMaxPosts {
			return errFull
		}
		s := sentimentOf(p)
		d.font("B", 8)
		d.color(labelRGB[s.Label])
		label := string(s.Label)
		if s.Corrected {
			label += " (corrected)"
		}
		d.write(4, label+"  ")
		d.font("", 8)
		d.muted()
		who := p.Author.Name
		if p.Author.Handle != "" {
			who += " @" + p.Author.Handle
		}
		d.line(4, fmt.Sprintf("%s · %s · %s · engagement %s", when(p.CreatedAt), p.Platform.Name(), who, count(p.Metrics.Engagement())))
		d.font("", 9)
		d.ink()
		d.line(4.5, cut(p.Text, listRunes))
		f.Ln(1.5)
		return ctx.Err()
	})
	if err != nil && err != errFull {
		return err
	}
	return nil
}

// cut shortens s to at most n runes, ending in … when cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRight(string(r[:n]), " \n") + "…"
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }
