package article

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/internal/golden"
)

// wantPost is one line of a .want file: platform | attribution | quote.
type wantPost struct {
	platform    chorus.Platform
	attribution string
	quote       string
}

func readWant(t *testing.T, path string) []wantPost {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []wantPost
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " | ", 3)
		if len(parts) != 3 {
			t.Fatalf("%s: bad line %q", path, line)
		}
		out = append(out, wantPost{chorus.Platform(parts[0]), parts[1], parts[2]})
	}
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var importTime = time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)

// TestSeedArticle: every post the seed article quotes, exactly as written
// out by hand, from the text and from an HTML page of the same story.
func TestSeedArticle(t *testing.T) {
	want := readWant(t, "testdata/seed-scmp.want")
	for _, tc := range []struct {
		file      string
		dated     bool
		wantDate  time.Time
		source    string
		checkText bool
	}{
		{"testdata/seed-scmp.txt", false, importTime, "article:seed-scmp.txt", true},
		{"testdata/seed-scmp.html", true, time.Date(2024, 8, 1, 1, 15, 0, 0, time.UTC), "article:https://www.scmp.com/sport/article/3272899", false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			src := tc.file
			if strings.HasSuffix(src, ".html") {
				src = "https://www.scmp.com/sport/article/3272899"
			}
			res, err := Parse(readFile(t, tc.file), Options{Source: src, Now: importTime})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != len(want) {
				for _, q := range res.Quotes {
					t.Logf("%s %q skip=%q by=%q how=%q", q.Platform, q.Text, q.Skip, q.Attribution, q.How)
				}
				t.Fatalf("%d posts, want %d", len(res.Posts), len(want))
			}
			for i, w := range want {
				p := res.Posts[i]
				if p.Platform != w.platform || p.Text != w.quote || p.Author.Name != w.attribution {
					t.Errorf("post %d = %s %q by %q, want %s %q by %q", i, p.Platform, p.Text, p.Author.Name, w.platform, w.quote, w.attribution)
				}
				if p.Source != tc.source {
					t.Errorf("post %d source %q, want %q", i, p.Source, tc.source)
				}
				if !p.CreatedAt.Equal(tc.wantDate) {
					t.Errorf("post %d created_at %v, want %v", i, p.CreatedAt, tc.wantDate)
				}
				if p.ID != ID(w.platform, w.quote) {
					t.Errorf("post %d id %s, want %s", i, p.ID, ID(w.platform, w.quote))
				}
			}
			if res.Dated != tc.dated {
				t.Errorf("dated = %v, want %v", res.Dated, tc.dated)
			}
			// Offsets point at the words, in characters.
			runes := []rune(res.Text)
			for _, q := range res.Quotes {
				if q.Start < 0 || q.End > len(runes) || q.Start > q.End {
					t.Errorf("quote %q: offsets [%d,%d) outside the text (%d characters)", q.Text, q.Start, q.End, len(runes))
					continue
				}
				if got := string(runes[q.Start:q.End]); !strings.Contains(q.Text, got) && !strings.HasPrefix(q.Text, string(runes[q.Start:min(q.Start+10, q.End)])) {
					t.Errorf("quote %q: text at [%d,%d) is %q", q.Text, q.Start, q.End, got)
				}
			}
			if tc.checkText {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false)
				for _, q := range res.Quotes {
					enc.Encode(q)
				}
				golden.Check(t, "testdata/seed-scmp.txt.golden", buf.Bytes())
			}
		})
	}
}

// TestPhotoStory: the second seed, captions and no quotation, gives no
// post and its stated date.
func TestPhotoStory(t *testing.T) {
	res, err := Parse(readFile(t, "testdata/seed-photos.txt"), Options{Source: "seed-photos.txt", Now: importTime})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 0 {
		t.Errorf("posts %v, want none", res.Posts)
	}
	if !res.Dated || !res.Date.Equal(time.Date(2024, 8, 5, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date %v (dated %v), want 2024-08-05 stated", res.Date, res.Dated)
	}
}

func TestReimportGivesTheSameIDs(t *testing.T) {
	data := readFile(t, "testdata/seed-scmp.txt")
	a, _ := Parse(data, Options{Source: "a/seed.txt"})
	b, _ := Parse(data, Options{Source: "elsewhere/seed.txt", Now: time.Now().Add(time.Hour)})
	seen := map[string]bool{}
	for i := range a.Posts {
		if a.Posts[i].ID != b.Posts[i].ID {
			t.Errorf("post %d: id %s then %s", i, a.Posts[i].ID, b.Posts[i].ID)
		}
		if seen[a.Posts[i].Key()] {
			t.Errorf("post %d: id %s repeats", i, a.Posts[i].ID)
		}
		seen[a.Posts[i].Key()] = true
	}
}

func TestRepeatedQuoteIsOnePost(t *testing.T) {
	text := "“What a final,” one user wrote on X.\nThe pull quote repeated it: “What a final,” one user wrote on X."
	res, err := Parse([]byte(text), Options{Source: "x.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 1 {
		t.Fatalf("posts %d, want 1", len(res.Posts))
	}
	if res.Quotes[1].Skip != skipDuplicate {
		t.Errorf("second quote skip %q, want %q", res.Quotes[1].Skip, skipDuplicate)
	}
}

func TestDates(t *testing.T) {
	for _, tc := range []struct {
		text string
		want time.Time
	}{
		{"Published: 31 July 2024\n\n\"Wow,\" one user wrote on X.", time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC)},
		{"By Jane Doe, Reuters\nAugust 1, 2024 3:04 PM GMT+8\nText.", time.Date(2024, 8, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-07-31T19:05:00+02:00 — PARIS", time.Date(2024, 7, 31, 17, 5, 0, 0, time.UTC)},
		{"新华社巴黎2024年7月31日电 乒乓球混双决赛", time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC)},
		{"Updated Aug. 2, 2024\nbody", time.Date(2024, 8, 2, 0, 0, 0, 0, time.UTC)},
	} {
		got, ok := textDate(tc.text)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("textDate(%q) = %v, %v; want %v", tc.text, got, ok, tc.want)
		}
	}
	if _, ok := textDate("On Wednesday (July 31) the final was played."); ok {
		t.Errorf("a day without a year is not the article's date")
	}
}

func TestTextDecoding(t *testing.T) {
	utf16 := []byte{0xff, 0xfe}
	for _, r := range "“Great,” one user wrote on X." {
		utf16 = append(utf16, byte(r), byte(r>>8))
	}
	for name, data := range map[string][]byte{
		"utf-16":  utf16,
		"bom":     []byte("\xef\xbb\xbf“Great,” one user wrote on X."),
		"invalid": []byte("“Great,” one user wrote on X. \xff"),
	} {
		res, err := Parse(data, Options{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(res.Posts) != 1 || res.Posts[0].Text != "Great" || !utf8.ValidString(res.Text) {
			t.Errorf("%s: posts %+v", name, res.Posts)
		}
	}
	if _, err := Parse([]byte("PK\x03\x04\x00\x00binary"), Options{}); err == nil {
		t.Errorf("binary input: no error")
	}
}

func TestSourceName(t *testing.T) {
	for in, want := range map[string]string{
		"-": "stdin", "/tmp/x/story.html": "story.html", "story.txt": "story.txt",
		"https://example.com/a?b=1": "https://example.com/a?b=1",
	} {
		if got := SourceName(in); got != want {
			t.Errorf("SourceName(%q) = %q, want %q", in, got, want)
		}
	}
	long := "https://example.com/" + strings.Repeat("é", 2000)
	if got := SourceName(long); len("article:"+got) > chorus.MaxFieldBytes || !utf8.ValidString(got) {
		t.Errorf("a long URL gives a source of %d bytes", len(got))
	}
}

// TestHTMLBlockquotes: a block quotation without marks is a quotation; an
// embedded tweet is a post of its author, dated by its own line.
func TestHTMLBlockquotes(t *testing.T) {
	res, err := Parse(readFile(t, "testdata/blockquotes.html"), Options{Source: "blockquotes.html", Now: importTime})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		platform chorus.Platform
		text     string
		author   string
		date     time.Time
	}{
		{chorus.X, "I have watched every Olympic final since 1988.\nThis was the best of them all.", "One user on X", time.Date(2024, 8, 1, 8, 0, 0, 0, time.UTC)},
		{chorus.X, "Unreal scenes in Paris tonight", "Sports Fan", time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC)},
		{chorus.Weibo, "Already in quotation marks", "one Weibo user", time.Date(2024, 8, 1, 8, 0, 0, 0, time.UTC)},
	}
	if len(res.Posts) != len(want) {
		for _, q := range res.Quotes {
			t.Logf("%s %q skip=%q by=%q how=%q", q.Platform, q.Text, q.Skip, q.Attribution, q.How)
		}
		t.Fatalf("%d posts, want %d; text:\n%s", len(res.Posts), len(want), res.Text)
	}
	for i, w := range want {
		p := res.Posts[i]
		if p.Platform != w.platform || p.Text != w.text || p.Author.Name != w.author || !p.CreatedAt.Equal(w.date) {
			t.Errorf("post %d = %s %q by %q at %v, want %s %q by %q at %v", i, p.Platform, p.Text, p.Author.Name, p.CreatedAt, w.platform, w.text, w.author, w.date)
		}
	}
	if res.Posts[1].Author.Handle != "sportsfan" {
		t.Errorf("embedded post handle %q", res.Posts[1].Author.Handle)
	}
}

// TestHTMLCharset: a UTF-8 page whose <meta charset> comes after the first
// kilobyte is read as UTF-8, not guessed as windows-1252.
func TestHTMLCharset(t *testing.T) {
	page := "<html><head><title>t</title>" + strings.Repeat("<!-- padding -->", 100) +
		`<meta charset="utf-8"></head><body><article><p>` + strings.Repeat("Filler sentence about the final. ", 10) +
		`</p><p>“It’ll be remembered for ever,” one user wrote on X.</p></article></body></html>`
	res, err := Parse([]byte(page), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Posts) != 1 || res.Posts[0].Text != "It’ll be remembered for ever" {
		t.Errorf("posts %+v", res.Posts)
	}
}
