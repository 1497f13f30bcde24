package weibo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/file"
)

// fetched is when the test pages were saved: 2024-08-01 10:00 China time.
var fetched = time.Date(2024, 8, 1, 2, 0, 0, 0, time.UTC)

type readResult struct {
	posts []chorus.Post
	errs  []string // "LINE field: reason"
	lines []int    // line of each post
}

func (r readResult) byID(t *testing.T, id string) chorus.Post {
	t.Helper()
	for _, p := range r.posts {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no post %s among %d", id, len(r.posts))
	return chorus.Post{}
}

// readFixture reads testdata/name (copied, with its modification time set
// to fetched) through collector/file, as chorus import does.
func readFixture(t *testing.T, name, format string) readResult {
	t.Helper()
	src := filepath.Join("testdata", name)
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(name))
	if strings.Contains(name, "/") { // keep the crawler's folder layout
		dst = filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if users, err := os.ReadFile(filepath.Join("testdata", filepath.Dir(filepath.Dir(name)), "users.csv")); err == nil {
			if err := os.WriteFile(filepath.Join(filepath.Dir(filepath.Dir(dst)), "users.csv"), users, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dst, fetched, fetched); err != nil {
		t.Fatal(err)
	}
	rc, err := file.Open(dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var res readResult
	err = file.ReadFile(rc, dst, format, func(r file.Record) error {
		if r.Err != nil {
			res.errs = append(res.errs, strings.TrimSpace(strings.Join([]string{itoa(r.Line), r.Err.Error()}, " ")))
			return nil
		}
		if err := r.Post.Validate(); err != nil {
			t.Errorf("line %d: post %s does not validate: %v", r.Line, r.Post.ID, err)
		}
		res.posts = append(res.posts, r.Post)
		res.lines = append(res.lines, r.Line)
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	for _, p := range res.posts {
		checkClean(t, p)
	}
	return res
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Replace(time.Duration(n).String(), "ns", "", 1))
}

// checkClean asserts what every post must be: no markup, UTC, a Weibo url.
func checkClean(t *testing.T, p chorus.Post) {
	t.Helper()
	for _, tag := range []string{"<a", "<span", "<img", "<br", "</", "&quot;", "&amp;", "&lt;", "全文</"} {
		if strings.Contains(p.Text, tag) {
			t.Errorf("post %s: %q left in text %q", p.ID, tag, p.Text)
		}
	}
	if p.CreatedAt.Location() != time.UTC {
		t.Errorf("post %s: created_at not UTC: %s", p.ID, p.CreatedAt)
	}
	if p.Platform != chorus.Weibo || p.Lang != "zh" {
		t.Errorf("post %s: platform %q lang %q", p.ID, p.Platform, p.Lang)
	}
	if !strings.HasPrefix(p.URL, "https://m.weibo.cn/detail/") && !strings.HasPrefix(p.URL, "https://m.weibo.cn/status/") {
		t.Errorf("post %s: url %q", p.ID, p.URL)
	}
}

func cn(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, China).UTC()
}

func TestMobileSearchPage(t *testing.T) {
	r := readFixture(t, "mobile_search.json", "auto")
	if len(r.errs) != 0 {
		t.Errorf("errors: %v", r.errs)
	}
	// 6 post cards (one inside a card_group; a user card and a topic card
	// skipped), plus the original carried by two reposts, once.
	var ids []string
	for _, p := range r.posts {
		ids = append(ids, p.ID)
	}
	if got, want := strings.Join(ids, " "), "5062000000000002 5062000000000005 5061000000000001 5062000000000006 5062000000000007 5062000000000008"; got != want {
		t.Errorf("ids\n got %s\nwant %s", got, want)
	}
	p := r.byID(t, "5062000000000002")
	if want := "太感动了[心] #巴黎奥运# @乒乓小迷妹 这张合影会被记住很久很久..."; p.Text != want {
		t.Errorf("text %q, want %q", p.Text, want)
	}
	if !p.CreatedAt.Equal(cn(2024, 7, 31, 20, 15)) || p.Metrics.Replies != 10000 || p.Metrics.Likes != 2300 || p.Metrics.Reposts != 15 {
		t.Errorf("post 2: %s %+v", p.CreatedAt, p.Metrics)
	}
	if p.Author.ID != "7700000002" || p.Author.Handle != "看球的老王" || p.Author.Followers != 12000 || p.Source != "weibo-mobile" {
		t.Errorf("author %+v source %q", p.Author, p.Source)
	}
	p = r.byID(t, "5062000000000005")
	if p.Text != "哈哈[doge]\n第二行 \"引号\" & 更多" || !p.CreatedAt.Equal(fetched.Add(-5*time.Minute)) || p.Metrics.Likes != 3e8 || p.Metrics.Replies != 1e6 || p.Metrics.Reposts != 0 {
		t.Errorf("post 5: %q %s %+v", p.Text, p.CreatedAt, p.Metrics)
	}
	// A plain repost: the original once, the repost folded into it.
	orig := r.byID(t, "5061000000000001")
	if orig.Text != "合影来了[允悲]" || !orig.CreatedAt.Equal(cn(2024, 7, 30, 0, 0)) || orig.RepostOf != "" || orig.Author.Followers != 1000000 {
		t.Errorf("original: %+v", orig)
	}
	rep := r.byID(t, "5062000000000006")
	if rep.RepostOf != "5061000000000001" || !rep.CreatedAt.Equal(cn(2024, 7, 31, 22, 10)) {
		t.Errorf("plain repost: repost_of %q created %s", rep.RepostOf, rep.CreatedAt)
	}
	// A repost with words of its own: a reaction quoting the original.
	own := r.byID(t, "5062000000000007")
	if own.RepostOf != "" || own.QuotedID != "5061000000000001" || own.Text != "说得太对了[赞]" || !own.CreatedAt.Equal(fetched.Add(-2*time.Hour)) {
		t.Errorf("repost with a comment: %+v", own)
	}
	// Nothing before the first //@: reach on a deleted original.
	chain := r.byID(t, "5062000000000008")
	if chain.RepostOf != "5060000000000009" {
		t.Errorf("chain-only repost: %+v", chain)
	}
}

func TestMobileTimelineLines(t *testing.T) {
	r := readFixture(t, "mobile_timeline.ndjson", "auto")
	if len(r.posts) != 3 {
		t.Errorf("%d posts, want 3 (the one on the cut line is lost, the rest kept)", len(r.posts))
	}
	if len(r.errs) != 1 || !strings.HasPrefix(r.errs[0], "3 json:") {
		t.Errorf("errors %v, want one json error on line 3", r.errs)
	}
	if want := []int{1, 2, 5}; len(r.lines) != 3 || r.lines[0] != want[0] || r.lines[1] != want[1] || r.lines[2] != want[2] {
		t.Errorf("lines %v, want %v", r.lines, want)
	}
}

func TestAPIStatuses(t *testing.T) {
	r := readFixture(t, "api_statuses.json", "auto")
	if len(r.errs) != 0 || len(r.posts) != 2 {
		t.Fatalf("posts %d errors %v", len(r.posts), r.errs)
	}
	p := r.byID(t, "5062000000000001")
	if p.Text != "国乒夺冠！合影太暖了[心] #巴黎奥运#" || p.Source != "weibo-api" || p.Author.Followers != 5320 || p.Metrics.Likes != 251 {
		t.Errorf("%+v", p)
	}
	if r.lines[0] != 2 {
		t.Errorf("first status on line %d, want 2", r.lines[0])
	}
	// An id past 2^53 keeps every digit; the long text is whole.
	long := r.byID(t, "9007199254740993")
	if long.Text != "很长的一条微博开头，后面还有很多很多字，说的是合影[鼓掌]\n第二段。" {
		t.Errorf("long text %q", long.Text)
	}
}

func TestAPIComments(t *testing.T) {
	r := readFixture(t, "api_comments.json", "auto")
	if len(r.errs) != 0 {
		t.Errorf("errors %v", r.errs)
	}
	// The post commented on once, then each comment quoting it.
	if len(r.posts) != 3 || r.posts[0].ID != "5062000000000001" {
		t.Fatalf("posts %+v", r.posts)
	}
	c := r.byID(t, "5062000000100001")
	if c.QuotedID != "5062000000000001" || c.Text != "回复@乒乓小迷妹:同感[泪]" || c.Author.Handle != "评论者一" {
		t.Errorf("comment %+v", c)
	}
}

func TestCrawlerCSV(t *testing.T) {
	r := readFixture(t, "weibo/体育迷小张/7700000003.csv", "auto")
	if len(r.errs) != 0 {
		t.Errorf("errors %v", r.errs)
	}
	if len(r.posts) != 4 { // 3 rows + the original of the plain repost
		t.Fatalf("%d posts: %+v", len(r.posts), r.posts)
	}
	p := r.byID(t, "5062000000000003")
	if p.Text != "这张合影太珍贵了" || !p.CreatedAt.Equal(cn(2024, 7, 31, 20, 30)) || p.Metrics.Likes != 41 || p.Metrics.Replies != 6 || p.Metrics.Reposts != 1 {
		t.Errorf("%+v", p)
	}
	// The author comes from the file name and users.csv.
	if p.Author.ID != "7700000003" || p.Author.Handle != "体育迷小张" || p.Author.Followers != 8800 || p.Source != "weibo-crawler" {
		t.Errorf("author %+v source %q", p.Author, p.Source)
	}
	if rep := r.byID(t, "5062000000000004"); rep.RepostOf != "5061000000000001" {
		t.Errorf("plain repost %+v", rep)
	}
	if o := r.byID(t, "5061000000000001"); o.Author.Handle != "奥运播报" || o.Metrics.Likes != 9000 || !o.CreatedAt.Equal(cn(2024, 7, 30, 9, 0)) {
		t.Errorf("original %+v", o)
	}
	q := r.byID(t, "5062000000000009")
	if q.Text != "说得对，\"引号\"\n第二行" || q.QuotedID != "5061000000000001" {
		t.Errorf("repost with words %q quoted %q", q.Text, q.QuotedID)
	}
}

func TestCrawlerCSV2019(t *testing.T) {
	r := readFixture(t, "crawler_2019.csv", "weibo-crawler")
	if len(r.errs) != 0 || len(r.posts) != 2 {
		t.Fatalf("posts %d errors %v", len(r.posts), r.errs)
	}
	p := r.byID(t, "4387933362623406")
	if !p.CreatedAt.Equal(cn(2019, 6, 28, 0, 0)) || p.Metrics.Likes != 10000 {
		t.Errorf("%+v", p)
	}
}

func TestCrawlerJSON(t *testing.T) {
	r := readFixture(t, "crawler.json", "auto")
	if len(r.errs) != 0 || len(r.posts) != 4 {
		t.Fatalf("posts %d errors %v", len(r.posts), r.errs)
	}
	p := r.byID(t, "5062000000000003")
	if p.Author.Followers != 8800 || p.Author.Handle != "体育迷小张" || !p.CreatedAt.Equal(cn(2024, 7, 31, 20, 30)) || p.Source != "weibo-crawler" {
		t.Errorf("%+v", p)
	}
	if rep := r.byID(t, "5062000000000004"); rep.RepostOf != "5061000000000001" {
		t.Errorf("repost %+v", rep)
	}
	if old := r.byID(t, "5062000000000010"); !old.CreatedAt.Equal(cn(2024, 7, 29, 0, 0)) || old.Metrics.Likes != 10000 {
		t.Errorf("old entry %+v", old)
	}
}

func TestSearchCSV(t *testing.T) {
	for _, name := range []string{"search_new.csv", "search_gbk.csv"} {
		t.Run(name, func(t *testing.T) {
			r := readFixture(t, name, "auto")
			if len(r.errs) != 0 || len(r.posts) != 3 {
				t.Fatalf("posts %d errors %v", len(r.posts), r.errs)
			}
			o := r.byID(t, "5061000000000001")
			if o.Author.ID != "7700000010" || o.Author.Handle != "奥运播报" || !o.CreatedAt.Equal(cn(2024, 7, 30, 9, 0)) || o.Metrics.Likes != 9000 || o.Source != "weibo-search" {
				t.Errorf("%+v", o)
			}
			if rep := r.byID(t, "5062000000000004"); rep.RepostOf != "5061000000000001" {
				t.Errorf("plain repost %+v", rep)
			}
			if q := r.byID(t, "5062000000000011"); q.QuotedID != "5061000000000001" || q.Text != "这才是体育精神[心]" {
				t.Errorf("repost with words %+v", q)
			}
		})
	}
	r := readFixture(t, "search_old.csv", "weibo-search")
	if len(r.errs) != 0 || len(r.posts) != 2 {
		t.Fatalf("old header: posts %d errors %v", len(r.posts), r.errs)
	}
	if p := r.byID(t, "5062000000000012"); p.Text != "逗号,在正文里" || !p.CreatedAt.Equal(cn(2024, 7, 31, 23, 59)) {
		t.Errorf("%+v", p)
	}
}

func TestSniff(t *testing.T) {
	for _, in := range []string{`{"data":{"cards":[{"card_type":9}]}}`, `{"data":{"list":[]},"ok":1}`, `{"data":{"cardlistInfo":{},"cards":[]}}`} {
		if got, err := file.Sniff([]byte(in)); got != "weibo-mobile" || err != nil {
			t.Errorf("Sniff(%s) = %q, %v", in, got, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"mobile_search.json", "weibo-mobile"}, {"api_statuses.json", "weibo-api"}, {"api_comments.json", "weibo-api"},
		{"crawler.json", "weibo-crawler"}, {"crawler_2019.csv", "weibo-crawler"}, {"weibo/体育迷小张/7700000003.csv", "weibo-crawler"},
		{"search_new.csv", "weibo-search"}, {"search_old.csv", "weibo-search"}, {"detail_page.html", "weibo-mobile"},
		{"mobile_timeline_real_shape.json", "weibo-mobile"}, {"search_gbk.csv", ""}, {"weibospider.csv", "weibo-crawler"},
	} {
		if tc.want == "" {
			continue // GB18030: told by ReadFile, which converts first
		}
		data, err := os.ReadFile(filepath.Join("testdata", tc.name))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := file.Sniff(data); got != tc.want || err != nil {
			t.Errorf("Sniff(%s) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestBadRecords(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bad date", `{"statuses":[{"id":1,"created_at":"someday","text":"x"}]}`, "1 statuses[0].created_at: not a Weibo time"},
		{"no id", `{"statuses":[{"created_at":"刚刚","text":"x"}]}`, "1 statuses[0].id: missing"},
		{"float id", `{"statuses":[{"id":5.062e15,"created_at":"刚刚"}]}`, "1 statuses[0]: id 5.062e15 is not an integer"},
		{"login answer", `{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}`, "1 json: a login answer"},
		{"not weibo", `{"foo":1}`, "1 json: no Weibo posts"},
		{"cut short", "{\"statuses\":[{\"id\":1,\"created_at\":\"刚刚\",\"text\":\"kept\"},\n{\"id\":2", "2 json: unexpected end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			err := ReadJSON(strings.NewReader(tc.in), NewConverter(SourceAPI, fetched), func(line int, p chorus.Post, err error) error {
				if err != nil {
					got = append(got, itoa(line)+" "+err.Error())
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
				t.Errorf("got %q, want one starting %q", got, tc.want)
			}
		})
	}
}

// TestTimelineOfRealShape reads a user-timeline page with the fields and
// quirks recorded pages show: a pinned old post (isTop) reposting with
// words of its own, a 超话 link whose icon has no alt, unquoted and
// single-quoted attributes, a web link, pics and page_info.
func TestTimelineOfRealShape(t *testing.T) {
	r := readFixture(t, "mobile_timeline_real_shape.json", "auto")
	if len(r.errs) != 0 || len(r.posts) != 3 {
		t.Fatalf("posts %d, errors %v", len(r.posts), r.errs)
	}
	pinned := r.byID(t, "4387933362623405")
	if pinned.Text != "乒乓超话 置顶帖：记住这一刻[doge]" || pinned.QuotedID != "4387930325701338" || !pinned.CreatedAt.Equal(cn(2024, 6, 27, 0, 0)) || pinned.Author.Followers != 586975 {
		t.Errorf("pinned: %+v", pinned)
	}
	if o := r.byID(t, "4387930325701338"); o.Text != "#乒乓# 七条要点：\n1.第一条，\n2.第二条[doge]" || o.Metrics.Reposts != 59 {
		t.Errorf("original: %q %+v", o.Text, o.Metrics)
	}
	if p := r.byID(t, "4394384827138748"); p.Text != "#乒乓# 今天的比赛太精彩了[鼓掌] 网页链接" || !p.CreatedAt.Equal(fetched.Add(-15*time.Hour)) {
		t.Errorf("post: %q at %s", p.Text, p.CreatedAt)
	}
}

// TestLongTextAnswersBesideAPage: a saved long-text answer holds no post
// of its own, and completes the cut post of a page saved beside it.
func TestLongTextAnswersBesideAPage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pg := write("search_page1.json", `{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"5062000000000002","created_at":"Wed Jul 31 20:15:00 +0800 2024","isLongText":true,`+
		`"text":"这张合影会被记住...<a href=\"/status/5062000000000002\">全文</a>","user":{"id":1,"screen_name":"a"}}}]}}`)
	ext := write("extend_5062000000000002.json", `{"ok":1,"http_code":200,"data":{"ok":1,"longTextContent":"这张合影会被记住很久很久。<br />完[心]","reposts_count":15}}`)
	read := func(name string) (posts []chorus.Post, errs []string) {
		rc, err := file.Open(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		err = file.ReadFile(rc, name, "auto", func(r file.Record) error {
			if r.Err != nil {
				errs = append(errs, r.Err.Error())
			} else {
				posts = append(posts, r.Post)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return posts, errs
	}
	posts, errs := read(pg)
	if len(errs) != 0 || len(posts) != 1 || posts[0].Text != "这张合影会被记住很久很久。\n完[心]" {
		t.Errorf("page: %+v %v", posts, errs)
	}
	if posts, errs := read(ext); len(posts) != 0 || len(errs) != 0 {
		t.Errorf("the long-text answer alone: %+v %v, want nothing and no error", posts, errs)
	}
}

func TestWrappedAndOtherLists(t *testing.T) {
	in := `{"favorites":[{"status":{"created_at":"Wed Jul 31 20:15:00 +0800 2024","id":5062000000000001,"text":"收藏的","user":{"id":1,"screen_name":"a"}},"tags":[],"favorited_time":"Thu Aug 01 10:00:00 +0800 2024"}]}
{"reposts":[{"created_at":"Wed Jul 31 21:15:00 +0800 2024","id":5062000000000009,"text":"转发微博","user":{"id":2,"screen_name":"b"},"retweeted_status":{"created_at":"Wed Jul 31 20:15:00 +0800 2024","id":5062000000000001,"text":"收藏的","user":{"id":1,"screen_name":"a"}}}]}`
	var posts []chorus.Post
	err := ReadJSON(strings.NewReader(in), NewConverter(SourceAPI, fetched), func(line int, p chorus.Post, err error) error {
		if err != nil {
			t.Errorf("line %d: %v", line, err)
		}
		posts = append(posts, p)
		return nil
	})
	if err != nil || len(posts) != 2 || posts[0].ID != "5062000000000001" || posts[1].RepostOf != "5062000000000001" {
		t.Errorf("posts %+v, %v", posts, err)
	}
}

func TestDetailPage(t *testing.T) {
	r := readFixture(t, "detail_page.html", "weibo-mobile")
	if len(r.errs) != 0 || len(r.posts) != 1 {
		t.Fatalf("posts %+v errors %v", r.posts, r.errs)
	}
	if p := r.posts[0]; p.Text != "这张合影会被记住很久很久，全文在此[心]" || p.Metrics.Replies != 10000 || r.lines[0] != 6 {
		t.Errorf("%+v on line %d", p, r.lines[0])
	}
}

func TestWeiboSpiderCSV(t *testing.T) {
	r := readFixture(t, "weibospider.csv", "auto")
	if len(r.errs) != 0 || len(r.posts) != 1 {
		t.Fatalf("posts %+v errors %v", r.posts, r.errs)
	}
	p := r.posts[0]
	if p.ID != "IzlVqtp0W" || p.URL != "https://m.weibo.cn/status/IzlVqtp0W" || p.Text != "合影太暖了[心]" || !p.CreatedAt.Equal(cn(2024, 7, 31, 20, 15)) ||
		p.Metrics.Likes != 12 || p.Metrics.Reposts != 3 || p.Metrics.Replies != 4 || p.Source != "weibo-crawler" {
		t.Errorf("%+v", p)
	}
}

// TestCrawlerCSVSavedByExcel: the crawler's CSV re-saved by Excel as
// "Unicode text" (UTF-16, tab-separated) and as GBK.
func TestCrawlerCSVSavedByExcel(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "weibo", "体育迷小张", "7700000003.csv"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	// Tab-separated: only the header and the first row, which hold no
	// quoted commas.
	lines := strings.SplitN(text, "\r\n", 3)
	// (Excel drops the tab the crawler puts after an id.)
	tsv := strings.ReplaceAll(strings.ReplaceAll(lines[0]+"\r\n"+lines[1]+"\r\n", "\t,", ","), ",", "\t")
	u16 := []byte{0xff, 0xfe}
	for _, r := range utf16.Encode([]rune(tsv)) {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"utf16.txt": u16, "gbk.csv": []byte(gbk)} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			rc, err := file.Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var posts []chorus.Post
			err = file.ReadFile(rc, path, "auto", func(r file.Record) error {
				if r.Err != nil {
					t.Errorf("line %d: %v", r.Line, r.Err)
				} else {
					posts = append(posts, r.Post)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(posts) == 0 || posts[0].ID != "5062000000000003" || posts[0].Text != "这张合影太珍贵了" || posts[0].Metrics.Likes != 41 {
				t.Errorf("posts %+v", posts)
			}
		})
	}
}

// TestWeiboComAjax reads a weibo.com ajax list: a repost whose text is
// only the chain (no words of its own: it folds), unquoted href with a
// usercard, a link icon, and a cut long post with 展开.
func TestWeiboComAjax(t *testing.T) {
	r := readFixture(t, "weibo_com_ajax.json", "auto")
	if len(r.errs) != 0 || len(r.posts) != 3 {
		t.Fatalf("posts %+v errors %v", r.posts, r.errs)
	}
	if p := r.byID(t, "4607741009594608"); p.RepostOf != "4607690000000001" {
		t.Errorf("chain-only repost: %+v", p)
	}
	if o := r.byID(t, "4607690000000001"); o.Text != "欧洲宣布新的芯片计划 网页链接" || o.Author.Followers != 1203000 || !o.CreatedAt.Equal(time.Date(2021, 2, 23, 1, 10, 0, 0, time.UTC)) {
		t.Errorf("original: %q %+v %s", o.Text, o.Author, o.CreatedAt)
	}
	if p := r.byID(t, "4607650000000002"); p.Text != "今天读了一篇长文，讲的是芯片的历史，非常有意思，推荐大家都看一看..." || p.Metrics.Reposts != 10000 {
		t.Errorf("cut post: %q %+v", p.Text, p.Metrics)
	}
}

// TestAPIUserTimeline: a plain repost of a deleted post folds onto its id
// (the deleted original is not kept); a repost with words keeps only
// them; a cut post loses its "全文： http…" tail.
func TestAPIUserTimeline(t *testing.T) {
	r := readFixture(t, "api_user_timeline.json", "weibo-api")
	if len(r.errs) != 0 || len(r.posts) != 4 {
		t.Fatalf("posts %+v errors %v", r.posts, r.errs)
	}
	if p := r.byID(t, "5062100000000001"); p.RepostOf != "5061900000000009" {
		t.Errorf("repost of a deleted post: %+v", p)
	}
	for _, p := range r.posts {
		if p.ID == "5061900000000009" {
			t.Errorf("the deleted original was kept: %+v", p)
		}
	}
	if p := r.byID(t, "5062100000000002"); p.Text != "这个说法不对" || p.QuotedID != "5061900000000010" {
		t.Errorf("repost with words: %+v", p)
	}
	if p := r.byID(t, "5062100000000003"); p.Text != "长文开头，讲了很多关于比赛的事情……" {
		t.Errorf("cut post: %q", p.Text)
	}
}
