package x

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/internal/golden"
)

// read reads a testdata file with the reader its name calls for.
func read(t *testing.T, name string) []Record {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []Record
	collect := func(r Record) error { recs = append(recs, r); return nil }
	if strings.HasSuffix(name, ".js") {
		err = ReadArchive(f, LoadArchive(filepath.Dir(filepath.Join("testdata", name))), collect)
	} else {
		err = ReadTwarc2(f, collect)
	}
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return recs
}

func TestGolden(t *testing.T) {
	for _, name := range []string{"twarc2-raw.jsonl", "twarc2-flat.jsonl", "twarc2-stream-cut.jsonl", "twarc1.jsonl", "archive/tweets.js", "archive-old/tweet.js"} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			for _, r := range read(t, name) {
				g := struct {
					Line  int          `json:"line"`
					Post  *chorus.Post `json:"post,omitempty"`
					Error string       `json:"error,omitempty"`
				}{Line: r.Line}
				if r.Err != nil {
					g.Error = r.Err.Error()
				} else {
					g.Post = &r.Post
				}
				if err := enc.Encode(g); err != nil {
					t.Fatal(err)
				}
			}
			golden.Check(t, filepath.Join("testdata", name+".golden"), out.Bytes())
		})
	}
}

func posts(t *testing.T, recs []Record) []chorus.Post {
	t.Helper()
	var ps []chorus.Post
	for _, r := range recs {
		if r.Err != nil {
			t.Errorf("line %d: %v", r.Line, r.Err)
			continue
		}
		ps = append(ps, r.Post)
	}
	return ps
}

func byID(ps []chorus.Post) map[string]chorus.Post {
	m := map[string]chorus.Post{}
	for _, p := range ps {
		m[p.ID] = p
	}
	return m
}

// The same data, raw pages or flattened by twarc2 flatten, gives the same
// posts in the same order.
func TestFlattenedEqualsRaw(t *testing.T) {
	raw, flat := posts(t, read(t, "twarc2-raw.jsonl")), posts(t, read(t, "twarc2-flat.jsonl"))
	if len(raw) != 12 {
		t.Errorf("raw pages gave %d records, want 12 (10 results, 2 retweeted originals)", len(raw))
	}
	if len(raw) != len(flat) {
		t.Fatalf("raw gave %d records, flattened %d", len(raw), len(flat))
	}
	for i := range raw {
		if raw[i] != flat[i] {
			t.Errorf("record %d differs:\n raw %+v\nflat %+v", i, raw[i], flat[i])
		}
	}
}

func TestPageMapping(t *testing.T) {
	ps := posts(t, read(t, "twarc2-raw.jsonl"))
	m := byID(ps)
	tests := []struct {
		name, id string
		check    func(p chorus.Post) string
	}{
		{"author from includes.users, metrics, url, unescaped text", "1818712345678901234", func(p chorus.Post) string {
			want := chorus.Post{Platform: chorus.X, ID: "1818712345678901234", Author: chorus.Author{ID: "91000001", Handle: "desk_reader", Name: "Desk Reader", Followers: 120},
				Text: "What a moment for table tennis 🏓 & for sport", Lang: "en", CreatedAt: time.Date(2024, 7, 31, 19, 4, 12, 0, time.UTC),
				URL: "https://x.com/desk_reader/status/1818712345678901234", Metrics: chorus.Metrics{Likes: 27, Reposts: 3, Replies: 1}, Source: SourceTwarc2}
			if p != want {
				return "got " + js(p) + "\nwant " + js(want)
			}
			return ""
		}},
		{"a retweet is a repost record of its original", "1818712000000000777", func(p chorus.Post) string {
			if p.RepostOf != "1818700000000000010" || p.Text != "" || p.Author.Handle != "lurker_77" {
				return "got " + js(p)
			}
			return ""
		}},
		{"the retweeted original, full text from includes.tweets", "1818700000000000010", func(p chorus.Post) string {
			if p.RepostOf != "" || p.Text != "Best selfie of the Games, no contest. Three flags, one phone 🤳 #Paris2024" || p.Author.Handle != "pingpongfan" || p.Author.Followers != 5021 || p.Metrics.Likes != 5120 {
				return "got " + js(p)
			}
			return ""
		}},
		{"a quote post is the author's own, quoted_id set", "1818711800000000444", func(p chorus.Post) string {
			if p.QuotedID != "1818690000000000001" || p.RepostOf != "" {
				return "got " + js(p)
			}
			return ""
		}},
		{"a reply is an ordinary post in its own language", "1818711700000000333", func(p chorus.Post) string {
			if p.Lang != "ja" || p.RepostOf != "" || p.QuotedID != "" || !strings.Contains(p.Text, "卓球") {
				return "got " + js(p)
			}
			return ""
		}},
		{"long text from note_tweet", "1818711600000000222", func(p chorus.Post) string {
			if !strings.HasSuffix(p.Text, "#Paris2024 #TableTennis") || !strings.Contains(p.Text, "best & worth") {
				return "got " + js(p)
			}
			return ""
		}},
		{"qme becomes empty: analysis detects", "1818711500000000111", func(p chorus.Post) string {
			if p.Lang != "" {
				return "got lang " + p.Lang
			}
			return ""
		}},
		{"a retweet whose original was deleted is still folded", "1818711200000000077", func(p chorus.Post) string {
			if p.RepostOf != "1818600000000000001" {
				return "got " + js(p)
			}
			return ""
		}},
		{"a quoted context post retweeted later is emitted as original", "1818690000000000001", func(p chorus.Post) string {
			if p.Author.Handle != "newsdesk_olympics" || p.Author.Followers != 1250000 {
				return "got " + js(p)
			}
			return ""
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := m[tt.id]
			if !ok {
				t.Fatalf("no post %s", tt.id)
			}
			if msg := tt.check(p); msg != "" {
				t.Error(msg)
			}
		})
	}
	// includes.tweets are context: the quoted post appears once, only
	// because it was retweeted on page 2; nothing else from includes.
	if n := len(ps); n != 12 {
		t.Errorf("%d records, want 12", n)
	}
}

func TestStreamFileCutOff(t *testing.T) {
	recs := read(t, "twarc2-stream-cut.jsonl")
	var good, bad int
	for _, r := range recs {
		if r.Err != nil {
			bad++
			if r.Line != 7 || !strings.Contains(r.Err.Error(), "json") {
				t.Errorf("bad record %d: %v, want line 7 named as cut-off JSON", r.Line, r.Err)
			}
			continue
		}
		good++
		if r.Post.Source != SourceTwarc2 {
			t.Errorf("source %q", r.Post.Source)
		}
	}
	if good != 6 || bad != 1 {
		t.Errorf("%d posts and %d bad records, want 6 (5 messages, one retweet gives two, one repeated) and 1", good, bad)
	}
}

func TestTwarc1(t *testing.T) {
	m := byID(posts(t, read(t, "twarc1.jsonl")))
	if p := m["1818712000000000777"]; p.RepostOf != "1818700000000000010" {
		t.Errorf("retweet: %s", js(p))
	}
	if p := m["1818700000000000010"]; p.Author.Handle != "pingpongfan" || p.Metrics.Likes != 5120 || p.CreatedAt != time.Date(2024, 7, 31, 18, 40, 0, 0, time.UTC) {
		t.Errorf("original: %s", js(p))
	}
	if p := m["1818714000000000123"]; p.QuotedID != "1818700000000000010" || p.Text != "Agreed > everything else this week" {
		t.Errorf("quote: %s", js(p))
	}
	if p := m["1818714100000000124"]; !strings.HasSuffix(p.Text, "the rest of it") || p.Lang != "" {
		t.Errorf("extended_tweet: %s", js(p))
	}
}

func TestArchive(t *testing.T) {
	recs := read(t, "archive/tweets.js")
	m := byID(posts(t, recs))
	owner := chorus.Author{ID: "91000001", Handle: "desk_reader", Name: "Desk Reader", Followers: 3}
	for id, p := range m {
		if p.Author != owner || p.Source != SourceArchive {
			t.Errorf("%s: author %+v source %q, want the owner from account.js and follower.js", id, p.Author, p.Source)
		}
	}
	if p := m["1818799999999999999"]; p.Metrics.Likes != 4 || p.Text != "@someone Agreed, that podium selfie was lovely" || p.URL != "https://x.com/desk_reader/status/1818799999999999999" {
		t.Errorf("reply: %s", js(p))
	}
	if p := m["1818780000000000001"]; p.RepostOf != "@pingpongfan" {
		t.Errorf("the archive's own retweet: %s", js(p))
	}
	if p := m["1818770000000000002"]; !strings.HasSuffix(p.Text, "Thank you, Paris.") {
		t.Errorf("long post: text from note-tweet.js wanted, got %q", p.Text)
	}
	if len(m) != 4 || len(recs) != 4 {
		t.Errorf("%d records, want 4", len(recs))
	}
	old := byID(posts(t, read(t, "archive-old/tweet.js")))
	if p := old["1818740000000000005"]; p.Text != "合影 & 友谊" || p.Lang != "zh" || p.Author != (chorus.Author{}) {
		t.Errorf("old archive: %s", js(p))
	}
	if len(old) != 2 {
		t.Errorf("old archive: %d posts, want 2", len(old))
	}
}

// Default-field pages (no tweet.fields asked for) carry only id and text:
// the time comes from the id.
func TestDefaultFieldPage(t *testing.T) {
	at := time.Date(2024, 7, 31, 19, 4, 12, 345e6, time.UTC)
	postID := strconv.FormatInt((at.UnixMilli()-1288834974657)<<22|0x2a5, 10)
	line := `{"data":[{"edit_history_tweet_ids":["` + postID + `"],"id":"` + postID + `","text":"hello"}],"meta":{"newest_id":"` + postID + `","oldest_id":"` + postID + `","result_count":1}}`
	var got []Record
	if err := ReadTwarc2(strings.NewReader(line), func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Err != nil {
		t.Fatalf("got %+v", got)
	}
	p := got[0].Post
	if !p.CreatedAt.Equal(at) {
		t.Errorf("created_at %v from the id, want %v", p.CreatedAt, at)
	}
	if p.URL != "https://x.com/i/status/"+postID {
		t.Errorf("url %q", p.URL)
	}
}

// On a default-field page a retweet is told only by X's "RT @handle: "
// prefix: it folds as reach on the original's author, as an archive's
// own retweets do; a post merely starting "RT" stays a post, and so does
// "RT @x: " text on a page that asked for referenced_tweets.
func TestDefaultFieldRetweet(t *testing.T) {
	lines := `{"data":[{"id":"1819312176691675136","text":"RT @pingpong_fan: Best selfie of the Games, no…"},{"id":"1819312000000000001","text":"RT this if you agree"},{"id":"1819311000000000002","text":"RT @not a handle: x"}],"meta":{"result_count":3}}
{"data":[{"id":"1819311000000000003","text":"RT @someone: typed by hand","author_id":"9","created_at":"2024-08-02T09:00:00.000Z","lang":"en"}],"meta":{"result_count":1}}`
	var got []Record
	if err := ReadTwarc2(strings.NewReader(lines), func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"1819312176691675136": "@pingpong_fan", "1819312000000000001": "", "1819311000000000002": "", "1819311000000000003": ""}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(got), len(want), got)
	}
	for _, r := range got {
		if r.Err != nil {
			t.Fatalf("record error %v", r.Err)
		}
		if w, ok := want[r.Post.ID]; !ok || r.Post.RepostOf != w {
			t.Errorf("post %s: repost_of %q, want %q", r.Post.ID, r.Post.RepostOf, w)
		}
	}
}

func TestBadLines(t *testing.T) {
	tests := []struct {
		name, in, field string
	}{
		{"cut off", `{"data":[{"id":"1818712345678901234","text":"hel`, "json"},
		{"array of no posts", `["not a post"]`, "[0]"},
		{"not json", `hello`, "json"},
		{"bad created_at", `{"data":[{"id":"1818712345678901234","text":"x","created_at":"yesterday"}]}`, "data[0].created_at"},
		{"bad count", `{"id":"1818712345678901234","text":"x","public_metrics":{"like_count":"many"}}`, "public_metrics.like_count"},
		{"id as float", `{"id":1.5e3,"text":"x"}`, "id"},
		{"user object in data", `{"data":[{"id":"91000001","username":"desk_reader","name":"Desk Reader"}]}`, "data[0].text"},
		{"v1 without id", `{"full_text":"x","user":{"id_str":"1"}}`, "id_str"},
		{"bad time beside an odd author", `{"id":"1818712345678901234","text":"x","author":"Alice","created_at":"soon"}`, "created_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Record
			err := ReadTwarc2(strings.NewReader(tt.in+"\n"+`{"id":"1818712345678901235","text":"next line kept"}`+"\n"), func(r Record) error { got = append(got, r); return nil })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 || got[1].Err != nil || got[1].Post.Text != "next line kept" {
				t.Fatalf("records %+v, want the bad one and the next line", got)
			}
			var fe *chorus.FieldError
			if !errors.As(got[0].Err, &fe) || !strings.HasPrefix(fe.Field, tt.field) || got[0].Line != 1 {
				t.Errorf("error %v on line %d, want field %s on line 1", got[0].Err, got[0].Line, tt.field)
			}
		})
	}
}

// Lines rewritten by other tools put odd values where twarc2 writes
// objects: an author that is a name, entities as an array. The post still
// reads, its author found by author_id.
func TestOddFlattenedShapes(t *testing.T) {
	in := `{"id":"1818712345678901234","text":"Python is really good","author":"Alice","author_id":"123","entities":[],"geo":"The moon","created_at":"2024-07-31T19:05:00.000Z","__twarc":{}}`
	var got []Record
	if err := ReadTwarc2(strings.NewReader(in), func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Err != nil || got[0].Post.Author.ID != "123" {
		t.Fatalf("got %+v", got)
	}
}

func TestIDsKeepTheirDigits(t *testing.T) {
	// v1.1 sends ids as numbers too; a float64 would round them.
	in := `{"id":1818712345678901234,"full_text":"x","created_at":"Wed Jul 31 19:05:00 +0000 2024","user":{"id":9007199254740993,"screen_name":"big"}}`
	var got []Record
	if err := ReadTwarc2(strings.NewReader(in), func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Post.ID != "1818712345678901234" || got[0].Post.Author.ID != "9007199254740993" {
		t.Fatalf("got %+v", got)
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// API answers saved pretty-printed, and arrays of posts, read whole and
// give what the same data as JSON lines gives.
func TestPrettyPrintedDocuments(t *testing.T) {
	raw := posts(t, read(t, "twarc2-raw.jsonl"))
	pretty := posts(t, read(t, "search-pretty.json"))
	if len(pretty) != 5 || js(pretty) != js(raw[:5]) {
		t.Errorf("pretty-printed page gave %d posts:\n%s\nwant the first page's:\n%s", len(pretty), js(pretty), js(raw[:5]))
	}
	arr := posts(t, read(t, "flat-array.json"))
	if js(arr) != js(posts(t, read(t, "twarc2-flat.jsonl"))) {
		t.Errorf("an array of flattened posts differs from the same as lines")
	}
	for _, r := range read(t, "flat-array.json") {
		if r.Line < 2 {
			t.Errorf("record on line %d: want the line each element starts on", r.Line)
		}
	}
	// Cut off inside the third element: two kept, one bad record.
	data, _ := os.ReadFile("testdata/flat-array.json")
	cut := data[:bytes.Index(data, []byte(`"1818711900000000555"`))]
	var got []Record
	if err := ReadTwarc2(bytes.NewReader(cut), func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[3].Err == nil || got[2].Err != nil {
		t.Errorf("cut array: %d records, last %v", len(got), got[len(got)-1].Err)
	}
}

// A page whose meta or includes hold a value of an unexpected type still
// gives its posts (decoding stops at the first such value, so the page is
// read part by part).
func TestPageWithOddFields(t *testing.T) {
	body := `{"meta":{"result_count":"two","newest_id":1818712345678901235},"includes":{"users":[{"id":"1","username":"a"},{"id":{}}]},"errors":"none","data":[{"id":"1818712345678901234","text":"one","author_id":"1","created_at":"2024-07-31T19:04:12.000Z"},{"id":"1818712345678901235","text":"two","created_at":"2024-07-31T19:04:13.000Z","public_metrics":{"like_count":"x"}}]}`
	var got []Record
	info, err := DecodePage([]byte(body), SourceSearch, func(p chorus.Post, err error) error {
		got = append(got, Record{Post: p, Err: err})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Err != nil || got[0].Post.Author.Handle != "a" || got[1].Err == nil || !strings.Contains(got[1].Err.Error(), "data[1].public_metrics.like_count") {
		t.Errorf("records %+v", got)
	}
	if info.NewestID != "1818712345678901235" || info.MaxID != "1818712345678901235" {
		t.Errorf("info %+v", info)
	}
	// The same as a twarc2 line.
	got = nil
	if err := ReadTwarc2(strings.NewReader(body), func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Err != nil || got[1].Err == nil {
		t.Errorf("twarc2 records %+v", got)
	}
}

// The 2012–2018 archive: data/js/tweets/YYYY_MM.js, Grailbird prefix, v1.1
// posts with their user and a "2014-07-30 17:35:12 +0000" time.
func TestGrailbirdArchive(t *testing.T) {
	m := byID(posts(t, read(t, "archive-2014/2014_07.js")))
	if p := m["494539211390287872"]; p.Author.Handle != "desk_reader" || !p.CreatedAt.Equal(time.Date(2014, 7, 30, 17, 35, 12, 0, time.UTC)) || p.Source != SourceArchive {
		t.Errorf("post %s", js(p))
	}
	if p := m["494530000000000001"]; p.RepostOf != "494520000000000002" {
		t.Errorf("retweet %s", js(p))
	}
	if p := m["494520000000000002"]; p.Author.Handle != "pingpongfan" || p.Text != "Gold for the doubles!" {
		t.Errorf("original %s", js(p))
	}
	if len(m) != 3 {
		t.Errorf("%d posts, want 3", len(m))
	}
}
