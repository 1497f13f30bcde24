package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/internal/golden"
	"github.com/chorus-news/chorus/report"
)

func write(t testing.TB, s store, f report.Format) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(context.Background(), s, eventID, f, &b, report.Options{}); err != nil {
		t.Fatalf("Write %s: %v", f, err)
	}
	return b.Bytes()
}

// readCSV parses a CSV report, checking the byte order mark.
func readCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		t.Fatalf("CSV does not start with the UTF-8 byte order mark: % x", b[:min(len(b), 8)])
	}
	r := csv.NewReader(bytes.NewReader(b[3:]))
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return rows
}

func TestCSV(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		filled(t, s)
		b := write(t, s, report.CSV)
		rows := readCSV(t, b)
		posts, _ := fixture()
		if len(rows) != len(posts)+1 {
			t.Fatalf("%d rows, want a header and %d posts", len(rows), len(posts))
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		byID := map[string][]string{}
		for _, r := range rows[1:] {
			if len(r) != len(rows[0]) {
				t.Fatalf("row has %d cells, header %d", len(r), len(rows[0]))
			}
			byID[r[col["id"]]] = r
		}
		tests := []struct {
			name, id, column, want string
		}{
			{"formula text neutralised", "1818700000000000002", "text", "'" + hostile},
			{"formula handle neutralised", "1818700000000000002", "author_handle", "'=cmd|' /C calc'!A0"},
			{"plus neutralised", "1818700000000000003", "text", "'+1 to that, a selfie for peace"},
			{"at neutralised", "1818700000000000003", "author_handle", "'@mention"},
			{"minus neutralised, newline kept", "1818700000000000005", "text", "'-5 points for the photo angle\nsecond line, with \"quotes\""},
			{"chinese intact", "5063000000000001", "text", "这是真正的奥林匹克精神！韩国和朝鲜选手一起自拍 [心]"},
			{"chinese handle", "5063000000000002", "author_handle", "冷眼旁观"},
			{"negative score is a number", "1818700000000000002", "score", "-0.6200"},
			{"unscored", "1818700000000000004", "label", "unscored"},
			{"unscored has no model", "1818700000000000004", "model", ""},
			{"corrected label", "5063000000000003", "label", "positive"},
			{"corrected flag", "5063000000000003", "corrected", "true"},
			{"note", "5063000000000003", "note", "an ad, but praised: <i>positive</i>"},
			{"not corrected", "5063000000000001", "corrected", "false"},
			{"engagement", "5063000000000001", "engagement", "1081"},
			{"time", "5063000000000001", "created_at", "2024-07-31T19:50:00Z"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r, ok := byID[tc.id]
				if !ok {
					t.Fatalf("no row for post %s", tc.id)
				}
				if got := r[col[tc.column]]; got != tc.want {
					t.Errorf("%s of %s = %q, want %q", tc.column, tc.id, got, tc.want)
				}
			})
		}
		if got := rows[1][col["id"]]; got != "5063000000000004" {
			t.Errorf("first row is post %s, want the newest, 5063000000000004", got)
		}
		// One golden for both stores: the report depends on the data only.
		golden.Check(t, "testdata/report.csv", b)
		if again := write(t, s, report.CSV); !bytes.Equal(again, b) {
			t.Error("a second CSV report of the same data differs")
		}
	})
}

func TestJSON(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		filled(t, s)
		b := write(t, s, report.JSON)
		var got struct {
			Format    string         `json:"format"`
			Event     chorus.Event   `json:"event"`
			AsOf      string         `json:"as_of"`
			Summary   chorus.Summary `json:"summary"`
			Shares    map[string]float64
			Platforms map[string]struct {
				Total   int64            `json:"total"`
				ByLang  map[string]int64 `json:"by_lang"`
				ByLabel chorus.LabelCounts
				Reposts int64 `json:"reposts_folded"`
			} `json:"platforms"`
			Method struct {
				Corrected int64               `json:"corrected"`
				Models    []report.ModelCount `json:"models"`
				Window    struct {
					FirstPost string `json:"first_post"`
					LastPost  string `json:"last_post"`
				} `json:"window"`
				Dedup string `json:"deduplication"`
			} `json:"method"`
			Timeline struct {
				Bucket string         `json:"bucket"`
				Points []chorus.Point `json:"points"`
			} `json:"timeline"`
			Posts []chorus.Post `json:"posts"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("JSON does not parse: %v", err)
		}
		posts, _ := fixture()
		want, _ := s.Summary(context.Background(), eventID, "")
		checks := []struct {
			name      string
			got, want any
		}{
			{"format", got.Format, report.JSONFormat},
			{"event", got.Event.Title, "Paris 2024: the podium selfie <3"},
			{"posts", len(got.Posts), len(posts)},
			{"total", got.Summary.Total, int64(len(posts))},
			{"summary is the store's", got.Summary.ByLabel, want.ByLabel},
			{"positive after the correction", got.Summary.ByLabel.Positive, int64(5)},
			{"unscored", got.Summary.ByLabel.Unscored, int64(1)},
			{"x posts", got.Platforms["x"].Total, int64(5)},
			{"x languages", got.Platforms["x"].ByLang["ja"], int64(1)},
			{"weibo chinese", got.Platforms["weibo"].ByLang["zh"], int64(4)},
			{"corrected", got.Method.Corrected, int64(1)},
			{"reposts folded", got.Summary.Reposts, int64(3)},
			{"weibo reposts folded", got.Summary.ByPlatform["weibo"].Reposts, int64(2)},
			{"weibo reposts folded, platforms", got.Platforms["weibo"].Reposts, int64(2)},
			{"models", got.Method.Models, []report.ModelCount{{Model: "en-linear/2", Posts: 4}, {Model: "zh-linear/2", Posts: 4}}},
			{"first post", got.Method.Window.FirstPost, "2024-07-31T19:05:00Z"},
			{"last post", got.Method.Window.LastPost, "2024-07-31T21:10:00Z"},
			{"as of the newest post", got.AsOf, "2024-07-31T21:10:00Z"},
			{"minute buckets for a two-hour event", got.Timeline.Bucket, "1m"},
			{"timeline points", len(got.Timeline.Points), len(posts)},
			{"share positive of scored", got.Shares["positive"], 0.625},
			{"hostile text kept exactly", got.Posts[7].Text, hostile},
			{"newest first", got.Posts[0].ID, "5063000000000004"},
			{"sentiment kept", got.Posts[7].Sentiment.Score, -0.62},
		}
		for _, c := range checks {
			if !equal(c.got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		if !strings.Contains(got.Method.Dedup, "once") {
			t.Errorf("method note on de-duplication: %q", got.Method.Dedup)
		}
		golden.Check(t, "testdata/report.json", b)
	})
}

func equal(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestPaging checks that a report lists every post once across many pages.
func TestPaging(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		const n = 2500 // three store pages
		posts, sents := many(n)
		fill(t, s, posts, sents)
		rows := readCSV(t, write(t, s, report.CSV))
		if len(rows) != n+1 {
			t.Fatalf("%d rows, want %d posts and a header", len(rows)-1, n)
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			key := r[0] + ":" + r[1]
			if seen[key] {
				t.Fatalf("post %s listed twice", key)
			}
			seen[key] = true
			if !strings.HasPrefix(r[7], "第") {
				t.Fatalf("text %q", r[7])
			}
		}
		var js struct {
			Posts    []json.RawMessage `json:"posts"`
			Timeline struct {
				Bucket string `json:"bucket"`
			} `json:"timeline"`
		}
		if err := json.Unmarshal(write(t, s, report.JSON), &js); err != nil {
			t.Fatal(err)
		}
		if len(js.Posts) != n || js.Timeline.Bucket != "1h" {
			t.Errorf("JSON: %d posts, bucket %s; want %d, 1h (the posts span %s)", len(js.Posts), js.Timeline.Bucket, n, "4.9 hours")
		}
	})
}

func TestUnknownEvent(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		err := report.Write(context.Background(), s, "nope", report.CSV, &bytes.Buffer{}, report.Options{})
		if !errors.Is(err, chorus.ErrNotFound) {
			t.Errorf("report of an unknown event: %v, want chorus.ErrNotFound", err)
		}
	})
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in   string
		want report.Format
		ok   bool
	}{
		{"csv", report.CSV, true},
		{"CSV", report.CSV, true},
		{" json ", report.JSON, true},
		{"", "", false},
		{"docx", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := report.ParseFormat(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ParseFormat(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
			if err != nil && !errors.Is(err, chorus.ErrInvalid) {
				t.Errorf("error %v is not chorus.ErrInvalid", err)
			}
		})
	}
}

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"  =1", "'  =1"},
		{"＝1+1", "'＝1+1"},
		{"plain", "plain"},
		{"a=1", "a=1"},
		{"", ""},
		{"中文", "中文"},
		{"'quoted", "'quoted"},
	}
	for _, tc := range tests {
		if got := report.Neutralise(tc.in); got != tc.want {
			t.Errorf("Neutralise(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzCSVText checks that any post text comes back from the CSV as it went
// in, bar the apostrophe that neutralises a formula, and never starts a
// cell with a formula character.
func FuzzCSVText(f *testing.F) {
	for _, s := range []string{hostile, "这是真正的奥林匹克精神！", "-5\n\"x\"", "\t=1", "\r\n=1", "  @x", "a,b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := report.Neutralise(text)
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.Write([]string{got, "end"})
		w.Flush()
		rows, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatalf("CSV of %q does not parse: %v", text, err)
		}
		cell := rows[0][0]
		if c := strings.TrimLeft(cell, " "); c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			t.Fatalf("cell %q starts with a formula character", cell)
		}
		// encoding/csv reads a quoted \r\n as \n.
		if want := strings.ReplaceAll(got, "\r\n", "\n"); cell != want {
			t.Fatalf("text %q came back as %q, want %q", text, cell, want)
		}
		if strings.TrimPrefix(got, "'") != text && got != text {
			t.Fatalf("Neutralise(%q) = %q: more than a leading apostrophe", text, got)
		}
	})
}
