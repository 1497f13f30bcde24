package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/x"
	"github.com/chorus-news/chorus/collector/x/xtest"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

const testXToken = "AAAAAAAAAAAAAAAAAAAAAtest%2Bbearer%3Dtoken"

var xLangs = []struct{ lang, text string }{
	{"en", "What a moment for table tennis, truly lovely %d"},
	{"zh", "这张合影太暖了，体育就该是这样 %d"},
	{"ja", "卓球の写真、最高でした %d"},
	{"es", "¡Qué bonita foto! El deporte une %d"},
	{"ko", "정말 멋진 사진이에요 %d"},
}

// xCorpus is n results over the last hours plus one retweeted original:
// every 10th result a plain retweet of it.
func xCorpus(n int) ([]xtest.User, []xtest.Tweet, int) {
	now := time.Now().UTC()
	users := []xtest.User{{ID: "91000001", Username: "desk_reader", Name: "Desk Reader", Followers: 120}, {ID: "91000003", Username: "pingpongfan", Name: "PP Fan", Followers: 5021}}
	at := now.Add(-30 * time.Hour).Truncate(time.Millisecond)
	orig := xtest.Tweet{ID: xtest.Snowflake(at, 1), Text: "Best selfie of the Games, no contest", AuthorID: "91000003", CreatedAt: at, Lang: "en", Context: true}
	tweets := []xtest.Tweet{orig}
	retweets := 0
	for i := range n {
		at := now.Add(-time.Duration(n-i) * 5 * time.Second).Truncate(time.Millisecond)
		l := xLangs[i%len(xLangs)]
		t := xtest.Tweet{ID: xtest.Snowflake(at, i), Text: fmt.Sprintf(l.text, i), AuthorID: "91000001", CreatedAt: at, Lang: l.lang}
		if i%10 == 9 {
			t.RetweetOf, t.Text, t.Lang = orig.ID, "RT @pingpongfan: Best selfie of the…", "en"
			retweets++
		}
		tweets = append(tweets, t)
	}
	return users, tweets, retweets
}

func openTestStore(t *testing.T, kind string, env []string) interface {
	Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error)
	Collectors(ctx context.Context, event string) ([]chorus.CollectorStatus, error)
	Close() error
} {
	t.Helper()
	if kind == "redis" {
		s, err := redis.Open(context.Background(), redisURL, redis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := embedded.Open(strings.TrimPrefix(env[0], "CHORUS_DATA_DIR="), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// chorus collect x against a stand-in X: 3,000 posts over 30 pages with a
// 429 (waited out) and a 503 (retried) on the way; every post counted
// once, retweets folded, languages kept; the rerun adds nothing and asks
// only for newer posts. On both stores.
func TestCollectXSearch(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			users, tweets, retweets := xCorpus(3000)
			srv := xtest.New(testXToken, users, tweets)
			defer srv.Close()
			srv.Overlap = 2 // the same post on two pages
			srv.Script(
				xtest.Fault{Path: "/2/tweets/search/recent", Skip: 4, Status: 429, ResetIn: 2 * time.Second, Body: `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`},
				xtest.Fault{Path: "/2/tweets/search/recent", Skip: 11, Status: 503, Body: `{"title":"Service Unavailable","type":"about:blank","status":503}`},
			)
			dir := t.TempDir()
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "X_BEARER_TOKEN=" + testXToken}
			if store == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			r := chorusCmd(t, dir, "", env, "event", "create", "--id", "tt", "--title", "Podium selfie", "--query-x", "podium selfie -is:nullcast")
			if r.code != 0 {
				t.Fatalf("event create: %d %s", r.code, r.stderr)
			}
			r = chorusCmd(t, dir, "", env, "collect", "x", "--event", "tt", "--api-base", srv.URL)
			if r.code != 0 {
				t.Fatalf("collect x: exit %d\n%s", r.code, r.stderr)
			}
			results := len(tweets) - 1
			var sum importSummary
			if err := json.Unmarshal([]byte(r.lastLine()), &sum); err != nil {
				t.Fatalf("summary line %q: %v", r.lastLine(), err)
			}
			// Every result once, the original once, the overlap's repeats
			// and the original's repeats as duplicates.
			if sum.Accepted != int64(results+1) || sum.Rejected != 0 || sum.Read != sum.Accepted+sum.Duplicates {
				t.Errorf("summary %+v, want %d accepted", sum, results+1)
			}
			if !strings.Contains(r.stderr, "rate limited") || !strings.Contains(r.stderr, "waiting") || !strings.Contains(r.stderr, "503") {
				t.Errorf("stderr does not tell of the 429 wait and the 503:\n%s", r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, testXToken) {
				t.Error("the bearer token was printed")
			}
			reqs := srv.Requests("/2/tweets/search/recent")
			if d := reqs[5].At.Sub(reqs[4].At); d < time.Second {
				t.Errorf("the request after the 429 came %v later: the reset was 2s ahead", d)
			}
			if reqs[0].Query["query"] != "podium selfie -is:nullcast" {
				t.Errorf("query %q, want the event's query_x", reqs[0].Query["query"])
			}
			st := openTestStore(t, store, env)
			s, err := st.Summary(context.Background(), "tt", "")
			if err != nil {
				t.Fatal(err)
			}
			if s.Total != int64(results-retweets+1) || s.Reposts != int64(retweets) {
				t.Errorf("total %d, reposts folded %d; want %d posts and %d retweets", s.Total, s.Reposts, results-retweets+1, retweets)
			}
			// Every 10th result is a retweet (folded): those fall on ko.
			for l, want := range map[string]int64{"zh": 600, "ja": 600, "es": 600, "ko": 300, "en": 601} {
				if s.ByLang[l] != want {
					t.Errorf("by_lang[%s] = %d, want %d (%v)", l, s.ByLang[l], want, s.ByLang)
				}
			}
			health, err := st.Collectors(context.Background(), "tt")
			if err != nil || len(health) != 1 || health[0].Name != x.NameSearch || health[0].State != chorus.CollectorDone || health[0].RateLimitWaits != 1 || health[0].Pages < 30 {
				t.Errorf("collector health %+v (%v)", health, err)
			}
			st.Close()

			// The rerun asks for what is newer than the newest post, and
			// adds nothing.
			n := len(reqs)
			r = chorusCmd(t, dir, "", env, "collect", "x", "--event", "tt", "--api-base", srv.URL)
			if got := r.lastLine(); r.code != 0 || got != `{"read":0,"accepted":0,"duplicates":0,"rejected":0}` {
				t.Errorf("rerun: exit %d, summary %s\n%s", r.code, got, r.stderr)
			}
			reqs = srv.Requests("/2/tweets/search/recent")[n:]
			if len(reqs) != 1 || reqs[0].Query["since_id"] != tweets[len(tweets)-1].ID {
				t.Errorf("rerun requests %+v, want one with since_id=%s", reqs, tweets[len(tweets)-1].ID)
			}
		})
	}
}

func TestCollectXFaults(t *testing.T) {
	srv := xtest.New(testXToken, nil, nil)
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	r := chorusCmd(t, dir, "", env, "collect", "x", "--event", "tt", "--query", "q", "--api-base", srv.URL)
	if r.code != 2 || !strings.Contains(r.stderr, "X_BEARER_TOKEN") {
		t.Errorf("no token: exit %d, stderr %s", r.code, r.stderr)
	}
	r = chorusCmd(t, dir, "", append(env, "X_BEARER_TOKEN=not-the-token"), "collect", "x", "--event", "tt", "--query", "q", "--api-base", srv.URL)
	if r.code != 1 || !strings.Contains(r.stderr, "X rejected the bearer token") || strings.Contains(r.stderr, "not-the-token") {
		t.Errorf("bad token: exit %d, stderr %s", r.code, r.stderr)
	}
	if n := len(srv.Requests("")); n != 1 {
		t.Errorf("%d requests for a 401: it must not be retried", n)
	}
}

// --follow: the stream disconnects and resumes; a post seen by an earlier
// search, and one sent twice, count once; SIGINT stops cleanly.
func TestCollectXFollow(t *testing.T) {
	users, tweets, _ := xCorpus(40)
	srv := xtest.New(testXToken, users, tweets)
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "X_BEARER_TOKEN=" + testXToken}
	if r := chorusCmd(t, dir, "", env, "collect", "x", "--event", "tt", "--query", "selfie", "--api-base", srv.URL); r.code != 0 {
		t.Fatalf("search first: %d %s", r.code, r.stderr)
	}
	seen := tweets[5] // found by the search, streamed again
	now := time.Now().UTC()
	fresh := []xtest.Tweet{
		{ID: xtest.Snowflake(now, 1), Text: "streamed one", AuthorID: "91000001", CreatedAt: now, Lang: "en"},
		{ID: xtest.Snowflake(now, 2), Text: "流式的第二条", AuthorID: "91000001", CreatedAt: now, Lang: "zh"},
	}
	sent := make(chan struct{})
	srv.OnConnect(func(c *xtest.Conn) {
		c.KeepAlive()
		c.Send(fresh[0], "tt")
		c.Send(seen, "tt")
		c.Disconnect()
	}, func(c *xtest.Conn) {
		c.Send(fresh[0], "tt") // again, after the reconnect
		c.Send(fresh[1], "tt")
		close(sent)
		c.Wait()
	})
	cmd := exec.Command(bin, "collect", "x", "--event", "tt", "--query", "selfie", "--follow", "--api-base", srv.URL)
	cmd.Dir, cmd.Env = dir, append(cleanEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sent:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the stream never reached its second connection; stderr:\n%s", errb.String())
	}
	time.Sleep(500 * time.Millisecond) // let the last posts be queued
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("collect --follow on SIGINT: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if got := lines[len(lines)-1]; got != `{"read":4,"accepted":2,"duplicates":2,"rejected":0}` {
		t.Errorf("summary %s, want 4 read, 2 new, 2 duplicates; stderr:\n%s", got, errb.String())
	}
	rules := srv.Rules()
	if len(rules) != 1 || rules[0].Tag != "tt" || rules[0].Value != "selfie" {
		t.Errorf("rules %+v", rules)
	}
	st := openTestStore(t, "embedded", env)
	defer st.Close()
	s, _ := st.Summary(context.Background(), "tt", "")
	if s.Total != int64(40-4+1+2) || s.ByLang["zh"] == 0 {
		t.Errorf("total %d (by_lang %v), want 39", s.Total, s.ByLang)
	}
	health, _ := st.Collectors(context.Background(), "tt")
	var stream *chorus.CollectorStatus
	for i := range health {
		if health[i].Name == x.NameStream {
			stream = &health[i]
		}
	}
	if stream == nil || stream.State != chorus.CollectorStopped || stream.Posts != 4 {
		t.Errorf("stream health %+v", stream)
	}
}

// serve --collect runs one stream for every event with an X query inside
// its window and shows its health on the API and in /metrics.
func TestServeCollectX(t *testing.T) {
	srv := xtest.New(testXToken, []xtest.User{{ID: "91000001", Username: "desk_reader", Name: "Desk Reader"}}, nil)
	defer srv.Close()
	now := time.Now().UTC()
	a := xtest.Tweet{ID: xtest.Snowflake(now, 1), Text: "live from the arena", AuthorID: "91000001", CreatedAt: now, Lang: "en"}
	b := xtest.Tweet{ID: xtest.Snowflake(now, 2), Text: "both events", AuthorID: "91000001", CreatedAt: now, Lang: "en"}
	srv.OnConnect(func(c *xtest.Conn) {
		c.Send(a, "e1")
		c.Send(b, "e1", "e2")
		c.Wait()
	})
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "X_BEARER_TOKEN=" + testXToken}
	for _, ev := range [][]string{{"e1", "arena"}, {"e2", "both"}} {
		if r := chorusCmd(t, dir, "", env, "event", "create", "--id", ev[0], "--title", ev[0], "--query-x", ev[1]); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	if r := chorusCmd(t, dir, "", env, "event", "create", "--id", "over", "--title", "over", "--query-x", "old", "--start", "2020-01-01T00:00:00Z", "--end", "2020-01-02T00:00:00Z"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	base, stop := serve(t, dir, env, "--collect", "--x-api-base", srv.URL)
	var list struct {
		Collectors []chorus.CollectorStatus `json:"collectors"`
	}
	get := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		list.Collectors = nil
		json.Unmarshal([]byte(get("/api/v1/events/e2/collectors")), &list)
		if len(list.Collectors) == 1 && list.Collectors[0].Posts == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("e2's collectors %+v; serve stderr:\n%s", list.Collectors, stop())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c := list.Collectors[0]; c.Name != x.NameStream || c.State != chorus.CollectorRunning || c.LastPostAt.IsZero() {
		t.Errorf("e2 health %+v", c)
	}
	json.Unmarshal([]byte(get("/api/v1/events/e1/collectors")), &list)
	if len(list.Collectors) != 1 || list.Collectors[0].Posts != 2 {
		t.Errorf("e1 health %+v", list.Collectors)
	}
	if m := get("/metrics"); !strings.Contains(m, `chorus_collector_posts_total{collector="x-stream",event="e1",platform="x"} 2`) ||
		!strings.Contains(m, `chorus_collector_posts_total{collector="x-stream",event="e2",platform="x"} 1`) {
		t.Errorf("/metrics lacks the stream's posts:\n%s", grepLines(m, "chorus_collector"))
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d stream connections, want one for both events", n)
	}
	for _, r := range srv.Rules() {
		if r.Tag == "over" {
			t.Errorf("a rule for the event outside its window: %+v", r)
		}
	}
	// The event outside its window says why nothing collects for it.
	list.Collectors = nil
	json.Unmarshal([]byte(get("/api/v1/events/over/collectors")), &list)
	if len(list.Collectors) != 1 || list.Collectors[0].State != chorus.CollectorStopped ||
		!strings.Contains(list.Collectors[0].Note, "not collecting: its window ended at 2020-01-02T00:00:00Z") {
		t.Errorf("health of the event outside its window = %+v; want a stopped record saying why", list.Collectors)
	}
	stderr := stop()
	if strings.Contains(stderr, testXToken) {
		t.Error("serve printed the bearer token")
	}
}

// serve --collect's X jobs: one stream for every event (its key naming the
// events and queries), or with --poll a search per event; none without a
// token.
func TestXJobs(t *testing.T) {
	events := []chorus.Event{{ID: "b", QueryX: "qb"}, {ID: "a", QueryX: "qa"}}
	t.Setenv("X_BEARER_TOKEN", "")
	o := collectOptions{Logger: slog.New(slog.DiscardHandler)}
	if jobs := xJobs(o, events, nil, nil); len(jobs) != 0 {
		t.Errorf("%d jobs without a token", len(jobs))
	}
	t.Setenv("X_BEARER_TOKEN", "t")
	jobs := xJobs(o, events, nil, nil)
	if len(jobs) != 1 || !strings.HasPrefix(jobs[0].Key, "x-stream/") || jobs[0].Status.Event != "a" || jobs[0].Status.Mode != "follow" {
		t.Fatalf("stream jobs %+v", jobs)
	}
	changed := xJobs(o, []chorus.Event{{ID: "a", QueryX: "qa"}, {ID: "b", QueryX: "qb changed"}}, nil, nil)
	if changed[0].Key == jobs[0].Key {
		t.Error("a changed query kept the stream's job key: the stream would not resync its rules")
	}
	o.Poll = time.Minute
	jobs = xJobs(o, events, nil, nil)
	if len(jobs) != 2 || jobs[0].Key != "x-search/a" || jobs[1].Key != "x-search/b" || jobs[1].Status.Query != "qb" || jobs[1].Status.Mode != "poll" {
		t.Errorf("poll jobs %+v", jobs)
	}
}

// serve --collect --poll: a recent search per event, repeated; its health
// on the API and its posts counted.
func TestServeCollectXPoll(t *testing.T) {
	users, tweets, retweets := xCorpus(60)
	srv := xtest.New(testXToken, users, tweets)
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "X_BEARER_TOKEN=" + testXToken}
	if r := chorusCmd(t, dir, "", env, "event", "create", "--id", "p1", "--title", "p1", "--query-x", "selfie"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	base, stop := serve(t, dir, env, "--collect", "--poll", "300ms", "--x-api-base", srv.URL)
	var list struct {
		Collectors []chorus.CollectorStatus `json:"collectors"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(base + "/api/v1/events/p1/collectors")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
		}
		if len(list.Collectors) == 1 && list.Collectors[0].Posts >= 61 && len(srv.Requests("/2/tweets/search/recent")) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collectors %+v; serve stderr:\n%s", list.Collectors, stop())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if c := list.Collectors[0]; c.Name != x.NameSearch || c.Mode != "poll" {
		t.Errorf("health %+v", c)
	}
	reqs := srv.Requests("/2/tweets/search/recent")
	if reqs[len(reqs)-1].Query["since_id"] != tweets[len(tweets)-1].ID {
		t.Errorf("a later poll sent since_id %q, want %s", reqs[len(reqs)-1].Query["since_id"], tweets[len(tweets)-1].ID)
	}
	var sum chorus.Summary
	for time.Now().Before(deadline) {
		sum = getSummary(t, base, "p1")
		if sum.Total == int64(60-retweets+1) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if sum.Total != int64(60-retweets+1) || sum.Reposts != int64(retweets) {
		t.Errorf("summary total %d reposts %d, want %d and %d", sum.Total, sum.Reposts, 60-retweets+1, retweets)
	}
}

// When the app's tier has no filtered stream (403), serve --collect polls
// recent search for every event instead, and says so.
func TestServeCollectXFallsBackToPolling(t *testing.T) {
	users, tweets, _ := xCorpus(20)
	srv := xtest.New(testXToken, users, tweets)
	defer srv.Close()
	srv.Script(xtest.Fault{Path: "/2/tweets/search/stream", Status: 403, Times: 100, Body: `{"title":"Client Forbidden","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.","reason":"client-not-enrolled","type":"https://api.x.com/2/problems/client-forbidden"}`})
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "X_BEARER_TOKEN=" + testXToken}
	for _, ev := range []string{"f1", "f2"} {
		if r := chorusCmd(t, dir, "", env, "event", "create", "--id", ev, "--title", ev, "--query-x", "selfie "+ev); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	base, stop := serve(t, dir, env, "--collect", "--x-api-base", srv.URL)
	deadline := time.Now().Add(20 * time.Second)
	for _, ev := range []string{"f1", "f2"} {
		for {
			var list struct {
				Collectors []chorus.CollectorStatus `json:"collectors"`
			}
			if resp, err := http.Get(base + "/api/v1/events/" + ev + "/collectors"); err == nil {
				json.NewDecoder(resp.Body).Decode(&list)
				resp.Body.Close()
			}
			var polled *chorus.CollectorStatus
			for i := range list.Collectors {
				if c := &list.Collectors[i]; c.Posts >= 20 && (c.Mode == "poll" || strings.Contains(c.Note, "polling recent search")) {
					polled = c
				}
			}
			if polled != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s collectors %+v; serve stderr:\n%s", ev, list.Collectors, stop())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	if sum := getSummary(t, base, "f2"); sum.Total == 0 {
		t.Error("f2 got no posts from the fallback")
	}
}
