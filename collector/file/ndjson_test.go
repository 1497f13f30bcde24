package file

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

// post is a canonical post line with the given fields spliced in after
// platform and created_at.
func post(fields string) string {
	if fields != "" {
		fields = "," + fields
	}
	return `{"platform":"x","created_at":"2024-07-31T19:05:00Z"` + fields + `}`
}

func TestReadNDJSON(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"one post", post(`"id":"1818700000000000001"`) + "\n", []string{"1 ok x:1818700000000000001"}},
		{"no final newline", post(`"id":"1"`), []string{"1 ok x:1"}},
		{"bom and crlf", "\xef\xbb\xbf" + post(`"id":"1"`) + "\r\n" + post(`"id":"2"`) + "\r\n", []string{"1 ok x:1", "2 ok x:2"}},
		{"bom on a later line", post(`"id":"1"`) + "\n\xef\xbb\xbf" + post(`"id":"2"`) + "\n", []string{"1 ok x:1", "2 ok x:2"}},
		{"blank lines skipped but counted", "\n\n" + post(`"id":"1"`) + "\n \t \r\n\n" + post(`"id":"2"`) + "\n\n", []string{"3 ok x:1", "6 ok x:2"}},
		{"numeric id beyond 2^53", post(`"id":1818700000000000001`), []string{"1 ok x:1818700000000000001"}},
		{"numeric id max uint64", post(`"id":18446744073709551615`), []string{"1 ok x:18446744073709551615"}},
		{"float id", post(`"id":1.8187e18`), []string{"1 id: not an integer: 1.8187e18 (write large ids as strings)"}},
		{"boolean id", post(`"id":true`), []string{"1 id: want a string, got true"}},
		{"object id", post(`"id":{"v":1}`), []string{"1 id: want a string, got an object"}},
		{"bad json", `{"platform":"x",`, []string{"1 json: unexpected end of input"}},
		{"bad json then good", "{\"platform\" \"x\"}\n" + post(`"id":"2"`), []string{"1 json: invalid character '\"' at offset 12", "2 ok x:2"}},
		{"single quotes", `{'platform':'x'}`, []string{`1 json: invalid character '\'' at offset 1`}},
		{"trailing data", post(`"id":"1"`) + ` x`, []string{"1 json: unexpected 'x' after the value at offset 62"}},
		{"two objects on a line", post(`"id":"1"`) + post(`"id":"2"`), []string{"1 json: unexpected '{' after the value at offset 61"}},
		{"not an object", `"x"` + "\n[1]\n7", []string{"1 json: want an object, got a string", "2 json: want an object, got an array", "3 json: want an object, got a number"}},
		{"not an object, then more", "1 2\n\"a\"b\n00", []string{"1 json: unexpected '2' after the value at offset 2", "2 json: unexpected 'b' after the value at offset 3", "3 json: unexpected '0' after the value at offset 1"}},
		{"raw control character", post(`"id":"1","text":"a` + "\x01" + `b"`), []string{"1 json: invalid character 0x01 in string at offset 70"}},
		{"unknown platform", `{"platform":"myspace","id":"1","created_at":"2024-07-31T19:05:00Z"}`, []string{`1 platform: unknown platform "myspace" (want x or weibo)`}},
		{"platform alias", `{"platform":"Twitter","id":"1","created_at":"2024-07-31T19:05:00Z"}`, []string{"1 ok x:1"}},
		{"missing platform", `{"id":"1","created_at":"2024-07-31T19:05:00Z"}`, []string{"1 platform: missing"}},
		{"missing id", post(`"text":"hi"`), []string{"1 id: missing"}},
		{"null id", post(`"id":null`), []string{"1 id: missing"}},
		{"blank id", post(`"id":"  "`), []string{"1 id: missing"}},
		{"missing created_at", `{"platform":"x","id":"1"}`, []string{"1 created_at: missing"}},
		{"bad created_at", `{"platform":"x","id":"1","created_at":"yesterday"}`, []string{`1 created_at: not RFC 3339: "yesterday"`}},
		{"created_at wrong type", `{"platform":"x","id":"1","created_at":true}`, []string{`1 created_at: want a string, got true`}},
		{"invalid utf-8 text", post(`"id":"1","text":"caf` + "\xe9" + `"`), []string{"1 text: not valid UTF-8"}},
		{"invalid utf-8 handle", post(`"id":"1","author":{"handle":"` + "\xff" + `"}`), []string{"1 author.handle: not valid UTF-8"}},
		{"invalid utf-8 in an ignored field", post(`"id":"1","extra":"` + "\xff" + `"`), []string{"1 ok x:1"}},
		{"string metrics", post(`"id":"1","metrics":{"likes":"10","reposts":" 2 ","replies":"","quotes":null},"author":{"followers":"120"}`), []string{"1 ok x:1"}},
		{"float metrics", post(`"id":"1","metrics":{"likes":10.0,"reposts":"1e3"}`), []string{"1 ok x:1"}},
		{"fractional metric", post(`"id":"1","metrics":{"likes":1.5}`), []string{"1 metrics.likes: not a whole number: 1.5"}},
		{"word metric", post(`"id":"1","metrics":{"likes":"many"}`), []string{`1 metrics.likes: not a number: "many"`}},
		{"huge metric", post(`"id":"1","metrics":{"likes":99999999999999999999}`), []string{"1 metrics.likes: out of range: 99999999999999999999"}},
		{"negative metric", post(`"id":"1","metrics":{"replies":-1}`), []string{"1 metrics.replies: negative: -1"}},
		{"metrics not an object", post(`"id":"1","metrics":[1,2]`), []string{"1 metrics: want an object, got an array"}},
		{"author not an object", post(`"id":"1","author":"bob"`), []string{"1 author: want an object, got a string"}},
		{"first type fault wins", post(`"id":true,"metrics":{"likes":"x"}`), []string{"1 id: want a string, got true"}},
		{"syntax beats type fault", post(`"id":true,"text":"x`), []string{"1 json: unexpected end of input"}},
		{"deep nesting in an ignored field", post(`"id":"1","x":` + strings.Repeat("[", 1001) + strings.Repeat("]", 1001)), []string{"1 json: nested deeper than 1000"}},
		{"repeated key, last wins", post(`"id":"1","id":null,"id":"3"`), []string{"1 ok x:3"}},
		{"repeated key, null last", post(`"id":"1","id":null`), []string{"1 id: missing"}},
		{"upper-case keys", `{"Platform":"x","ID":"5","Created_At":"2024-07-31T19:05:00Z"}`, []string{"1 ok x:5"}},
		{"unix seconds", `{"platform":"x","id":"1","created_at":1722452700}`, []string{"1 ok x:1"}},
		{"text over the limit", post(`"id":"1","text":"` + strings.Repeat("a", chorus.MaxTextBytes+1) + `"`), []string{"1 text: 65537 bytes, over the 65536 byte limit"}},
		{"id with space", post(`"id":"1 2"`), []string{`1 id: contains white space: "1 2"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkBriefs(t, readAll(t, tt.input, "ndjson"), tt.want)
		})
	}
}

func TestReadNDJSONFields(t *testing.T) {
	line := `{"platform":"X","id":1818700000000000001,"event":"other-event",` +
		`"author":{"id":42,"handle":"someone","name":"Some \"One\" \u00e9\ud83d\ude00","followers":"120","extra":[1,{"a":null}]},` +
		`"text":"This is the true Olympic spirit!\n","lang":"en","created_at":"2024-07-31T21:05:00+02:00",` +
		`"url":"https://x.com/someone/status/1818700000000000001","metrics":{"likes":10,"reposts":"2","replies":1,"quotes":0},` +
		`"quoted_id":"17","source":"x-search","sentiment":{"label":"positive","score":0.9}}`
	recs := readAll(t, line, "ndjson")
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("records = %v, want one good post", briefs(recs))
	}
	got := recs[0].Post
	want := chorus.Post{
		Platform:  chorus.X,
		ID:        "1818700000000000001",
		Author:    chorus.Author{ID: "42", Handle: "someone", Name: "Some \"One\" é😀", Followers: 120},
		Text:      "This is the true Olympic spirit!\n",
		Lang:      "en",
		CreatedAt: time.Date(2024, 7, 31, 19, 5, 0, 0, time.UTC),
		URL:       "https://x.com/someone/status/1818700000000000001",
		Metrics:   chorus.Metrics{Likes: 10, Reposts: 2, Replies: 1},
		QuotedID:  "17",
		Source:    "x-search",
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
	}
	if got != want {
		t.Errorf("post:\n got %+v\nwant %+v", got, want)
	}
}

func TestReadNDJSONEscapes(t *testing.T) {
	tests := []struct{ escaped, want string }{
		{`plain`, "plain"},
		{`a\"b\\c\/d`, `a"b\c/d`},
		{`\b\f\n\r\t`, "\b\f\n\r\t"},
		{`\u00e9\u4E2D`, "é中"},
		{`\ud83d\ude00`, "😀"},
		{`\ud83d`, "\uFFFD"},
		{`\ud83dx`, "\uFFFDx"},
		{`\ude00\ud83d`, "\uFFFD\uFFFD"},
		{`\ud83d\u0041`, "\uFFFDA"},
	}
	for _, tt := range tests {
		t.Run(tt.escaped, func(t *testing.T) {
			recs := readAll(t, post(`"id":"1","text":"`+tt.escaped+`"`), "ndjson")
			if len(recs) != 1 || recs[0].Err != nil {
				t.Fatalf("records = %v, want one good post", briefs(recs))
			}
			if got := recs[0].Post.Text; got != tt.want {
				t.Errorf("text = %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`\x`, `\u12`, `\u12g4`, `\`} {
		recs := readAll(t, post(`"id":"1","text":"`+bad+`"`), "ndjson")
		if len(recs) != 1 || recs[0].Err == nil || !strings.HasPrefix(recs[0].Err.Error(), "json: ") {
			t.Errorf("text %q: records = %v, want one json error", bad, briefs(recs))
		}
	}
}

// repeatReader yields n copies of b, then EOF, without holding them.
type repeatReader struct {
	b []byte
	n int
	i int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.b[r.i:])
	r.i += k
	if r.i == len(r.b) {
		r.i = 0
		r.n--
	}
	return k, nil
}

// longLineInput is a good line, a 10 MB line, and a good line; the long
// line is generated as it is read.
func longLineInput(before, long, after string, size int) io.Reader {
	fill := bytes.Repeat([]byte{'a'}, 4096)
	return io.MultiReader(
		strings.NewReader(before),
		strings.NewReader(long),
		io.LimitReader(&repeatReader{b: fill, n: size/len(fill) + 1}, int64(size-len(long))),
		strings.NewReader(after),
	)
}

func TestReadNDJSONLongLine(t *testing.T) {
	const size = 10 << 20
	tests := []struct {
		name     string
		newline  string
		openText string // how the long line starts
	}{
		{"lf", "\n", `{"platform":"x","id":"2","text":"`},
		{"crlf", "\r\n", `{"platform":"x","id":"2","text":"`},
		{"no json", "\n", ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := longLineInput(post(`"id":"1"`)+tt.newline, tt.openText, tt.newline+post(`"id":"3"`)+tt.newline, size)
			var recs []Record
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := Read(in, "ndjson", func(r Record) error { recs = append(recs, r); return nil })
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			checkBriefs(t, recs, []string{"1 ok x:1", "2 record: 10485760 bytes, over the 1048576 byte limit", "3 ok x:3"})
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 2<<20 {
				t.Errorf("reading a 10 MB line allocated %d bytes, want under 2 MiB (the line must not be held whole)", alloc)
			}
		})
	}
}

func TestReadNDJSONLimitEdge(t *testing.T) {
	// A line of exactly the limit is decoded (here its text is too long
	// for a post); one byte more is rejected unread.
	for _, tt := range []struct {
		size int
		want string
	}{
		{chorus.MaxRecordBytes, "1 text: "},
		{chorus.MaxRecordBytes + 1, "1 record: 1048577 bytes, over the 1048576 byte limit"},
	} {
		head := post(`"id":"1","text":"`)
		pad := tt.size - len(head) - 2
		line := head + strings.Repeat("a", pad) + `"}`
		for _, nl := range []string{"\n", "\r\n"} {
			recs := readAll(t, line+nl+post(`"id":"2"`), "ndjson")
			if len(recs) != 2 || !strings.HasPrefix(brief(recs[0]), tt.want) || brief(recs[1]) != "2 ok x:2" {
				t.Errorf("line of %d bytes + %q: records = %.80q, want %q then a good line 2", tt.size, nl, briefs(recs), tt.want)
			}
		}
		if recs := readAll(t, line, "ndjson"); len(recs) != 1 || !strings.HasPrefix(brief(recs[0]), tt.want) {
			t.Errorf("last line of %d bytes: records = %.80q, want %q", tt.size, briefs(recs), tt.want)
		}
	}
}

func TestReadNDJSONLinesIncrease(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		switch i % 4 {
		case 0:
			b.WriteString(post(`"id":"1"`) + "\n")
		case 1:
			b.WriteString("\n")
		case 2:
			b.WriteString(`{"bad` + "\r\n")
		case 3:
			b.WriteString(post(`"id":"2","text":"`+strings.Repeat("é", i*7)+`"`) + "\n")
		}
	}
	recs := readAll(t, b.String(), "ndjson")
	if len(recs) != 3750 {
		t.Errorf("got %d records, want 3750", len(recs))
	}
	for i, r := range recs {
		if want := i/3*4 + []int{1, 3, 4}[i%3]; r.Line != want {
			t.Fatalf("record %d is on line %d, want %d", i, r.Line, want)
		}
	}
}

func TestReadArray(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"pretty", "[\n  " + post(`"id":"1"`) + ",\n  {\n    \"platform\": \"weibo\",\n    \"id\": 2,\n    \"created_at\": \"2024-07-31 20:00:00\"\n  }\n]\n",
			[]string{"2 ok x:1", "3 ok weibo:2"}},
		{"one line", "[" + post(`"id":"1"`) + "," + post(`"id":"2"`) + "]", []string{"1 ok x:1", "1 ok x:2"}},
		{"empty", "[ ]", nil},
		{"bom and crlf", "\xef\xbb\xbf[\r\n" + post(`"id":"1"`) + "\r\n]\r\n", []string{"2 ok x:1"}},
		{"bad element then good", "[\n{\"platform\":\"x\",\"id\":1,],\n" + post(`"id":"2"`) + "\n]", []string{"2 json: invalid character ']' at offset 23", "3 ok x:2"}},
		{"strings hold brackets", "[\n" + post(`"id":"1","text":"],[\"}{"`) + "\n]", []string{"2 ok x:1"}},
		{"not objects", `[1, "two", null]`, []string{"1 json: want an object, got a number", "1 json: want an object, got a string", "1 json: want an object, got null"}},
		{"trailing comma", "[" + post(`"id":"1"`) + ",]", []string{"1 ok x:1", "1 json: unexpected end of input"}},
		{"not closed", "[\n" + post(`"id":"1"`) + ",\n", []string{"2 ok x:1", "3 json: unexpected end of input: the array is not closed"}},
		{"not closed after element", "[\n" + post(`"id":"1"`) + "\n", []string{"2 ok x:1", "3 json: unexpected end of input: the array is not closed"}},
		{"cut inside an element", "[\n" + `{"platform":"x"`, []string{"2 json: unexpected end of input"}},
		{"raw newlines in strings", "[\n{\"a\":\"x\ny\\\nz\"},\n" + post(`"id":"2"`) + "]", []string{"2 json: invalid character 0x0a in string at offset 7", "5 ok x:2"}},
		{"data after", "[" + post(`"id":"1"`) + "]\n\nx", []string{"1 ok x:1", "3 json: invalid character 'x' at offset 0"}},
		{"lines after", "[" + post(`"id":"1"`) + "]  " + post(`"id":"2"`) + "\n\n" + post(`"id":"3"`) + "\n[" + post(`"id":"4"`) + "]",
			[]string{"1 ok x:1", "1 ok x:2", "3 ok x:3", "4 json: want an object, got an array"}},
		{"element too long", "[\n" + post(`"id":"1","text":"`+strings.Repeat("a", chorus.MaxRecordBytes)+`"`) + ",\n" + post(`"id":"2"`) + "]",
			[]string{"2 record: 1048647 bytes, over the 1048576 byte limit", "3 ok x:2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkBriefs(t, readAll(t, tt.input, "ndjson"), tt.want)
		})
	}
}
