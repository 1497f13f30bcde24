package weibo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/store/embedded"
)

// now is the fixed clock of the collector tests: 2024-08-01 10:00 China time.
var now = time.Date(2024, 8, 1, 2, 0, 0, 0, time.UTC)

const testCookie = "SUB=_2A25secret-cookie-value; SUBP=0033WrSX"

// fakeWeibo speaks m.weibo.cn's getIndex search and statuses/extend. Each
// answer is scripted per page; a page's script may hold several answers,
// served one after the other (a 418 first, then the page).
type fakeWeibo struct {
	t        *testing.T
	mu       sync.Mutex
	pages    map[int][]answer // page number -> answers, in turn
	slices   func(from, to time.Time, page int) answer
	long     map[string]string // id -> long text
	noExtend bool              // answer statuses/extend with 404
	show     map[string]string // id -> statuses/show data
	hits     map[int]int
	reqs     []*http.Request
	extends  int
}

type answer struct {
	status   int
	body     string
	location string
	hangup   bool
}

func ok(body string) answer { return answer{status: 200, body: body} }

func newFake(t *testing.T) (*fakeWeibo, *httptest.Server) {
	f := &fakeWeibo{t: t, pages: map[int][]answer{}, long: map[string]string{}, show: map[string]string{}, hits: map[int]int{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeWeibo) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.reqs = append(f.reqs, r.Clone(context.Background()))
	f.mu.Unlock()
	switch r.URL.Path {
	case "/api/container/getIndex":
		cid := r.URL.Query().Get("containerid")
		inner, err := url.ParseQuery(cid)
		if err != nil || inner.Get("100103type") != "61" || inner.Get("q") == "" {
			http.Error(w, `{"ok":0,"msg":"bad containerid"}`, 400)
			return
		}
		page := 1
		if p := r.URL.Query().Get("page"); p != "" {
			fmt.Sscan(p, &page)
		}
		var a answer
		f.mu.Lock()
		if ts := inner.Get("timescope"); ts != "" && f.slices != nil {
			parts := strings.Split(strings.TrimPrefix(ts, "custom:"), ":")
			from, _ := time.ParseInLocation("2006-01-02-15", parts[0], China)
			to, _ := time.ParseInLocation("2006-01-02-15", parts[1], China)
			f.mu.Unlock()
			a = f.slices(from, to, page)
		} else {
			script := f.pages[page]
			n := f.hits[page]
			f.hits[page]++
			f.mu.Unlock()
			if len(script) == 0 {
				a = ok(`{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}`)
			} else {
				a = script[min(n, len(script)-1)]
			}
		}
		f.write(w, a)
	case "/detail/5062000000000952":
		f.write(w, ok(`<html><script>var $render_data = [{"status": `+mblog("5062000000000952", "刚刚", "另一条的全文，完整")+`}][0] || {};</script></html>`))
	case "/statuses/show":
		f.mu.Lock()
		data, found := f.show[r.URL.Query().Get("id")]
		f.mu.Unlock()
		if !found {
			http.NotFound(w, r)
			return
		}
		f.write(w, ok(`{"ok":1,"data":`+data+`}`))
	case "/statuses/extend":
		if f.noExtend {
			http.NotFound(w, r)
			return
		}
		f.mu.Lock()
		f.extends++
		text, found := f.long[r.URL.Query().Get("id")]
		f.mu.Unlock()
		if !found {
			f.write(w, ok(`{"ok":0,"msg":"微博不存在"}`))
			return
		}
		b, _ := json.Marshal(map[string]any{"ok": 1, "data": map[string]any{"ok": 1, "longTextContent": text, "reposts_count": 16, "comments_count": "1万+", "attitudes_count": 2400}})
		f.write(w, ok(string(b)))
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeWeibo) write(w http.ResponseWriter, a answer) {
	if a.hangup {
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
		return
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	// The server's clock is the fixed now: its relative times are written
	// against it.
	w.Header().Set("Date", now.Format(http.TimeFormat))
	if strings.HasPrefix(strings.TrimSpace(a.body), "<") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(a.status)
	fmt.Fprint(w, a.body)
}

// mblog renders a post card's mblog.
func mblog(id, created, text string, extra ...string) string {
	m := fmt.Sprintf(`{"id":%q,"mid":%q,"bid":"B%s","created_at":%q,"text":%q,"reposts_count":1,"comments_count":"2","attitudes_count":3,"user":{"id":77%s,"screen_name":"用户%s","followers_count":"1.2万"}`,
		id, id, id, created, text, id[len(id)-3:], id[len(id)-3:])
	for _, e := range extra {
		m += "," + e
	}
	return m + "}"
}

func card9(m string) string { return `{"card_type":9,"mblog":` + m + `}` }

func page(next string, cards ...string) string {
	return `{"ok":1,"data":{"cardlistInfo":{"containerid":"100103type=61&q=x","page":` + next + `,"total":100},"cards":[` + strings.Join(cards, ",") + `]}}`
}

// sinkPosts gathers what a run hands over.
type sinkPosts struct {
	mu    sync.Mutex
	posts []chorus.Post
	calls int
}

func (s *sinkPosts) Put(_ context.Context, posts []chorus.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.posts = append(s.posts, posts...)
	return nil
}

func (s *sinkPosts) byID() map[string]chorus.Post {
	m := map[string]chorus.Post{}
	for _, p := range s.posts {
		m[p.ID] = p
	}
	return m
}

func testOptions(base string) Options {
	return Options{Event: "e1", Query: "乒乓 合影", Base: base, Cookie: NewSecret(testCookie), BackoffMax: 50 * time.Millisecond,
		Now: func() time.Time { return now }}
}

func runOnce(t *testing.T, c *Collector, st collector.Store) (*sinkPosts, *collector.Run, error) {
	t.Helper()
	if st == nil {
		st = collector.NopStore{}
	}
	sink := &sinkPosts{}
	run := collector.NewRun(c.Status(), collector.RunOptions{Store: st})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	run.Start(ctx)
	err := run.Finish(ctx, c.Run(ctx, run, st, sink))
	return sink, run, err
}

func TestSearch(t *testing.T) {
	f, srv := newFake(t)
	long := "这张合影会被记住很久很久，因为它说明了体育精神<span class=\"url-icon\"><img alt=\"[心]\" src=\"x\"></span><br />第二段：<a href='/n/乒乓小迷妹'>@乒乓小迷妹</a> 说得好。"
	f.long["5062000000000002"] = long
	f.pages[1] = []answer{ok(page("2",
		card9(mblog("5062000000000002", "Wed Jul 31 20:15:00 +0800 2024",
			`太感动了<span class="url-icon"><img alt="[心]" src="//h5.sinaimg.cn/m/emoticon/icon/others/l_xin.png" style="width:1em; height:1em;" /></span> <a href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23巴黎奥运%23"><span class="surl-text">#巴黎奥运#</span></a> <a href='/n/乒乓小迷妹'>@乒乓小迷妹</a> 这张合影...<a href="/status/5062000000000002">全文</a>`,
			`"isLongText":true`)),
		`{"card_type":11,"card_group":[{"card_type":10,"user":{"id":1}},`+card9(mblog("5062000000000101", "5分钟前", `哈哈<img alt=[doge] src="x">&quot;好&quot;`))+`]}`,
		`{"card_type":17,"group":[{"title_sub":"热搜"}]}`,
		card9(mblog("5062000000000102", "刚刚", "第一行<br />第二行")),
	))}
	f.pages[2] = []answer{ok(page("3",
		card9(mblog("5062000000000103", "3小时前", "转发微博", `"retweeted_status":`+mblog("5061000000000001", "07-30", "原帖[允悲]"))),
		card9(mblog("5062000000000104", "今天 08:30", `说得对//<a href='/n/某人'>@某人</a>:原话`, `"retweeted_status":`+mblog("5061000000000001", "07-30", "原帖[允悲]"))),
		card9(mblog("5062000000000105", "昨天 23:10", "昨天的")),
		card9(mblog("5062000000000106", "07-31", "前天的")),
		card9(mblog("5062000000000101", "5分钟前", "page 1's again: search repeats itself")),
	))}
	f.pages[3] = []answer{ok(`{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}`)}

	c := NewMobile(testOptions(srv.URL))
	sink, run, err := runOnce(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.byID()
	if len(sink.posts) != 8 || len(got) != 8 {
		ids := []string{}
		for _, p := range sink.posts {
			ids = append(ids, p.ID)
		}
		t.Fatalf("%d posts handed over (%d distinct), want 8 once each: %v", len(sink.posts), len(got), ids)
	}
	for _, p := range sink.posts {
		checkClean(t, p)
		if p.Event != "e1" || p.Source != "weibo-mobile" {
			t.Errorf("post %s: event %q source %q", p.ID, p.Event, p.Source)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("post %s: %v", p.ID, err)
		}
	}
	if p := got["5062000000000002"]; p.Text != "这张合影会被记住很久很久，因为它说明了体育精神[心]\n第二段：@乒乓小迷妹 说得好。" || p.Metrics.Replies != 10000 || p.Metrics.Likes != 2400 {
		t.Errorf("long post not expanded: %q %+v", p.Text, p.Metrics)
	}
	for id, want := range map[string]time.Time{
		"5062000000000002": cn(2024, 7, 31, 20, 15), "5062000000000101": now.Add(-5 * time.Minute), "5062000000000102": now,
		"5062000000000103": now.Add(-3 * time.Hour), "5062000000000104": cn(2024, 8, 1, 8, 30), "5062000000000105": cn(2024, 7, 31, 23, 10),
		"5062000000000106": cn(2024, 7, 31, 0, 0), "5061000000000001": cn(2024, 7, 30, 0, 0),
	} {
		if !got[id].CreatedAt.Equal(want) {
			t.Errorf("post %s created %s, want %s", id, got[id].CreatedAt, want)
		}
	}
	if p := got["5062000000000101"]; p.Text != `哈哈[doge]"好"` || p.Author.Followers != 12000 {
		t.Errorf("card group post: %q %+v", p.Text, p.Author)
	}
	if p := got["5062000000000102"]; p.Text != "第一行\n第二行" {
		t.Errorf("br: %q", p.Text)
	}
	if p := got["5062000000000103"]; p.RepostOf != "5061000000000001" {
		t.Errorf("plain repost: %+v", p)
	}
	if p := got["5062000000000104"]; p.RepostOf != "" || p.QuotedID != "5061000000000001" || p.Text != "说得对" {
		t.Errorf("repost with words: %+v", p)
	}
	if p := got["5061000000000001"]; p.Text != "原帖[允悲]" || p.RepostOf != "" {
		t.Errorf("original: %+v", p)
	}
	st := run.Status()
	if st.Pages != 3 || st.Posts != 8 || st.State != chorus.CollectorDone || !st.NewestPost.Equal(now) {
		t.Errorf("status %+v", st)
	}
	// The requests a browser on m.weibo.cn makes.
	r := f.reqs[0]
	for h, want := range map[string]string{"X-Requested-With": "XMLHttpRequest", "Mweibo-Pwa": "1", "Cookie": testCookie} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if ua := r.Header.Get("User-Agent"); !strings.Contains(ua, "Mobile") {
		t.Errorf("user agent %q is not a phone's", ua)
	}
	if ref := r.Header.Get("Referer"); !strings.HasPrefix(ref, "https://m.weibo.cn/search?containerid=100103type%3D61%26q%3D") {
		t.Errorf("referer %q", ref)
	}
	if q := r.URL.Query(); q.Get("page_type") != "searchall" || !strings.Contains(q.Get("containerid"), "q=乒乓 合影") {
		t.Errorf("query %v", q)
	}
	if f.extends != 1 {
		t.Errorf("%d extend requests, want 1", f.extends)
	}
}

func TestRelativeTimesFollowTheServersClock(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{ok(page("null", card9(mblog("5062000000000901", "5分钟前", "a"))))}
	// The collector's own clock is a day off; the answer's Date is not.
	o := testOptions(srv.URL)
	o.Now = func() time.Time { return now.Add(24 * time.Hour) }
	sink, _, err := runOnce(t, NewMobile(o), nil)
	if err != nil || len(sink.posts) != 1 || !sink.posts[0].CreatedAt.Equal(now.Add(-5*time.Minute)) {
		t.Errorf("posts %+v, %v; want one at now-5m", sink.posts, err)
	}
	o.FixedNow = true // replaying: the clock given wins
	sink, _, err = runOnce(t, NewMobile(o), nil)
	if err != nil || len(sink.posts) != 1 || !sink.posts[0].CreatedAt.Equal(now.Add(24*time.Hour-5*time.Minute)) {
		t.Errorf("fixed now: posts %+v, %v", sink.posts, err)
	}
}

func TestLongTextFallbacks(t *testing.T) {
	f, srv := newFake(t)
	f.noExtend = true
	cut := `开头...<a href="/status/5062000000000951">全文</a>`
	f.pages[1] = []answer{ok(page("null",
		card9(mblog("5062000000000951", "刚刚", cut, `"isLongText":true`)),
		card9(mblog("5062000000000952", "刚刚", `另一条...<a href="/status/5062000000000952">全文</a>`, `"isLongText":true`)),
		card9(mblog("5062000000000953", "刚刚", "短的", `"isLongText":true,"longText":{"longTextContent":"内联的长文，完整"}`)),
		card9(mblog("5062000000000954", "刚刚", `第三条...<a href="/status/5062000000000954">全文</a>`, `"isLongText":true`)),
	))}
	f.show["5062000000000951"] = mblog("5062000000000951", "刚刚", "开头，然后是完整的全文内容<br />第二行")
	sink, _, err := runOnce(t, NewMobile(testOptions(srv.URL)), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.byID()
	if p := got["5062000000000951"]; p.Text != "开头，然后是完整的全文内容\n第二行" {
		t.Errorf("statuses/show fallback: %q", p.Text)
	}
	if p := got["5062000000000952"]; p.Text != "另一条的全文，完整" {
		t.Errorf("detail page fallback: %q", p.Text)
	}
	if p := got["5062000000000954"]; p.Text != "第三条..." {
		t.Errorf("no long text to be had: %q, want the cut text without its 全文 link", p.Text)
	}
	if p := got["5062000000000953"]; p.Text != "内联的长文，完整" {
		t.Errorf("inline long text: %q", p.Text)
	}
}

func TestAnswerWithoutOK(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{ok(`{"data":{"cards":[` + card9(mblog("5062000000000961", "刚刚", "a")) + `]}}`)}
	f.pages[2] = []answer{ok(`{"ok":true,"data":{"cards":[` + card9(mblog("5062000000000962", "刚刚", "b")) + `]}}`)}
	sink, _, err := runOnce(t, NewMobile(testOptions(srv.URL)), nil)
	if err != nil || len(sink.posts) != 2 {
		t.Errorf("posts %d, %v", len(sink.posts), err)
	}
}

func TestThrottleIsWaitedOut(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{
		{status: 418, body: ""},
		{status: 403, body: `{"ok":0,"errno":"100005","msg":"请求过于频繁,歇歇吧"}`},
		{status: 200, body: `{"ok":0,"msg":"请求过于频繁"}`},
		{status: 432, body: "<html>blocked</html>"},
		{status: 200, body: ""},
		ok(page("null", card9(mblog("5062000000000201", "刚刚", "终于")))),
	}
	sink, run, err := runOnce(t, NewMobile(testOptions(srv.URL)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.posts) != 1 {
		t.Errorf("%d posts", len(sink.posts))
	}
	if st := run.Status(); st.RateLimitWaits != 5 || st.State != chorus.CollectorDone {
		t.Errorf("status %+v, want 5 rate-limit waits and done", st)
	}
}

func TestNetworkErrorsRetried(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{{hangup: true}, {status: 502, body: "bad gateway"}, ok(page("null", card9(mblog("5062000000000301", "刚刚", "好"))))}
	sink, run, err := runOnce(t, NewMobile(testOptions(srv.URL)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if st := run.Status(); len(sink.posts) != 1 || st.Errors != 2 {
		t.Errorf("posts %d, status %+v; want 1 post after 2 retried errors", len(sink.posts), st)
	}
}

func TestCookieRejected(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    answer
	}{
		{"ok -100", ok(`{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F"}`)},
		{"login redirect", answer{status: 302, location: "https://passport.weibo.cn/signin/login?entry=mweibo"}},
		{"html login page", ok(`<!DOCTYPE html><html><head><title>微博 - 登录</title></head><body><a href="https://passport.weibo.cn/signin">登录</a></body></html>`)},
		{"visitor page", ok(`<html><head><title>Sina Visitor System</title></head><body></body></html>`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.pages[1] = []answer{ok(page("2", card9(mblog("5062000000000401", "刚刚", "第一页"))))}
			f.pages[2] = []answer{tc.a}
			dir := t.TempDir()
			st, err := embedded.Open(dir, embedded.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.CreateEvent(context.Background(), chorus.Event{ID: "e1", Title: "e1"}); err != nil {
				t.Fatal(err)
			}
			sink, run, err := runOnce(t, NewMobile(testOptions(srv.URL)), st)
			if !collector.IsFatal(err) || !strings.Contains(err.Error(), "cookie rejected: refresh WEIBO_COOKIE") {
				t.Fatalf("err = %v, want the fatal cookie message", err)
			}
			if len(sink.posts) != 1 {
				t.Errorf("page 1's post lost: %d posts", len(sink.posts))
			}
			recs, _ := st.Collectors(context.Background(), "e1")
			if len(recs) != 1 || recs[0].State != chorus.CollectorFailed || !strings.Contains(recs[0].LastError, "cookie rejected") {
				t.Errorf("health %+v", recs)
			}
			rec, _ := json.Marshal(recs)
			for _, leak := range []string{"secret-cookie", "SUBP", err.Error() + "x"} {
				if strings.Contains(string(rec)+err.Error()+run.Line(), leak) && leak != err.Error()+"x" {
					t.Errorf("the cookie shows in the error or health: %s", rec)
				}
			}
			if len(f.reqs) != 2 {
				t.Errorf("%d requests: a rejected cookie is not retried", len(f.reqs))
			}
		})
	}
}

func TestMalformedPageKeepsWhatCameBefore(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{ok(page("2", card9(mblog("5062000000000501", "刚刚", "一"))))}
	f.pages[2] = []answer{ok(page("3", card9(mblog("5062000000000502", "刚刚", "二"))))}
	f.pages[3] = []answer{ok(`{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"50620`)}
	sink, _, err := runOnce(t, NewMobile(testOptions(srv.URL)), nil)
	if err == nil || !strings.Contains(err.Error(), "page 3") || !strings.Contains(err.Error(), "malformed page") {
		t.Fatalf("err = %v, want page 3 named as malformed", err)
	}
	if len(sink.posts) != 2 {
		t.Errorf("%d posts kept, want 2", len(sink.posts))
	}
}

func TestCheckpointStopsRerun(t *testing.T) {
	f, srv := newFake(t)
	// Newest first: an hour a page.
	for p := 1; p <= 5; p++ {
		t0 := now.Add(-time.Duration(p-1) * time.Hour)
		f.pages[p] = []answer{ok(page(fmt.Sprint(p+1),
			card9(mblog(fmt.Sprintf("50620000000%05d", p*10+1), t0.In(China).Format(time.RubyDate), "a")),
			card9(mblog(fmt.Sprintf("50620000000%05d", p*10+2), t0.Add(-30*time.Minute).In(China).Format(time.RubyDate), "b"))))}
	}
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	first, _, err := runOnce(t, NewMobile(testOptions(srv.URL)), st)
	if err != nil || len(first.posts) != 10 {
		t.Fatalf("first run: %d posts, %v", len(first.posts), err)
	}
	before := len(f.reqs)
	// An hour later, one new post on top.
	later := now.Add(time.Hour)
	f.mu.Lock()
	for p := 6; p >= 2; p-- {
		f.pages[p] = f.pages[p-1]
	}
	f.pages[1] = []answer{ok(page("2", card9(mblog("5062000000099999", later.In(China).Format(time.RubyDate), "new"))))}
	f.hits = map[int]int{}
	f.mu.Unlock()
	o := testOptions(srv.URL)
	o.Now = func() time.Time { return later }
	second, _, err := runOnce(t, NewMobile(o), st)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.reqs) - before; n != 3 {
		t.Errorf("rerun fetched %d pages, want 3 (the new post's, the checkpoint's, and the first page wholly older)", n)
	}
	if len(second.posts) != 5 || second.byID()["5062000000099999"].ID == "" {
		t.Errorf("rerun posts %+v", second.posts)
	}
}

func TestSlicesAndThePageCap(t *testing.T) {
	f, srv := newFake(t)
	// A post every two hours from 30 July 12:00 to 1 August 10:00 (China
	// time), and a busy hour, 31 July 20:00-21:00, with eight more.
	type post struct {
		id string
		at time.Time
	}
	var all []post
	for at := cn(2024, 7, 30, 12, 0); !at.After(now); at = at.Add(2 * time.Hour) {
		all = append(all, post{fmt.Sprintf("50620000%08d", at.Unix()/60), at})
	}
	busy := cn(2024, 7, 31, 20, 0)
	for i := 1; i <= 8; i++ {
		at := busy.Add(time.Duration(i*6) * time.Minute)
		all = append(all, post{fmt.Sprintf("50620000%08d", at.Unix()/60), at})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.After(all[j].at) })
	serve := func(from, to time.Time, pg int) answer {
		var in []post
		for _, p := range all {
			if (from.IsZero() || !p.at.Before(from)) && (to.IsZero() || p.at.Before(to)) {
				in = append(in, p)
			}
		}
		lo, hi := (pg-1)*2, min(pg*2, len(in))
		if lo >= len(in) {
			return ok(`{"ok":0,"msg":"这里还没有内容"}`)
		}
		var cards []string
		for _, p := range in[lo:hi] {
			cards = append(cards, card9(mblog(p.id, p.at.In(China).Format(time.RubyDate), "x")))
		}
		next := fmt.Sprint(pg + 1)
		if hi == len(in) {
			next = "null"
		}
		return ok(page(next, cards...))
	}
	var mu sync.Mutex
	var asked []string
	f.slices = func(from, to time.Time, pg int) answer {
		mu.Lock()
		if pg == 1 {
			asked = append(asked, from.In(China).Format("01-02T15")+"/"+to.In(China).Format("01-02T15"))
		}
		mu.Unlock()
		return serve(from, to, pg)
	}
	for pg := 1; pg <= 20; pg++ {
		f.pages[pg] = []answer{serve(time.Time{}, time.Time{}, pg)}
	}
	o := testOptions(srv.URL)
	o.Start = cn(2024, 7, 30, 12, 0)
	o.MaxPages = 3
	c := NewMobile(o)
	sink, run, err := runOnce(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Capped()) != 1 || !strings.Contains(c.Capped()[0], "slice 2024-07-31T12:00Z–2024-07-31T13:00Z hit the 3-page cap") {
		t.Errorf("capped %q, want the busy hour named; slices asked %v", c.Capped(), asked)
	}
	if st := run.Status(); !strings.Contains(st.Note, "hit the 3-page cap") {
		t.Errorf("note %q", st.Note)
	}
	got := sink.byID()
	missing := 0
	for _, p := range all {
		if _, ok := got[p.id]; !ok {
			missing++
			if p.at.Before(busy) || !p.at.Before(busy.Add(time.Hour)) {
				t.Errorf("post at %s not collected", p.at.In(China))
			}
		}
	}
	if missing != 3 { // the busy hour holds 9 posts; 3 pages of 2 reach 6
		t.Errorf("%d posts missing, want 3 (the busy hour's overflow); slices asked %v", missing, asked)
	}
}

// Slices of a capped search whose older posts show only their day
// ("07-30", as the mobile web writes posts before yesterday) are paged to
// their end: a day read as its midnight is not older than a slice that
// starts later that day, and pages the wider slice already served still
// say where the slice is; a post of the window's first day is kept though
// its day's midnight is before the window's start. Every post is
// collected.
func TestSlicesOfDayOnlyDates(t *testing.T) {
	f, srv := newFake(t)
	type post struct {
		id string
		at time.Time
	}
	var all []post
	for at := cn(2024, 7, 30, 12, 10); !at.After(now); at = at.Add(30 * time.Minute) {
		all = append(all, post{fmt.Sprintf("50620000%08d", at.Unix()/60), at})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.After(all[j].at) })
	shown := func(at time.Time) string {
		if at.In(China).Day() == 30 {
			return at.In(China).Format("01-02") // day precision only
		}
		return at.In(China).Format(time.RubyDate)
	}
	serve := func(from, to time.Time, pg int) answer {
		var in []post
		for _, p := range all {
			if (from.IsZero() || !p.at.Before(from)) && (to.IsZero() || p.at.Before(to)) {
				in = append(in, p)
			}
		}
		lo, hi := (pg-1)*5, min(pg*5, len(in))
		if lo >= len(in) {
			return ok(`{"ok":0,"msg":"这里还没有内容"}`)
		}
		var cards []string
		for _, p := range in[lo:hi] {
			cards = append(cards, card9(mblog(p.id, shown(p.at), "x")))
		}
		next := fmt.Sprint(pg + 1)
		if hi == len(in) {
			next = "null"
		}
		return ok(page(next, cards...))
	}
	f.slices = serve
	for pg := 1; pg <= 30; pg++ {
		f.pages[pg] = []answer{serve(time.Time{}, time.Time{}, pg)}
	}
	o := testOptions(srv.URL)
	o.Start = cn(2024, 7, 30, 12, 0)
	o.MaxPages = 4
	c := NewMobile(o)
	sink, _, err := runOnce(t, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.byID()
	for _, p := range all {
		if _, ok := got[p.id]; !ok {
			t.Errorf("post at %s (shown %q) not collected", p.at.In(China).Format("01-02 15:04"), shown(p.at))
		}
	}
	if len(c.Capped()) != 0 {
		t.Errorf("capped %q: no hour holds more than a page", c.Capped())
	}

}

func TestPastWindow(t *testing.T) {
	f, srv := newFake(t)
	// The server ignores timescope: newest first, a post after the
	// window's end on top.
	f.pages[1] = []answer{ok(page("2",
		card9(mblog("5062000000001001", "刚刚", "after the window")),
		card9(mblog("5062000000001002", "Wed Jul 31 20:00:00 +0800 2024", "in it")),
	))}
	f.pages[2] = []answer{ok(page("null", card9(mblog("5062000000001003", "Tue Jul 30 20:00:00 +0800 2024", "before it"))))}
	o := testOptions(srv.URL)
	o.Start, o.End = cn(2024, 7, 31, 0, 0), cn(2024, 7, 31, 23, 0)
	sink, _, err := runOnce(t, NewMobile(o), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.byID()
	if _, ok := got["5062000000001002"]; !ok || len(got) != 1 {
		t.Errorf("posts %v: only the one inside the window is kept", got)
	}
	if ts := f.reqs[0].URL.Query().Get("containerid"); !strings.Contains(ts, "timescope=custom:2024-07-31-00:2024-07-31-23") {
		t.Errorf("a past window is asked as a time range: %s", ts)
	}
}

func TestSearchIgnoringTimescopeIsOneQuery(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{ok(page("2", card9(mblog("5062000000000601", "刚刚", "a"))))}
	f.pages[2] = []answer{ok(page("null", card9(mblog("5062000000000602", "Mon Jul 29 10:00:00 +0800 2024", "b"))))}
	o := testOptions(srv.URL)
	o.Start = cn(2024, 7, 25, 0, 0)
	sink, _, err := runOnce(t, NewMobile(o), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.byID()) != 2 {
		t.Errorf("%d posts", len(sink.byID()))
	}
	if len(f.reqs) > 4 {
		t.Errorf("%d requests: the slices should give way to one query", len(f.reqs))
	}
}

func TestRepeatedPagesEndTheSearch(t *testing.T) {
	f, srv := newFake(t)
	p := ok(page("2", card9(mblog("5062000000000991", "刚刚", "a")), card9(mblog("5062000000000992", "刚刚", "b"))))
	for i := 1; i <= 60; i++ {
		f.pages[i] = []answer{p} // a server that serves its last page for ever
	}
	sink, _, err := runOnce(t, NewMobile(testOptions(srv.URL)), nil)
	if err != nil || len(sink.posts) != 2 || len(f.reqs) != 3 {
		t.Errorf("posts %d, requests %d, %v; want 2 posts in 3 requests", len(sink.posts), len(f.reqs), err)
	}
}

func TestFollowPolls(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{ok(page("null", card9(mblog("5062000000000701", "刚刚", "a"))))}
	o := testOptions(srv.URL)
	o.Follow, o.Poll = true, 20*time.Millisecond
	c := NewMobile(o)
	sink := &sinkPosts{}
	run := collector.NewRun(c.Status(), collector.RunOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	run.Start(ctx)
	if err := run.Finish(ctx, c.Run(ctx, run, collector.NopStore{}, sink)); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock() // a poll may still be in flight as the run stops
	polls := f.hits[1]
	f.mu.Unlock()
	if polls < 3 {
		t.Errorf("%d polls in 400ms at 20ms", polls)
	}
	if len(sink.posts) != 1 || run.Status().State != chorus.CollectorStopped {
		t.Errorf("posts %d (a repeat is not handed over again), state %s", len(sink.posts), run.Status().State)
	}
}

func TestFollowOutlastsAMalformedPage(t *testing.T) {
	f, srv := newFake(t)
	f.pages[1] = []answer{ok(`{"ok":1,"data":{"cards":[{"card_type":9,`), ok(page("null", card9(mblog("5062000000000801", "刚刚", "a"))))}
	o := testOptions(srv.URL)
	o.Follow, o.Poll = true, 20*time.Millisecond
	c := NewMobile(o)
	sink := &sinkPosts{}
	run := collector.NewRun(c.Status(), collector.RunOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	run.Start(ctx)
	if err := run.Finish(ctx, c.Run(ctx, run, collector.NopStore{}, sink)); err != nil {
		t.Fatal(err)
	}
	if st := run.Status(); len(sink.posts) != 1 || st.Errors != 1 || !strings.Contains(st.LastError, "malformed page") {
		t.Errorf("posts %d, status %+v", len(sink.posts), st)
	}
}

func TestOpenAPI(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if r.URL.Path != "/2/search/topics.json" || r.URL.Query().Get("access_token") != "tok-secret-123" || r.URL.Query().Get("q") != "乒乓" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"bad request","error_code":10016}`)
			return
		}
		switch {
		case n == 1:
			w.WriteHeader(403)
			fmt.Fprint(w, `{"error":"User requests out of rate limit!","error_code":10023,"request":"/2/search/topics.json"}`)
		case r.URL.Query().Get("page") == "1":
			fmt.Fprint(w, `{"statuses":[{"created_at":"Wed Jul 31 20:15:00 +0800 2024","id":5062000000000001,"idstr":"5062000000000001","text":"国乒夺冠！[心]","reposts_count":12,"comments_count":30,"attitudes_count":251,"user":{"id":7700000001,"screen_name":"乒乓小迷妹","followers_count":5320}},`+
				`{"created_at":"Wed Jul 31 21:15:00 +0800 2024","id":9007199254740993,"text":"长文开头","isLongText":true,"longText":{"longTextContent":"长文开头和结尾"},"user":{"id":1,"screen_name":"长"}}],"total_number":120}`)
		case r.URL.Query().Get("page") == "2":
			fmt.Fprint(w, `{"statuses":[{"created_at":"Wed Jul 31 22:00:00 +0800 2024","id":5062000000000003,"text":"转发微博","user":{"id":2,"screen_name":"转"},"retweeted_status":{"created_at":"Wed Jul 31 20:15:00 +0800 2024","id":5062000000000001,"text":"国乒夺冠！[心]","user":{"id":7700000001,"screen_name":"乒乓小迷妹"}}}],"total_number":120}`)
		default:
			fmt.Fprint(w, `{"statuses":[],"total_number":3}`)
		}
	}))
	defer srv.Close()
	o := testOptions(srv.URL)
	o.Query, o.Cookie, o.Token = "乒乓", Secret{}, NewSecret("tok-secret-123")
	// 59:59.2 past the hour: the hourly limit resets in under a second.
	at := time.Date(2024, 8, 1, 2, 59, 59, 200e6, time.UTC)
	o.Now = func() time.Time { return at }
	sink, run, err := runOnce(t, NewAPI(o), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := sink.byID()
	if len(sink.posts) != 3 || got["9007199254740993"].Text != "长文开头和结尾" || got["5062000000000003"].RepostOf != "5062000000000001" || got["5062000000000001"].Source != "weibo-api" {
		t.Errorf("posts %+v", sink.posts)
	}
	if st := run.Status(); st.RateLimitWaits != 1 {
		t.Errorf("status %+v", st)
	}
}

func TestOpenAPITokenExpired(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"expired_token %s","error_code":21327,"request":"/2/search/topics.json"}`, r.URL.Query().Get("access_token"))
	}))
	defer srv.Close()
	o := testOptions(srv.URL)
	o.Token = NewSecret("tok-secret-456")
	_, run, err := runOnce(t, NewAPI(o), nil)
	if !collector.IsFatal(err) || !strings.Contains(err.Error(), "WEIBO_ACCESS_TOKEN has expired") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error()+run.Status().LastError, "tok-secret") {
		t.Errorf("token leaked: %v / %s", err, run.Status().LastError)
	}
}

func TestCookieWithALineBreak(t *testing.T) {
	_, srv := newFake(t)
	o := testOptions(srv.URL)
	o.Cookie = NewSecret("SUB=abc\nSUBP=def")
	_, _, err := runOnce(t, NewMobile(o), nil)
	if !collector.IsFatal(err) || !strings.Contains(err.Error(), "WEIBO_COOKIE holds a line break") || strings.Contains(err.Error(), "abc") {
		t.Errorf("err = %v", err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := NewSecret("SUB=very-secret")
	b, _ := json.Marshal(struct{ C Secret }{s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %s %q %+v %#v %x", s, s, s, s, s, s), string(b), fmt.Sprintf("%v", Options{Cookie: s})} {
		if strings.Contains(out, "very-secret") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if s.Reveal() != "SUB=very-secret" {
		t.Error("Reveal")
	}
	if errors.Is(nil, nil) != true {
		t.Fatal()
	}
}
