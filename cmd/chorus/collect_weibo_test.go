package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

const weiboTestCookie = "SUB=_2A25cli-secret-cookie; SUBP=0033"

// weiboServer speaks m.weibo.cn's search and long-text answers: three
// pages of posts (a card group, string counts, relative times, HTML with
// emoticons and mentions, a long post, reposts), then the end.
type weiboServer struct {
	mu     sync.Mutex
	hits   int
	reject bool // answer as to an expired cookie
	first  map[int]bool
}

func (ws *weiboServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws.mu.Lock()
	ws.hits++
	reject := ws.reject
	if ws.first == nil {
		ws.first = map[int]bool{}
	}
	ws.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if r.Header.Get("Cookie") != weiboTestCookie || reject {
		w.Header().Set("Location", "https://passport.weibo.cn/signin/login?entry=mweibo&r="+r.URL.String())
		w.WriteHeader(http.StatusFound)
		return
	}
	if r.URL.Path == "/statuses/extend" {
		fmt.Fprint(w, `{"ok":1,"data":{"ok":1,"longTextContent":"长文的开头，中间还有很多字，结尾在这里[心]"}}`)
		return
	}
	mb := func(id, created, text, extra string) string {
		b, _ := json.Marshal(text)
		return fmt.Sprintf(`{"card_type":9,"mblog":{"id":"%s","created_at":"%s","text":%s,"reposts_count":"1万+","comments_count":2,"attitudes_count":"1.2万","user":{"id":77%s,"screen_name":"用户%s"}%s}}`, id, created, b, id[12:], id[12:], extra)
	}
	var page int
	fmt.Sscan(r.URL.Query().Get("page"), &page)
	if page == 0 {
		page = 1
	}
	ws.mu.Lock()
	throttle := page == 2 && !ws.first[2]
	ws.first[page] = true
	ws.mu.Unlock()
	if throttle {
		w.WriteHeader(418)
		return
	}
	switch page {
	case 1:
		fmt.Fprint(w, `{"ok":1,"data":{"cardlistInfo":{"page":2},"cards":[`+
			mb("5062000000000001", "刚刚", `太感动了<span class="url-icon"><img alt="[心]" src="x"></span> <a href='/n/乒乓小迷妹'>@乒乓小迷妹</a>`, "")+`,`+
			`{"card_type":11,"card_group":[`+mb("5062000000000002", "10分钟前", "哈哈<img alt=[doge] src=x><br />笑死", "")+`]},`+
			mb("5062000000000003", "Wed Jul 31 20:15:00 +0800 2024", `长文的开头...<a href="/status/5062000000000003">全文</a>`, `,"isLongText":true`)+
			`]}}`)
	case 2:
		orig := `,"retweeted_status":{"id":"5061000000000001","created_at":"Tue Jul 30 09:00:00 +0800 2024","text":"原帖","user":{"id":7,"screen_name":"原作者"}}`
		fmt.Fprint(w, `{"ok":1,"data":{"cardlistInfo":{"page":3},"cards":[`+
			mb("5062000000000004", "1小时前", "转发微博", orig)+`,`+
			mb("5062000000000005", "2小时前", "同意//<a href='/n/某人'>@某人</a>:嗯", orig)+
			`]}}`)
	default:
		fmt.Fprint(w, `{"ok":0,"msg":"这里还没有内容","data":{"cards":[]}}`)
	}
}

func TestCollectWeibo(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			ws := &weiboServer{}
			srv := httptest.NewServer(ws)
			defer srv.Close()
			dir := t.TempDir()
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "WEIBO_COOKIE=" + weiboTestCookie, "CHORUS_BACKOFF_MAX=100ms"}
			if store == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			if r := chorusCmd(t, dir, "", env, "event", "create", "--id", "selfie", "--title", "合影", "--query-weibo", "乒乓 合影"); r.code != 0 {
				t.Fatalf("event create: %s", r.stderr)
			}
			before := time.Now()
			r := chorusCmd(t, dir, "", env, "collect", "weibo", "--event", "selfie", "--api-base", srv.URL)
			// 5 posts on the pages and the original two reposts carry.
			if r.code != 0 || r.lastLine() != `{"read":6,"accepted":6,"duplicates":0,"rejected":0}` {
				t.Fatalf("exit %d, summary %s; stderr:\n%s", r.code, r.lastLine(), r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, "cli-secret-cookie") {
				t.Errorf("the cookie shows in the output:\n%s", r.stderr)
			}
			sum := storeSummary(t, store, env, "selfie")
			if sum.Total != 5 || sum.Reposts != 1 || sum.ByPlatform[chorus.Weibo].Total != 5 {
				t.Errorf("summary %+v, want 5 posts and 1 repost folded", sum)
			}
			// The posts as the API lists them.
			base, stop := serve(t, dir, env)
			posts := getPosts(t, base, "selfie")
			if len(posts) != 5 {
				t.Fatalf("%d posts listed, want 5", len(posts))
			}
			byID := map[string]chorus.Post{}
			for _, p := range posts {
				byID[p.ID] = p
				if strings.ContainsAny(p.Text, "<>") || strings.Contains(p.Text, "全文") {
					t.Errorf("post %s text %q", p.ID, p.Text)
				}
			}
			if p := byID["5062000000000001"]; p.Text != "太感动了[心] @乒乓小迷妹" || p.CreatedAt.Before(before.Add(-2*time.Second)) || p.CreatedAt.After(time.Now()) {
				t.Errorf("post 1: %q at %s", p.Text, p.CreatedAt)
			}
			if p := byID["5062000000000002"]; p.Text != "哈哈[doge]\n笑死" || p.Metrics.Likes != 12000 || p.Metrics.Reposts != 10000 {
				t.Errorf("post 2: %q %+v", p.Text, p.Metrics)
			}
			if d := before.Add(-10 * time.Minute).Sub(byID["5062000000000002"].CreatedAt); d < -time.Minute || d > time.Minute {
				t.Errorf("10分钟前 is %s off", d)
			}
			if p := byID["5062000000000003"]; p.Text != "长文的开头，中间还有很多字，结尾在这里[心]" || !p.CreatedAt.Equal(time.Date(2024, 7, 31, 12, 15, 0, 0, time.UTC)) {
				t.Errorf("long post: %q %s", p.Text, p.CreatedAt)
			}
			if p := byID["5062000000000005"]; p.Text != "同意" || p.QuotedID != "5061000000000001" {
				t.Errorf("repost with words: %+v", p)
			}
			if _, ok := byID["5062000000000004"]; ok {
				t.Error("a plain repost is listed as a post")
			}
			health := getCollectors(t, base, "selfie")
			stop()
			if len(health) != 1 || health[0].Name != "weibo-mobile" || health[0].State != chorus.CollectorDone || health[0].RateLimitWaits != 1 || health[0].Posts != 6 {
				t.Errorf("health %+v, want weibo-mobile done with 6 posts and the 418 waited out", health)
			}

			// A rerun stops at what the first one has: one page.
			ws.mu.Lock()
			hits := ws.hits
			ws.mu.Unlock()
			again := chorusCmd(t, dir, "", env, "collect", "weibo", "--event", "selfie", "--api-base", srv.URL)
			ws.mu.Lock()
			n := ws.hits - hits
			ws.mu.Unlock()
			if again.code != 0 || n > 3 {
				t.Errorf("rerun: exit %d, %d requests (want the first page or two and its long post); stderr:\n%s", again.code, n, again.stderr)
			}
			if s := storeSummary(t, store, env, "selfie"); s.Total != 5 || s.Reposts != 1 {
				t.Errorf("after the rerun: %d posts, %d reposts", s.Total, s.Reposts)
			}

			// An expired cookie stops the run, says what to do and shows
			// in the health record, never the cookie itself.
			ws.mu.Lock()
			ws.reject = true
			ws.mu.Unlock()
			bad := chorusCmd(t, dir, "", env, "collect", "weibo", "--event", "selfie", "--api-base", srv.URL)
			if bad.code != 1 || !strings.Contains(bad.stderr, "cookie rejected: refresh WEIBO_COOKIE") || strings.Contains(bad.stderr, "cli-secret") {
				t.Errorf("expired cookie: exit %d, stderr:\n%s", bad.code, bad.stderr)
			}
			base, stop = serve(t, dir, env)
			health = getCollectors(t, base, "selfie")
			raw := getRaw(t, base+"/api/v1/events/selfie/collectors")
			stop()
			if len(health) != 1 || health[0].State != chorus.CollectorFailed || !strings.Contains(health[0].LastError, "cookie rejected: refresh WEIBO_COOKIE") || strings.Contains(raw, "cli-secret") {
				t.Errorf("health after the expired cookie: %s", raw)
			}
		})
	}
}

func getPosts(t *testing.T, base, event string) []chorus.Post {
	t.Helper()
	var page chorus.PostPage
	if err := json.Unmarshal([]byte(getRaw(t, base+"/api/v1/events/"+event+"/posts?limit=100")), &page); err != nil {
		t.Fatal(err)
	}
	return page.Posts
}

func getCollectors(t *testing.T, base, event string) []chorus.CollectorStatus {
	t.Helper()
	raw := getRaw(t, base+"/api/v1/events/"+event+"/collectors")
	var list []chorus.CollectorStatus
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		var wrapped struct {
			Collectors []chorus.CollectorStatus `json:"collectors"`
		}
		if err2 := json.Unmarshal([]byte(raw), &wrapped); err2 != nil {
			t.Fatalf("collectors: %v: %s", err, raw)
		}
		list = wrapped.Collectors
	}
	return list
}

func getRaw(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

// TestCollectWeiboBadPost: a post that cannot be read is named and counted
// as rejected (exit 2), the others stored.
func TestCollectWeiboBadPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") != "1" {
			fmt.Fprint(w, `{"ok":0,"msg":"这里还没有内容"}`)
			return
		}
		fmt.Fprint(w, `{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"5062000000000001","created_at":"某天","text":"坏的","user":{"id":1}}},`+
			`{"card_type":9,"mblog":{"id":"5062000000000002","created_at":"刚刚","text":"好的","user":{"id":2}}}]}}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "WEIBO_COOKIE=" + weiboTestCookie}
	r := chorusCmd(t, dir, "", env, "collect", "weibo", "--event", "e", "--query", "q", "--api-base", srv.URL)
	if r.code != 2 || r.lastLine() != `{"read":2,"accepted":1,"duplicates":0,"rejected":1}` || !strings.Contains(r.stderr, `cards[0].mblog.created_at: not a Weibo time: "某天"`) {
		t.Errorf("exit %d, summary %s; stderr:\n%s", r.code, r.lastLine(), r.stderr)
	}
}

func TestServeCollectsWeibo(t *testing.T) {
	ws := &weiboServer{}
	srv := httptest.NewServer(ws)
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "WEIBO_COOKIE=" + weiboTestCookie, "CHORUS_BACKOFF_MAX=100ms", "CHORUS_WEIBO_API_BASE=" + srv.URL}
	start := "2024-07-01T00:00:00Z"
	for _, ev := range [][]string{
		{"--id", "live", "--title", "直播", "--query-weibo", "乒乓", "--start", start},
		{"--id", "over", "--title", "结束了", "--query-weibo", "乒乓", "--start", "2024-06-01T00:00:00Z", "--end", "2024-06-02T00:00:00Z"},
		{"--id", "xonly", "--title", "x", "--query-x", "ping pong"},
	} {
		if r := chorusCmd(t, dir, "", env, append([]string{"event", "create"}, ev...)...); r.code != 0 {
			t.Fatalf("event create: %s", r.stderr)
		}
	}
	base, stop := serve(t, dir, env, "--collect")
	var health []chorus.CollectorStatus
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		health = getCollectors(t, base, "live")
		if len(health) == 1 && health[0].Posts == 6 && health[0].State == chorus.CollectorWaiting {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(health) != 1 || health[0].Name != "weibo-mobile" || health[0].Posts != 6 || health[0].Mode != "follow" || health[0].Query != "乒乓" {
		t.Fatalf("live event's collectors: %+v\n%s", health, stop())
	}
	if got := getCollectors(t, base, "over"); len(got) != 1 || got[0].State != chorus.CollectorStopped || got[0].Posts != 0 ||
		!strings.Contains(got[0].Note, "not collecting: its window ended at 2024-06-02T00:00:00Z") {
		t.Errorf("an event whose window is over: collectors %+v; want none running, and a note saying why", got)
	}
	sum := getSummary(t, base, "live")
	if sum.Total != 5 {
		t.Errorf("live total %d, want 5", sum.Total)
	}
	metrics := getRaw(t, base+"/metrics")
	if !strings.Contains(metrics, `chorus_collector_posts_total{collector="weibo-mobile",event="live",platform="weibo"} 6`) {
		t.Errorf("/metrics lacks the Weibo collector's posts:\n%s", grepLines(metrics, "chorus_collector"))
	}
	stop()

	// An expired cookie shows on the collectors route as such.
	ws.mu.Lock()
	ws.reject = true
	ws.mu.Unlock()
	if r := chorusCmd(t, dir, "", env, "event", "create", "--id", "live2", "--title", "又一个", "--query-weibo", "合影", "--start", start); r.code != 0 {
		t.Fatal(r.stderr)
	}
	base, stop = serve(t, dir, env, "--collect")
	defer stop()
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		health = getCollectors(t, base, "live2")
		if len(health) == 1 && health[0].State == chorus.CollectorFailed {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	raw := getRaw(t, base+"/api/v1/events/live2/collectors")
	if len(health) != 1 || !strings.Contains(health[0].LastError, "cookie rejected: refresh WEIBO_COOKIE") || strings.Contains(raw, "cli-secret") {
		t.Errorf("health with an expired cookie: %s", raw)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
