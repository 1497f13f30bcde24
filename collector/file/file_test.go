package file

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"

	"github.com/chorus-news/chorus"
)

// readAll reads input in format and returns the records.
func readAll(t *testing.T, input, format string) []Record {
	t.Helper()
	var recs []Record
	err := Read(strings.NewReader(input), format, func(r Record) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return recs
}

// brief is a record in one line: "LINE ok PLATFORM:ID" or "LINE ERR".
func brief(r Record) string {
	if r.Err != nil {
		return fmt.Sprintf("%d %v", r.Line, r.Err)
	}
	return fmt.Sprintf("%d ok %s", r.Line, r.Post.Key())
}

func briefs(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = brief(r)
	}
	return out
}

func checkBriefs(t *testing.T, got []Record, want []string) {
	t.Helper()
	g := briefs(got)
	if strings.Join(g, "\n") != strings.Join(want, "\n") {
		t.Errorf("records:\n got %q\nwant %q", g, want)
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestOpen(t *testing.T) {
	const content = `{"platform":"x","id":"1"}` + "\n"
	tests := []struct {
		name  string
		file  string // file name to create, "" for none
		data  []byte
		open  string // name passed to Open; "" means the created file
		stdin io.Reader
		want  string
		err   string
	}{
		{name: "plain file", file: "posts.ndjson", data: []byte(content), want: content},
		{name: "gzip by suffix", file: "posts.ndjson.gz", data: gzipped(t, content), want: content},
		{name: "gzip by magic", file: "posts.ndjson", data: gzipped(t, content), want: content},
		{name: "upper-case suffix", file: "POSTS.JSONL.GZ", data: gzipped(t, content), want: content},
		{name: "stdin", open: "-", stdin: strings.NewReader(content), want: content},
		{name: "gzip stdin", open: "-", stdin: bytes.NewReader(gzipped(t, content)), want: content},
		{name: "empty file", file: "empty.csv", data: nil, want: ""},
		{name: "gzip files joined with cat", file: "joined.gz", data: append(gzipped(t, content), gzipped(t, "second\n")...), want: content + "second\n"},
		{name: "gz suffix but not gzip", file: "posts.ndjson.gz", data: []byte(content), err: "gzip: invalid header"},
		{name: "missing file", open: "no-such-file.ndjson", err: "open no-such-file.ndjson: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.open
			if tt.file != "" {
				name = writeFile(t, tt.file, tt.data)
			}
			rc, err := Open(name, tt.stdin)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Open(%q) error = %v, want one containing %q", name, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", name, err)
			}
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if err := rc.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if string(got) != tt.want {
				t.Errorf("content = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOpenTruncatedGzip(t *testing.T) {
	data := gzipped(t, strings.Repeat(`{"platform":"x","id":"1"}`+"\n", 1000))
	path := writeFile(t, "cut.ndjson.gz", data[:len(data)/2])
	rc, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	err = Read(rc, "ndjson", func(Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "gzip") {
		t.Errorf("Read of a cut gzip stream: error = %v, want a gzip error", err)
	}
}

func TestReadFormat(t *testing.T) {
	tests := []struct {
		format string
		err    string // "" when the format is read
	}{
		{format: "ndjson"},
		{format: "NDJSON"},
		{format: "jsonl"},
		{format: "csv"},
		{format: "auto"},
		{format: ""},
		{format: "twarc2", err: `format: "twarc2" is not supported yet (supported: auto, ndjson, csv)`},
		{format: "weibo-crawler", err: `format: "weibo-crawler" is not supported yet`},
		{format: "xml", err: `format: unknown format "xml" (supported: auto, ndjson, csv)`},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			err := Read(strings.NewReader("platform,id\n"), tt.format, func(Record) error { return nil })
			if tt.err == "" {
				if err != nil {
					t.Errorf("Read(format %q) = %v, want nil", tt.format, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Read(format %q) = %v, want an error containing %q", tt.format, err, tt.err)
			}
			if !errors.Is(err, chorus.ErrInvalid) {
				t.Errorf("Read(format %q) error %v does not wrap chorus.ErrInvalid", tt.format, err)
			}
		})
	}
}

func TestReadStopsOnCallbackError(t *testing.T) {
	stop := errors.New("stop here")
	input := strings.Repeat(`{"platform":"x","id":"1","created_at":"2024-07-31T19:05:00Z"}`+"\n", 5)
	for _, format := range []string{"ndjson", "csv"} {
		t.Run(format, func(t *testing.T) {
			in := input
			if format == "csv" {
				in = "platform,id,created_at\n" + strings.Repeat("x,1,2024-07-31T19:05:00Z\n", 5)
			}
			calls := 0
			err := Read(strings.NewReader(in), format, func(Record) error {
				calls++
				if calls == 2 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) {
				t.Errorf("Read error = %v, want the callback's", err)
			}
			if calls != 2 {
				t.Errorf("callback ran %d times, want 2", calls)
			}
		})
	}
}

func TestReadAutoEmpty(t *testing.T) {
	for _, in := range []string{"", "\n\n  \n", "\xef\xbb\xbf"} {
		if recs := readAll(t, in, "auto"); len(recs) != 0 {
			t.Errorf("Read(%q) gave %d records, want none", in, len(recs))
		}
	}
}

func TestReadAuto(t *testing.T) {
	tests := []struct {
		name, input string
		want        []string
	}{
		{"ndjson", `{"platform":"x","id":"7","created_at":"2024-07-31T19:05:00Z"}`, []string{"1 ok x:7"}},
		{"csv", "platform,id,created_at\nweibo,8,2024-07-31T19:05:00Z\n", []string{"2 ok weibo:8"}},
		{"bom csv", "\xef\xbb\xbfid,platform,created_at\n9,x,2024-07-31T19:05:00Z\n", []string{"2 ok x:9"}},
		{"array", "\n[\n {\"platform\":\"x\",\"id\":\"10\",\"created_at\":\"2024-07-31T19:05:00Z\"}\n]\n", []string{"3 ok x:10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkBriefs(t, readAll(t, tt.input, "auto"), tt.want)
		})
	}
	err := Read(strings.NewReader(`{"data":[{"id":"1","text":"hi"}]}`), "auto", func(Record) error { return nil })
	if want := "format: the input looks like twarc2, which is not supported yet (supported: auto, ndjson, csv)"; err == nil || err.Error() != want {
		t.Errorf("Read(auto) of a twarc2 page = %v, want %q", err, want)
	}
	err = Read(strings.NewReader("hello, world\n"), "auto", func(Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "cannot tell the format") || !errors.Is(err, chorus.ErrInvalid) {
		t.Errorf("Read(auto) of prose = %v, want a sniff error wrapping ErrInvalid", err)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name, head, want, err string
	}{
		{name: "canonical post", head: `{"platform":"x","id":"1"}`, want: "ndjson"},
		{name: "leading space and BOM", head: "\xef\xbb\xbf \n{\"id\":\"1\"}", want: "ndjson"},
		{name: "post without platform", head: `{"id":"1","text":"hi"}`, want: "ndjson"},
		{name: "cut short", head: `{"id":"1","text":"hi`, want: "ndjson"},
		{name: "array", head: `[{"platform":"weibo"}]`, want: "ndjson"},
		{name: "empty array", head: `[]`, want: "ndjson"},
		{name: "csv", head: "platform,id,text,created_at\r\nx,1,hi,2024-07-31T19:05:00Z\r\n", want: "csv"},
		{name: "csv upper case dotted", head: "ID,Author.Handle,Metrics.Likes\n", want: "csv"},
		{name: "tsv", head: "platform\tid\ttext\n", want: "csv"},
		{name: "quoted csv header", head: `"platform","id","text"` + "\n", want: "csv"},
		{name: "twarc2 page", head: `{"data":[{"id":"1","text":"hi"}],"includes":{}}`, want: "twarc2"},
		{name: "twarc2 flattened", head: `{"id":"1","text":"hi","author_id":"2"}`, want: "twarc2"},
		{name: "twarc1", head: `{"created_at":"Wed Jul 31 19:05:00 +0000 2024","id":1,"id_str":"1"}`, want: "twarc2"},
		{name: "platform wins", head: `{"id":"1","author_id":"2","platform":"x"}`, want: "ndjson"},
		{name: "x page of errors only", head: `{"errors":[{"value":"1819312176691675136","detail":"Could not find tweet with ids: [1819312176691675136].","title":"Not Found Error","type":"https://api.twitter.com/2/problems/resource-not-found"}]}`, want: "twarc2"},
		{name: "x empty search page", head: `{"meta":{"result_count":0},"__twarc":{}}`, want: "twarc2"},
		{name: "x default-field post", head: `{"edit_history_tweet_ids":["1"],"id":"1","text":"hi"}`, want: "twarc2"},
		{name: "x archive", head: "window.YTD.tweets.part0 = [", want: "x-archive"},
		{name: "weibo mobile", head: `{"ok":1,"data":{"cards":[]}}`, want: "weibo-mobile"},
		{name: "weibo api", head: `{"statuses":[],"total_number":3}`, want: "weibo-api"},
		{name: "weibo crawler csv", head: "\xef\xbb\xbfid,bid,正文,头条文章url\n", want: "weibo-crawler"},
		{name: "weibo crawler json", head: `{"user":{"id":"1"},"weibo":[]}`, want: "weibo-crawler"},
		{name: "prose", head: "hello, world\n", err: `cannot tell the format of input starting "hello, world"`},
		{name: "one known column", head: "id,foo,bar\n", err: "cannot tell the format"},
		{name: "empty", head: " \n", err: "cannot tell the format of an empty input"},
		{name: "zip", head: "PK\x03\x04\x14\x00", err: "the input is a zip archive: extract the file first"},
		{name: "xz", head: "\xfd7zXZ\x00\x00", err: "the input is xz-compressed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff([]byte(tt.head))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("Sniff(%q) = %q, %v; want error containing %q", tt.head, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Sniff(%q) = %q, %v; want %q", tt.head, got, err, tt.want)
			}
		})
	}
}

func TestDecodePost(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"post", `{"platform":"weibo","id":5062000000000003,"created_at":"2024-07-31T20:30:00+08:00","event":"ignored"}`, "ok weibo:5062000000000003"},
		{"padded", " \n" + post(`"id":"1"`) + "\n ", "ok x:1"},
		{"syntax", `{"platform":"x"`, "json: unexpected end of input"},
		{"two values", post(`"id":"1"`) + post(`"id":"2"`), "json: unexpected '{' after the value at offset 61"},
		{"field", post(`"id":"1","metrics":{"likes":"-"}`), `metrics.likes: not a number: "-"`},
		{"empty", ``, "json: unexpected end of input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodePost([]byte(tt.in))
			got := "ok " + p.Key()
			if err != nil {
				got = err.Error()
				if !errors.Is(err, chorus.ErrInvalid) {
					t.Errorf("error %v does not wrap chorus.ErrInvalid", err)
				}
			}
			if got != tt.want {
				t.Errorf("DecodePost(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if p.Event != "" {
				t.Errorf("Event = %q, want it left for the caller", p.Event)
			}
		})
	}
}

func ExampleRead() {
	input := "platform,id,text,created_at\n" +
		"x,1818700000000000001,What a moment,2024-07-31T19:05:00Z\n" +
		"myspace,2,hi,2024-07-31T19:06:00Z\n" +
		"x,1818700000000000003,when?,yesterday\n"
	_ = Read(strings.NewReader(input), "auto", func(r Record) error {
		if r.Err != nil {
			fmt.Printf("posts.csv:%d: %v\n", r.Line, r.Err)
			return nil
		}
		fmt.Printf("posts.csv:%d: %s %q\n", r.Line, r.Post.Key(), r.Post.Text)
		return nil
	})
	// Output:
	// posts.csv:2: x:1818700000000000001 "What a moment"
	// posts.csv:3: platform: unknown platform "myspace" (want x or weibo)
	// posts.csv:4: created_at: not RFC 3339: "yesterday"
}

func TestReadUTF16(t *testing.T) {
	text := "platform\tid\ttext\tcreated_at\r\nweibo\t5062000000000003\t这张合影太珍贵了 😀\t2024-07-31 20:30:00\r\nmyspace\t2\thi\t2024-07-31 20:30:00\r\n"
	for _, tt := range []struct {
		name  string
		order unicode.Endianness
	}{{"little endian", unicode.LittleEndian}, {"big endian", unicode.BigEndian}} {
		t.Run(tt.name, func(t *testing.T) {
			enc := unicode.UTF16(tt.order, unicode.UseBOM).NewEncoder()
			data, err := enc.Bytes([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			recs := readAll(t, string(data), "auto")
			checkBriefs(t, recs, []string{"2 ok weibo:5062000000000003", `3 platform: unknown platform "myspace" (want x or weibo)`})
			if len(recs) > 0 && recs[0].Post.Text != "这张合影太珍贵了 😀" {
				t.Errorf("text = %q, want it decoded from UTF-16", recs[0].Post.Text)
			}
		})
	}
}
