package report

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
)

// bom is the UTF-8 byte order mark: with it Excel reads the file as UTF-8
// and shows Chinese text, without it as the local code page.
const bom = "\ufeff"

// postHeader names the columns of a post row (CSV and the XLSX Posts
// sheet). The post fields carry the import CSV's names.
var postHeader = []string{
	"platform", "id", "created_at", "author_id", "author_handle", "author_name", "author_followers",
	"text", "lang", "label", "score", "confidence", "model", "corrected", "note",
	"likes", "reposts", "replies", "quotes", "engagement", "url", "quoted_id", "source",
}

// CSV writes one row per post, newest first, under a header row: UTF-8 with
// a byte order mark, every user-supplied cell neutralised (Neutralise).
func (rep *Report) CSV(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(bom); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(postHeader); err != nil {
		return err
	}
	row := make([]string, len(postHeader))
	err := rep.each(ctx, func(p *chorus.Post) error {
		csvRow(row, p)
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvRow fills row with p's cells in postHeader order.
func csvRow(row []string, p *chorus.Post) {
	s := sentimentOf(p)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	copy(row, []string{
		string(p.Platform), Neutralise(p.ID), utc(p.CreatedAt),
		Neutralise(p.Author.ID), Neutralise(p.Author.Handle), Neutralise(p.Author.Name), n(p.Author.Followers),
		Neutralise(p.Text), Neutralise(p.Lang), string(s.Label), num(s.Score), num(s.Confidence), Neutralise(s.Model),
		strconv.FormatBool(s.Corrected), Neutralise(s.Note),
		n(p.Metrics.Likes), n(p.Metrics.Reposts), n(p.Metrics.Replies), n(p.Metrics.Quotes), n(p.Metrics.Engagement()),
		Neutralise(p.URL), Neutralise(p.QuotedID), Neutralise(p.Source),
	})
}

// sentimentOf is p's sentiment, unscored when it has none.
func sentimentOf(p *chorus.Post) chorus.Sentiment {
	if p.Sentiment == nil {
		return chorus.Sentiment{Label: chorus.Unscored}
	}
	return *p.Sentiment
}

// num formats a score or confidence to four decimals.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	if s == "-0.0000" {
		s = "0.0000"
	}
	return s
}

// Neutralise makes a user-supplied cell safe to open in a spreadsheet
// (OWASP, CSV injection): a cell that starts with = + - @, a tab or a
// carriage return — or their full-width forms, or any of these after
// leading spaces — gets a leading apostrophe, so that Excel, LibreOffice
// and Google Sheets show it as text instead of running it as a formula.
// The numbers a report writes itself (counts, scores) are not passed
// through it.
func Neutralise(s string) string {
	t := strings.TrimLeft(s, " ")
	if t == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}
