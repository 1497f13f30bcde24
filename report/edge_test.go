package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/report"
)

// TestEmptyEvent: an event with no posts yet still gives every format,
// each saying so rather than failing.
func TestEmptyEvent(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		if _, err := s.CreateEvent(context.Background(), chorus.Event{ID: eventID, Title: "nothing yet"}); err != nil {
			t.Fatal(err)
		}
		for _, f := range report.Formats {
			b := write(t, s, f)
			switch f {
			case report.CSV:
				if rows := readCSV(t, b); len(rows) != 1 {
					t.Errorf("CSV: %d rows, want the header only", len(rows))
				}
			case report.JSON:
				var v struct{ Posts []any }
				if err := json.Unmarshal(b, &v); err != nil || v.Posts == nil || len(v.Posts) != 0 {
					t.Errorf("JSON: %v, posts %v", err, v.Posts)
				}
			case report.XLSX:
				x, err := excelize.OpenReader(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := x.GetRows("Posts")
				if len(rows) != 1 {
					t.Errorf("XLSX: %d rows, want the header only", len(rows))
				}
			case report.HTML:
				if !bytes.Contains(b, []byte("No posts yet.")) {
					t.Error("HTML does not say there are no posts")
				}
			case report.PDF:
				if !strings.Contains(pdfText(t, b), "No posts yet.") {
					t.Error("PDF does not say there are no posts")
				}
			}
		}
	})
}

// TestOddText: control characters, text at the size limit, emoji,
// right-to-left script and markup in every string field survive each
// format that keeps text, and break none.
func TestOddText(t *testing.T) {
	long := strings.Repeat("很长的帖子 long post ", 4000)[:chorus.MaxTextBytes-10] // cut mid-rune on purpose below
	for !isValid(long) {
		long = long[:len(long)-1]
	}
	texts := map[string]string{
		"1": "bell \x07 nul-ish \x01 form \x0c feed and \u200b zero width",
		"2": long,
		"3": "emoji 🎉👏🏽 and 𠀀 outside the BMP",
		"4": "مرحبا بالعالم — right to left",
		"5": "</td></tr></table><img src=x onerror=alert(1)>",
		"6": "\r\n=1+1 after a newline",
	}
	var posts []chorus.Post
	sents := map[string]chorus.Sentiment{}
	i := 0
	for id, text := range texts {
		i++
		p := chorus.Post{Platform: chorus.X, ID: id, Event: eventID, Text: text, Lang: "und",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), Author: chorus.Author{Name: "<b>" + id + "</b>", Handle: "=h" + id},
			URL: "javascript:alert(" + id + ")"}
		posts = append(posts, p)
		sents[p.Key()] = chorus.Sentiment{Label: chorus.Positive, Model: "m", Score: 1}
	}
	stores(t, func(t *testing.T, s store) {
		fill(t, s, posts, sents)
		for _, f := range report.Formats {
			b := write(t, s, f)
			switch f {
			case report.CSV:
				rows := readCSV(t, b)
				if len(rows) != len(posts)+1 {
					t.Fatalf("CSV: %d rows", len(rows))
				}
				for _, r := range rows[1:] {
					if want := report.Neutralise(texts[r[1]]); r[7] != strings.ReplaceAll(want, "\r\n", "\n") {
						t.Errorf("CSV text of %s: %.60q, want %.60q", r[1], r[7], want)
					}
				}
			case report.JSON:
				var v struct{ Posts []chorus.Post }
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				for _, p := range v.Posts {
					if p.Text != texts[p.ID] {
						t.Errorf("JSON text of %s changed", p.ID)
					}
				}
			case report.XLSX:
				x, err := excelize.OpenReader(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("XLSX does not open: %v", err)
				}
				rows, _ := x.GetRows("Posts")
				if len(rows) != len(posts)+1 {
					t.Fatalf("XLSX: %d rows", len(rows))
				}
				for _, r := range rows[1:] {
					if got := r[7]; r[1] == "3" && got != texts["3"] {
						t.Errorf("XLSX lost the emoji: %q", got)
					}
					if r[1] == "2" && (len([]rune(r[7])) > 32767 || !strings.HasPrefix(long, r[7][:1000])) {
						t.Errorf("XLSX long text: %d runes, want at most Excel's 32,767, a prefix of the text", len([]rune(r[7])))
					}
				}
			case report.HTML:
				doc, err := html.Parse(bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				walk(doc, func(n *html.Node) {
					if n.Type == html.ElementNode && (n.Data == "img" || n.Data == "b") {
						t.Errorf("post text became a <%s> element", n.Data)
					}
					if href, ok := attr(n, "href"); ok && strings.HasPrefix(href, "javascript:") {
						t.Errorf("a javascript: link survived: %q", href)
					}
				})
				if !strings.Contains(text(doc), "</td></tr></table><img src=x onerror=alert(1)>") {
					t.Error("HTML lost the markup-looking text")
				}
			case report.PDF:
				got := strings.Join(strings.Fields(pdfText(t, b)), "")
				// Arabic and emoji are in neither font: "?" stands in, as README says.
				for _, want := range []string{"?????—righttoleft", "emoji??", "很长的帖子longpost", "</td></tr></table><imgsrc=xonerror=alert(1)>"} {
					if !strings.Contains(got, want) {
						t.Errorf("PDF text lacks %q", want)
					}
				}
			}
		}
	})
}

func isValid(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }
