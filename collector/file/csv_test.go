package file

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

func TestReadCSV(t *testing.T) {
	const head = "platform,id,text,created_at\n"
	tests := []struct {
		name, input string
		want        []string
	}{
		{"one row", head + "x,1,hello,2024-07-31T19:05:00Z\n", []string{"2 ok x:1"}},
		{"header only", head, nil},
		{"empty", "", nil},
		{"no final newline", head + "x,1,hello,2024-07-31T19:05:00Z", []string{"2 ok x:1"}},
		{"bom and crlf", "\xef\xbb\xbf" + strings.ReplaceAll(head, "\n", "\r\n") + "x,1,hi,2024-07-31T19:05:00Z\r\nweibo,2,hi,2024-07-31 20:00:00\r\n",
			[]string{"2 ok x:1", "3 ok weibo:2"}},
		{"empty lines skipped but counted", "\n" + head + "\n\nx,1,hi,2024-07-31T19:05:00Z\n\n", []string{"5 ok x:1"}},
		{"quoted newlines and commas", head + "x,1,\"one,\ntwo\r\nthree \"\"q\"\"\",2024-07-31T19:05:00Z\nx,2,hi,2024-07-31T19:05:00Z\n",
			[]string{"2 ok x:1", "5 ok x:2"}},
		{"wrong field count", head + "x,1,hi\nx,2,hi,2024-07-31T19:05:00Z,extra\nx,3,hi,2024-07-31T19:05:00Z\n",
			[]string{"2 record: 3 fields, the header has 4", "3 record: 5 fields, the header has 4", "4 ok x:3"}},
		{"bare quote", head + "x,1,say \"hi\",2024-07-31T19:05:00Z\nx,2,hi,2024-07-31T19:05:00Z\n",
			[]string{`2 csv: bare " in non-quoted-field`, "3 ok x:2"}},
		{"quote not closed", head + "x,1,\"hi,2024-07-31T19:05:00Z\nx,2,hi,2024-07-31T19:05:00Z\n",
			[]string{`2 csv: extraneous or missing " in quoted-field`}},
		{"unknown platform", head + "myspace,1,hi,2024-07-31T19:05:00Z\n", []string{`2 platform: unknown platform "myspace" (want x or weibo)`}},
		{"missing id", head + "x,,hi,2024-07-31T19:05:00Z\n", []string{"2 id: missing"}},
		{"bad created_at", head + "x,1,hi,yesterday\n", []string{`2 created_at: not RFC 3339: "yesterday"`}},
		{"unix created_at", head + "x,1,hi,1722452700\n", []string{"2 ok x:1"}},
		{"invalid utf-8", head + "x,1,caf\xe9,2024-07-31T19:05:00Z\n", []string{"2 text: not valid UTF-8"}},
		{"tab after id", head + "weibo,5062000000000003\t,hi,2024-07-31T19:05:00Z\n", []string{"2 ok weibo:5062000000000003"}},
		{"missing platform column", "id,text,created_at\n1,hi,2024-07-31T19:05:00Z\n2,hi,2024-07-31T19:05:00Z\n",
			[]string{"2 platform: missing: the header has no platform column", "3 platform: missing: the header has no platform column"}},
		{"missing id column", "platform,text,created_at\nx,hi,2024-07-31T19:05:00Z\n", []string{"2 id: missing: the header has no id column"}},
		{"missing created_at column", "platform,id\nx,1\n", []string{"2 created_at: missing: the header has no created_at column"}},
		{"whitespace-only line", head + "   \nx,1,hi,2024-07-31T19:05:00Z\n", []string{"3 ok x:1"}},
		{"bad metric", "platform,id,created_at,likes\nx,1,2024-07-31T19:05:00Z,lots\n", []string{`2 metrics.likes: not a number: "lots"`}},
		{"negative followers", "platform,id,created_at,author_followers\nx,1,2024-07-31T19:05:00Z,-3\n", []string{"2 author.followers: negative: -3"}},
		{"semicolons", "platform;id;text;created_at\nx;1;a,b;2024-07-31T19:05:00Z\n", []string{"2 ok x:1"}},
		{"header repeated by cat", head + "x,1,hi,2024-07-31T19:05:00Z\n\xef\xbb\xbfPlatform,ID,Text,Created_At\nx,2,hi,2024-07-31T19:05:00Z\n", []string{"2 ok x:1", "4 ok x:2"}},
		{"bad header", "platform,\"id\"x,created_at\nx,1,2024-07-31T19:05:00Z\n", []string{"1 header: csv: extraneous or missing \" in quoted-field", "2 platform: missing: the header has no platform column"}},
		{"tabs", "platform\tid\ttext\tcreated_at\nx\t1\ta,b\t2024-07-31T19:05:00Z\n", []string{"2 ok x:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkBriefs(t, readAll(t, tt.input, "csv"), tt.want)
		})
	}
}

func TestReadCSVColumns(t *testing.T) {
	want := chorus.Post{
		Platform:  chorus.Weibo,
		ID:        "5062000000000003",
		Author:    chorus.Author{ID: "7700000003", Handle: "fan", Name: "体育迷 小张", Followers: 8800},
		Text:      "这张合影太珍贵了,\n真的",
		Lang:      "zh",
		CreatedAt: time.Date(2024, 7, 31, 12, 30, 0, 0, time.UTC),
		URL:       "https://weibo.com/7700000003/OqZ2bCdEf",
		Metrics:   chorus.Metrics{Likes: 41, Reposts: 1, Replies: 6, Quotes: 2},
		QuotedID:  "5062000000000004",
		Source:    "weibo-crawler",
	}
	row := `WEIBO,5062000000000003,7700000003,fan,体育迷 小张,8800,"这张合影太珍贵了,` + "\n" + `真的",zh,2024-07-31T20:30:00+08:00,https://weibo.com/7700000003/OqZ2bCdEf,41,1,6,2.0,5062000000000004,weibo-crawler,ignored,other-event` + "\n"
	tests := []struct{ name, header string }{
		{"flat", "platform,id,author_id,author_handle,author_name,author_followers,text,lang,created_at,url,likes,reposts,replies,quotes,quoted_id,source,unknown,event"},
		{"dotted", "platform,id,author.id,author.handle,author.name,author.followers,text,lang,created_at,url,metrics.likes,metrics.reposts,metrics.replies,metrics.quotes,quoted_id,source,unknown,event"},
		{"metrics_ and upper case", " Platform ,ID,Author_ID,AUTHOR_HANDLE,author name,author-followers,Text,Lang,Created_At,URL,metrics_likes,Metrics_Reposts,metrics_replies,metrics_quotes,Quoted_ID,Source,unknown,event"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := readAll(t, tt.header+"\n"+row, "csv")
			if len(recs) != 1 || recs[0].Err != nil {
				t.Fatalf("records = %v, want one good post", briefs(recs))
			}
			if recs[0].Line != 2 {
				t.Errorf("line = %d, want 2", recs[0].Line)
			}
			if got := recs[0].Post; got != want {
				t.Errorf("post:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestReadCSVLongLine(t *testing.T) {
	const head = "platform,id,text,created_at\n"
	// encoding/csv holds up to the limit of a line, in buffers that grow by
	// doubling: a few MiB whatever the line's size.
	tests := []struct {
		name, long string
		newline    string
		size       int
	}{
		{"unquoted", "x,2,", "\n", 10 << 20},
		{"quoted, quote cut off", `x,2,"`, "\n", 10 << 20},
		{"crlf", `x,2,"`, "\r\n", 10 << 20},
		{"40 MB", `x,2,"`, "\n", 40 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The long line's text is closed after the cut so that its
			// quotes balance when it is quoted.
			closeText := ",2024-07-31T19:05:00Z"
			if strings.HasSuffix(tt.long, `"`) {
				closeText = `"` + closeText
			}
			in := longLineInput(head+"x,1,hi,2024-07-31T19:05:00Z"+tt.newline, tt.long, closeText+tt.newline+"x,3,\"a\nb\",2024-07-31T19:05:00Z"+tt.newline+"x,4,hi,2024-07-31T19:05:00Z"+tt.newline, tt.size-len(closeText))
			var recs []Record
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := Read(in, "csv", func(r Record) error { recs = append(recs, r); return nil })
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			checkBriefs(t, recs, []string{"2 ok x:1", fmt.Sprintf("3 record: %d bytes, over the 1048576 byte limit", tt.size), "4 ok x:3", "6 ok x:4"})
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("reading a %d byte line allocated %d bytes, want under 8 MiB (the line must not be held whole)", tt.size, alloc)
			}
		})
	}
}

func TestReadCSVLongRecord(t *testing.T) {
	// Many lines of one quoted field add up to more than the limit.
	line := strings.Repeat("a", 1000) + "\n"
	text := strings.Repeat(line, chorus.MaxRecordBytes/len(line)+1)
	in := "platform,id,text,created_at\nx,1,\"" + text + "\",2024-07-31T19:05:00Z\nx,2,hi,2024-07-31T19:05:00Z\n"
	recs := readAll(t, in, "csv")
	checkBriefs(t, recs, []string{"2 record: 1049070 bytes, over the 1048576 byte limit", "1051 ok x:2"})
}

func TestReadCSVLimitEdge(t *testing.T) {
	// A line of exactly the limit is parsed (here its text is too long for
	// a post); one byte more is rejected unread. A CR before the LF does
	// not count.
	const head = "platform,id,text,created_at\n"
	for _, tt := range []struct {
		size int
		want string
	}{
		{chorus.MaxRecordBytes, "2 text: "},
		{chorus.MaxRecordBytes + 1, "2 record: 1048577 bytes, over the 1048576 byte limit"},
	} {
		for _, nl := range []string{"\n", "\r\n"} {
			pre, post := "x,1,", ",2024-07-31T19:05:00Z"
			line := pre + strings.Repeat("a", tt.size-len(pre)-len(post)) + post
			recs := readAll(t, head+line+nl+"x,2,hi,2024-07-31T19:05:00Z"+nl, "csv")
			if len(recs) != 2 || !strings.HasPrefix(brief(recs[0]), tt.want) || brief(recs[1]) != "3 ok x:2" {
				t.Errorf("line of %d bytes + %q: records = %.80q, want %q then a good line 3", tt.size, nl, briefs(recs), tt.want)
			}
		}
	}
}

func TestReadCSVUnclosedQuote(t *testing.T) {
	// A quote left open makes the rest of the file one field, for the
	// parser; it is rejected without being held, and reading goes on where
	// the quotes close it.
	const head = "platform,id,text,created_at\n"
	fill := "x,5,plain line with no quotes,2024-07-31T19:05:00Z\n"
	lines := (40 << 20) / len(fill)
	tests := []struct {
		name, tail string
		want       []string
	}{
		{"closed later", "end of the quote\",2024-07-31T19:05:00Z\nx,3,hi,2024-07-31T19:05:00Z\n", []string{
			"2 ok x:1",
			fmt.Sprintf("3 record: over the 1048576 byte limit: a quoted field runs on to line %d", lines+4),
			fmt.Sprintf("%d ok x:3", lines+5),
		}},
		{"never closed", "x,3,hi,2024-07-31T19:05:00Z\n", []string{
			"2 ok x:1",
			fmt.Sprintf("3 record: over the 1048576 byte limit: a quoted field runs on to line %d", lines+4),
		}},
		{"never closed, no final newline", "x,3,hi,2024-07-31T19:05:00Z", []string{
			"2 ok x:1",
			fmt.Sprintf("3 record: over the 1048576 byte limit: a quoted field runs on to line %d", lines+4),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := io.MultiReader(
				strings.NewReader(head+"x,1,hi,2024-07-31T19:05:00Z\nx,2,\"unclosed\n"),
				&repeatReader{b: []byte(fill), n: lines},
				strings.NewReader(tt.tail),
			)
			var recs []Record
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := Read(in, "csv", func(r Record) error { recs = append(recs, r); return nil })
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			checkBriefs(t, recs, tt.want)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
				t.Errorf("reading a 40 MB quoted field allocated %d bytes, want under 24 MiB (the record must not be held whole)", alloc)
			}
		})
	}
}

func TestReadCSVDropsLongQuotedField(t *testing.T) {
	// At a limit of 30 bytes: a record that runs past 60 bytes over many
	// lines is dropped from where that is known to where its quotes close,
	// or to the end.
	in := "platform,id,created_at\nx,1,2024-07-31T19:05:00Z\n" +
		"x,2,\"aaaaaaaaa\nbbbbbbbbb\nccc\"\"cccc\ndddddddd\neeeeeeee\nffffffff\n1234567\n1234567\n1234567\n1234567\ngg\"\nx,3,2024-07-31T19:05:00Z\n" +
		"x,4,\"open\n" + strings.Repeat("hhhhhhhhh\n", 16)
	var recs []Record
	err := readCSVLimit(bufio.NewReaderSize(strings.NewReader(in), 16), func(r Record) error { recs = append(recs, r); return nil }, 30, 60)
	if err != nil {
		t.Fatal(err)
	}
	checkBriefs(t, recs, []string{
		"2 ok x:1",
		"3 record: over the 1048576 byte limit: a quoted field runs on to line 13",
		"14 ok x:3",
		"15 record: over the 1048576 byte limit: a quoted field runs on to line 31",
	})

	// Empty lines, which the parser skips between records, are no record:
	// a short quoted field after many of them is read, not dropped.
	in = "platform,id,created_at\n" + strings.Repeat("\n", 100) + strings.Repeat("\r\n", 100) + "x,5,\"2024-07-31\n\",\nx,6,2024-07-31T19:05:00Z\n"
	recs = nil
	err = readCSVLimit(bufio.NewReaderSize(strings.NewReader(in), 16), func(r Record) error { recs = append(recs, r); return nil }, 30, 60)
	if err != nil {
		t.Fatal(err)
	}
	checkBriefs(t, recs, []string{"202 record: 4 fields, the header has 3", "204 ok x:6"})
}
