package file

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
)

// addSeeds adds every testdata input matching pattern to the corpus.
func addSeeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no seeds match testdata/%s", p)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// checkRead reads data in format and checks what holds for any input: no
// error from Read, each record either a FieldError or a post that passes
// Validate, line numbers within the input and in order (strictly for
// line-per-record input).
//
// It then reads data again one byte per Read call, which puts a buffer
// boundary everywhere, and wants the same records.
func checkRead(t *testing.T, data []byte, format string, strict bool) {
	lines := bytes.Count(data, []byte("\n")) + 1
	last := 0
	var got []string
	err := Read(bytes.NewReader(data), format, func(r Record) error {
		got = append(got, fmt.Sprintf("%d %v %+v", r.Line, r.Err, r.Post))
		if r.Line < 1 || r.Line > lines {
			t.Fatalf("record on line %d of an input of %d lines", r.Line, lines)
		}
		if r.Line < last || strict && r.Line == last {
			t.Fatalf("record on line %d after one on line %d", r.Line, last)
		}
		last = r.Line
		if r.Err != nil {
			var fe *chorus.FieldError
			if !errors.As(r.Err, &fe) || !errors.Is(r.Err, chorus.ErrInvalid) {
				t.Fatalf("line %d: error %v (%T) is not a *chorus.FieldError", r.Line, r.Err, r.Err)
			}
			if r.Post != (chorus.Post{}) {
				t.Fatalf("line %d: error %v comes with a post %+v", r.Line, r.Err, r.Post)
			}
			return nil
		}
		p := r.Post
		if err := p.Validate(); err != nil {
			t.Fatalf("line %d: post without error fails Validate: %v", r.Line, err)
		}
		if p != r.Post {
			t.Fatalf("line %d: Validate changed a validated post:\n%+v\n%+v", r.Line, r.Post, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s) = %v, want nil for in-memory input", format, err)
	}
	var again []string
	err = Read(iotest.OneByteReader(bytes.NewReader(data)), format, func(r Record) error {
		again = append(again, fmt.Sprintf("%d %v %+v", r.Line, r.Err, r.Post))
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s) one byte at a time = %v, want nil", format, err)
	}
	if strings.Join(got, "\n") != strings.Join(again, "\n") {
		t.Fatalf("Read(%s) one byte at a time differs:\n got %q\nwant %q", format, again, got)
	}
}

func FuzzReadNDJSON(f *testing.F) {
	addSeeds(f, "*.ndjson", "*.json")
	f.Add([]byte("\xef\xbb\xbf{\"platform\":\"x\",\"id\":1,\"created_at\":\"2024-07-31T19:05:00Z\"}\r\n\r\n{"))
	f.Add([]byte("[{\"platform\":\"x\"},\n{\"id\":\"\\ud83d\\ude00\"}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte(utf8BOM)), " \t\r\n")
		array := len(trimmed) > 0 && trimmed[0] == '['
		checkRead(t, data, "ndjson", !array)
	})
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, "*.csv")
	f.Add([]byte("platform,id,created_at\nx,1,2024-07-31T19:05:00Z\n\"x\n\",\"2\",\"\"\"\"\n"))
	f.Add([]byte("id;platform;likes\r\n1;x;\"1\r\n2\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data, "csv", true)

		// Again with limits of a few bytes, so that lines are cut and long
		// quoted fields dropped: the same rules hold.
		limit := 8 + len(data)%32
		maxRun := 2*limit + len(data)%16
		lines := bytes.Count(data, []byte("\n")) + 1
		last := 0
		err := readCSVLimit(bufio.NewReaderSize(bytes.NewReader(data), 16), func(r Record) error {
			if r.Line <= last || r.Line > lines {
				t.Fatalf("limit %d: record on line %d after line %d, of %d lines", limit, r.Line, last, lines)
			}
			last = r.Line
			if r.Err != nil {
				if !errors.Is(r.Err, chorus.ErrInvalid) || r.Post != (chorus.Post{}) {
					t.Fatalf("limit %d: line %d: error %v (%T) with post %+v", limit, r.Line, r.Err, r.Err, r.Post)
				}
				return nil
			}
			if p := r.Post; p.Validate() != nil || p != r.Post {
				t.Fatalf("limit %d: line %d: post fails Validate: %+v", limit, r.Line, r.Post)
			}
			return nil
		}, limit, maxRun)
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
	})
}

// FuzzDecodePost checks the post scanner against encoding/json: it takes
// exactly the JSON that encoding/json takes, and reads the same strings.
func FuzzDecodePost(f *testing.F) {
	addSeeds(f, "*.ndjson")
	for _, s := range []string{`{"text":"\u00e9\ud83d\ude00\ud800x"}`, `{"a":[1,2.5e-3,true,false,null,{}]}`, `{"text":"a\"b","TEXT":"c"}`, `-0`, `{"id":01}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d decoder
		p, err := d.decodePost(data)
		var fe *chorus.FieldError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("decodePost(%q) error %v (%T) is not a *chorus.FieldError", data, err, err)
		}
		syntax := fe != nil && fe.Field == "json" && !strings.HasPrefix(fe.Reason, "want an object") && !strings.HasPrefix(fe.Reason, "nested deeper")
		if fe != nil && strings.HasPrefix(fe.Reason, "nested deeper") {
			return
		}
		if valid := json.Valid(data); syntax == valid {
			t.Fatalf("decodePost(%q): error %v, but json.Valid = %v", data, err, valid)
		}
		if err != nil || !utf8.Valid(data) {
			return
		}
		var std struct{ Text string }
		if err := json.Unmarshal(data, &std); err != nil {
			return // a type encoding/json rejects where decodePost is lenient
		}
		// encoding/json folds keys by Unicode rules ("ſ" matches 's',
		// the Kelvin sign 'k'); decodePost folds ASCII only.
		if p.Text != std.Text && !bytes.ContainsAny(data, "\u017f\u212a") {
			t.Fatalf("decodePost(%q).Text = %q, encoding/json reads %q", data, p.Text, std.Text)
		}
	})
}

// FuzzRoundTrip writes a valid post as a JSON line (encoding/json) and as
// a CSV row (encoding/csv) and checks that both read back as the same post.
func FuzzRoundTrip(f *testing.F) {
	f.Add("x", "1818700000000000001", "42", "someone", "Some One", "This is the true Olympic spirit!", "en", int64(1722452700), int64(123456789), "https://x.com/s/1", int64(10), int64(2), "", "x-search")
	f.Add("weibo", "5062000000000003", "", "体育迷", "", "这张合影太珍贵了,\n\"真的\" \\ \u2028 \x7f", "zh", int64(0), int64(0), "", int64(0), int64(1<<62), "17", "")
	f.Fuzz(func(t *testing.T, platform, id, authorID, handle, name, text, lang string, sec, nsec int64, url string, likes, quotes int64, quotedID, source string) {
		p := chorus.Post{
			Platform:  chorus.Platform(platform),
			ID:        id,
			Author:    chorus.Author{ID: authorID, Handle: handle, Name: name, Followers: likes / 3},
			Text:      text,
			Lang:      lang,
			CreatedAt: time.Unix(sec%(1<<35), nsec%1e9),
			URL:       url,
			Metrics:   chorus.Metrics{Likes: likes, Reposts: quotes / 2, Replies: likes % 7, Quotes: quotes},
			QuotedID:  quotedID,
			Source:    source,
		}
		if p.Validate() != nil {
			return
		}
		line, err := json.Marshal(p)
		if err != nil {
			return // a year encoding/json will not write
		}
		check := func(format string, input []byte) {
			recs := readAll(t, string(input), format)
			if len(recs) != 1 || recs[0].Err != nil {
				t.Fatalf("%s %q: records %v, want one good post", format, input, briefs(recs))
			}
			if recs[0].Post != p {
				t.Fatalf("%s %q:\n got %+v\nwant %+v", format, input, recs[0].Post, p)
			}
		}
		check("ndjson", line)

		// encoding/csv turns \r\n inside a quoted field into \n, and the
		// reader trims spaces around ids, lang and url.
		for _, s := range []string{p.Author.ID, p.Lang, p.URL, p.QuotedID} {
			if strings.TrimSpace(s) != s {
				return
			}
		}
		if strings.Contains(p.Text+p.Author.Handle+p.Author.Name+p.Source, "\r") {
			return
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write([]string{"platform", "id", "author.id", "author.handle", "author.name", "author.followers", "text", "lang", "created_at", "url", "likes", "reposts", "replies", "quotes", "quoted_id", "source"})
		_ = w.Write([]string{string(p.Platform), p.ID, p.Author.ID, p.Author.Handle, p.Author.Name, strconv.FormatInt(p.Author.Followers, 10), p.Text, p.Lang,
			p.CreatedAt.Format(time.RFC3339Nano), p.URL, strconv.FormatInt(p.Metrics.Likes, 10), strconv.FormatInt(p.Metrics.Reposts, 10),
			strconv.FormatInt(p.Metrics.Replies, 10), strconv.FormatInt(p.Metrics.Quotes, 10), p.QuotedID, p.Source})
		w.Flush()
		check("csv", b.Bytes())
	})
}

// FuzzLines checks the two line splitters that guard the record limit, at a
// small limit and a 16-byte buffer so that every path is reached: the
// ndjson lineReader and the csv lineCapper. Each input line is compared
// with the same line found by bytes.Split.
func FuzzLines(f *testing.F) {
	f.Add([]byte("short\nexactly-16-bytes\r\nthis line is well over the limit, with \"quotes\"\r\n\nlast"), uint8(16))
	f.Add([]byte("a\"b\"c\"\nxx\r\r\n\r"), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, limit8 uint8) {
		limit := int(limit8)%40 + 1
		want := bytes.Split(data, []byte("\n"))
		ended := make([]bool, len(want)) // the line had a '\n'
		for i := range want {
			ended[i] = i < len(want)-1
		}
		if len(want[len(want)-1]) == 0 {
			want, ended = want[:len(want)-1], ended[:len(ended)-1]
		}
		// content is a line without its line end; size is its length.
		content := func(i int) []byte {
			if ended[i] {
				return bytes.TrimSuffix(want[i], []byte("\r"))
			}
			return want[i]
		}

		lr := lineReader{br: bufio.NewReaderSize(bytes.NewReader(data), 16), limit: limit}
		for i := range want {
			line, size, err := lr.next()
			if err != nil {
				t.Fatalf("lineReader: line %d: %v", i+1, err)
			}
			c := content(i)
			if lr.line != i+1 || size != len(c) {
				t.Fatalf("lineReader: line %d of size %d, want line %d of size %d", lr.line, size, i+1, len(c))
			}
			if size <= limit && !bytes.Equal(line, c) || size > limit && line != nil {
				t.Fatalf("lineReader: line %d = %q (size %d, limit %d), want %q", i+1, line, size, limit, c)
			}
		}
		if _, _, err := lr.next(); err != io.EOF {
			t.Fatalf("lineReader: after %d lines: %v, want EOF", len(want), err)
		}

		lc := &lineCapper{br: bufio.NewReaderSize(bytes.NewReader(data), 16), limit: limit, maxRun: len(data) + 1, long: map[int]error{}}
		out, err := io.ReadAll(iotest.HalfReader(lc))
		if err != nil {
			t.Fatalf("lineCapper: %v", err)
		}
		got := bytes.Split(out, []byte("\n"))
		if len(got[len(got)-1]) == 0 {
			got = got[:len(got)-1]
		}
		if len(got) != len(want) {
			t.Fatalf("lineCapper: %d lines out of %d: %q", len(got), len(want), out)
		}
		for i := range want {
			c := content(i)
			err, long := lc.long[i+1]
			if long != (len(c) > limit) || long && err.Error() != tooLong(len(c)).Error() {
				t.Fatalf("lineCapper: line %d of %d bytes (limit %d): noted %v", i+1, len(c), limit, err)
			}
			if !long {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("lineCapper: line %d = %q, want it unchanged: %q", i+1, got[i], want[i])
				}
				continue
			}
			if len(got[i]) > limit+2 || !bytes.HasPrefix(want[i], bytes.TrimSuffix(got[i], []byte(`"`))) && !bytes.HasPrefix(want[i], got[i]) {
				t.Fatalf("lineCapper: line %d = %q, want a prefix of %q of at most %d bytes and a quote", i+1, got[i], want[i], limit+2)
			}
			if bytes.Count(got[i], []byte(`"`))%2 != bytes.Count(want[i], []byte(`"`))%2 {
				t.Fatalf("lineCapper: line %d = %q changed the parity of the quotes of %q", i+1, got[i], want[i])
			}
		}
	})
}
