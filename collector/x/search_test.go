package x

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/x/xtest"
	"github.com/chorus-news/chorus/store/embedded"
)

const testToken = "AAAA-test-bearer-token-AAAA"

// sink keeps what it is handed, in order.
type sink struct {
	mu    sync.Mutex
	posts []chorus.Post
	fail  error
}

func (s *sink) Put(_ context.Context, posts []chorus.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.posts = append(s.posts, posts...)
	return nil
}

func (s *sink) keys() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string]int{}
	for _, p := range s.posts {
		m[p.ID]++
	}
	return m
}

// openStore is a real embedded store in a temp dir.
func openStore(t *testing.T) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "data"), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var langs = []struct{ lang, text string }{
	{"en", "What a moment for table tennis, %d"},
	{"zh", "这张合影太暖了，第%d条"},
	{"ja", "卓球の写真、最高でした %d"},
	{"es", "¡Qué bonita foto! número %d"},
	{"und", "🤳🏓 %d"},
}

// corpus makes n results over the last hours, newest last: every 10th a
// retweet of a context post, every 17th a quote, every 50th a long post.
func corpus(n int, now time.Time) ([]xtest.User, []xtest.Tweet) {
	users := []xtest.User{{ID: "91000001", Username: "desk_reader", Name: "Desk Reader", Followers: 120}, {ID: "91000003", Username: "pingpongfan", Name: "PP Fan", Followers: 5021}}
	orig := xtest.Tweet{ID: xtest.Snowflake(now.Add(-48*time.Hour), 1), Text: "Best selfie of the Games, no contest", AuthorID: "91000003", CreatedAt: now.Add(-48 * time.Hour).Truncate(time.Millisecond), Lang: "en", Context: true, Likes: 5120}
	tweets := []xtest.Tweet{orig}
	for i := range n {
		at := now.Add(-time.Duration(n-i) * 7 * time.Second).Truncate(time.Millisecond)
		l := langs[i%len(langs)]
		t := xtest.Tweet{ID: xtest.Snowflake(at, i), Text: fmt.Sprintf(l.text, i), AuthorID: "91000001", CreatedAt: at, Lang: l.lang, Likes: i % 7}
		switch {
		case i%10 == 3:
			t.RetweetOf, t.Text = orig.ID, "RT @pingpongfan: Best selfie of the…"
		case i%17 == 5:
			t.QuoteOf = orig.ID
		case i%50 == 7:
			t.NoteText = strings.Repeat("long words ", 40) + fmt.Sprint(i)
			t.Text = t.NoteText[:270] + "…"
		}
		tweets = append(tweets, t)
	}
	return users, tweets
}

func newSearch(srv *xtest.Server, event, query string) *Search {
	return &Search{APIBase: srv.URL, Token: testToken, Event: event, Query: query, BackoffInitial: 20 * time.Millisecond, BackoffMax: 200 * time.Millisecond}
}

// A few thousand posts over many pages with one 429 (a reset a few seconds
// ahead, waited out) and one 503 (retried): every post arrives, the
// checkpoint is the newest id, and a rerun asks only for newer posts.
func TestSearchPagesToTheEndAndReruns(t *testing.T) {
	now := time.Now().UTC()
	users, tweets := corpus(2400, now)
	srv := xtest.New(testToken, users, tweets)
	defer srv.Close()
	srv.Script(
		xtest.Fault{Path: "/2/tweets/search/recent", Skip: 2, Status: 429, ResetIn: 2 * time.Second, Body: `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`},
		xtest.Fault{Path: "/2/tweets/search/recent", Skip: 6, Status: 503, Body: `{"title":"Service Unavailable","type":"about:blank","status":503}`},
	)
	store := openStore(t)
	var out sink
	s := newSearch(srv, "tt", "podium selfie")
	run := collector.NewRun(chorus.CollectorStatus{Event: "tt", Name: NameSearch, Platform: chorus.X, Query: s.Query, Mode: "once"}, collector.RunOptions{Store: store})
	ctx := context.Background()
	if err := s.Run(ctx, run, store, &out); err != nil {
		t.Fatal(err)
	}
	got := out.keys()
	results := 0
	for _, tw := range tweets {
		if tw.Context {
			continue
		}
		results++
		if got[tw.ID] != 1 {
			t.Fatalf("post %s handed over %d times, want once", tw.ID, got[tw.ID])
		}
	}
	if got[tweets[0].ID] != 240 { // the retweeted original comes with each page's retweets
		t.Logf("original handed over %d times (once per page that retweets it)", got[tweets[0].ID])
	}
	var reposts, quotes, longs int
	langSeen := map[string]int{}
	for _, p := range out.posts {
		if p.Event != "tt" || p.Source != SourceSearch {
			t.Fatalf("post %s: event %q source %q", p.ID, p.Event, p.Source)
		}
		switch {
		case p.RepostOf != "":
			reposts++
		case p.QuotedID != "":
			quotes++
		case strings.HasPrefix(p.Text, "long words"):
			longs++
		}
		langSeen[p.Lang]++
	}
	if reposts != 240 || quotes == 0 || longs == 0 {
		t.Errorf("%d reposts (want 240), %d quotes, %d long posts", reposts, quotes, longs)
	}
	if langSeen["zh"] == 0 || langSeen["ja"] == 0 || langSeen["es"] == 0 || langSeen["und"] != 0 {
		t.Errorf("languages %v: want zh, ja, es kept and und left empty", langSeen)
	}
	reqs := srv.Requests("/2/tweets/search/recent")
	if want := 24 + 2; len(reqs) != want {
		t.Errorf("%d requests, want %d (24 pages, one 429, one 503)", len(reqs), want)
	}
	// The request after the 429 waited for the reset.
	if d := reqs[3].At.Sub(reqs[2].At); d < time.Second {
		t.Errorf("retried %v after a 429 whose reset was 2s ahead: the wait was not honoured", d)
	}
	for i, r := range reqs {
		if r.Auth != "Bearer "+testToken || r.Query["max_results"] != "100" || r.Query["tweet.fields"] != TweetFields || r.Query["expansions"] != Expansions || r.Query["user.fields"] != UserFields {
			t.Fatalf("request %d: %+v", i, r.Query)
		}
		if i > 0 && r.Query["since_id"] != "" {
			t.Fatalf("request %d of the first round sent since_id %s", i, r.Query["since_id"])
		}
	}
	st := run.Status()
	if st.Pages != 24 || st.RateLimitWaits != 1 || st.Errors != 1 {
		t.Errorf("status pages %d waits %d errors %d, want 24, 1, 1", st.Pages, st.RateLimitWaits, st.Errors)
	}
	newest := tweets[len(tweets)-1].ID
	if cp, _ := store.Checkpoint(ctx, "tt", s.Key()); cp != `{"since_id":"`+newest+`"}` {
		t.Errorf("checkpoint %s, want since_id %s", cp, newest)
	}

	// A rerun with nothing new asks since_id=newest and adds nothing.
	before := len(out.posts)
	if err := s.Run(ctx, run, store, &out); err != nil {
		t.Fatal(err)
	}
	reqs = srv.Requests("/2/tweets/search/recent")
	if last := reqs[len(reqs)-1]; last.Query["since_id"] != newest || len(out.posts) != before {
		t.Errorf("rerun: since_id %q (want %s), %d new posts (want 0)", last.Query["since_id"], newest, len(out.posts)-before)
	}
	// New posts arrive; the next round gets only them.
	var fresh []xtest.Tweet
	for i := range 130 {
		at := now.Add(time.Duration(i+1) * time.Second)
		fresh = append(fresh, xtest.Tweet{ID: xtest.Snowflake(at, i), Text: fmt.Sprintf("later %d", i), AuthorID: "91000001", CreatedAt: at, Lang: "en"})
	}
	srv.Add(fresh...)
	n := len(srv.Requests(""))
	if err := s.Run(ctx, run, store, &out); err != nil {
		t.Fatal(err)
	}
	if added := len(out.posts) - before; added != 130 {
		t.Errorf("third round handed over %d posts, want the 130 new ones", added)
	}
	reqs = srv.Requests("")[n:]
	if len(reqs) != 2 || reqs[0].Query["since_id"] != newest || reqs[1].Query["since_id"] != newest || reqs[1].Query["next_token"] == "" {
		t.Errorf("third round requests %+v: want two pages, both since_id=%s", reqs, newest)
	}
	if cp, _ := store.Checkpoint(ctx, "tt", s.Key()); cp != `{"since_id":"`+fresh[len(fresh)-1].ID+`"}` {
		t.Errorf("checkpoint %s after the third round", cp)
	}
}

// A page cut off mid-JSON is an error naming the page; the pages before it
// are kept, the checkpoint points at the page that failed, and the rerun
// starts there with the round's own since_id.
func TestSearchTruncatedPageResumes(t *testing.T) {
	now := time.Now().UTC()
	users, tweets := corpus(450, now)
	srv := xtest.New(testToken, users, tweets)
	defer srv.Close()
	srv.Script(xtest.Fault{Path: "/2/tweets/search/recent", Skip: 2, Truncate: true})
	store := openStore(t)
	var out sink
	s := newSearch(srv, "tt", "q")
	ctx := context.Background()
	err := s.Run(ctx, nil, store, &out)
	if err == nil || !strings.Contains(err.Error(), "x-search page 3") || !strings.Contains(err.Error(), "not whole JSON") {
		t.Fatalf("error %v, want one naming page 3 as cut off", err)
	}
	if n := len(out.keys()); n < 200 {
		t.Errorf("%d posts kept from pages 1-2, want 200 and the originals", n)
	}
	cp, _ := store.Checkpoint(ctx, "tt", s.Key())
	if !strings.Contains(cp, `"next_token"`) || !strings.Contains(cp, `"page":2`) {
		t.Errorf("checkpoint %s, want the round at page 2 with the next page's token", cp)
	}
	before := len(srv.Requests(""))
	if err := s.Run(ctx, nil, store, &out); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests("")[before:]
	if reqs[0].Query["next_token"] == "" || reqs[0].Query["since_id"] != "" {
		t.Errorf("the rerun began %+v: want page 3's token and the round's (empty) since_id", reqs[0].Query)
	}
	for _, tw := range tweets {
		if !tw.Context && out.keys()[tw.ID] != 1 {
			t.Fatalf("post %s handed over %d times", tw.ID, out.keys()[tw.ID])
		}
	}
	if cp, _ := store.Checkpoint(ctx, "tt", s.Key()); cp != `{"since_id":"`+tweets[len(tweets)-1].ID+`"}` {
		t.Errorf("checkpoint %s after the resumed round", cp)
	}
}

func TestSearchEmptyAndErrorsBesideData(t *testing.T) {
	srv := xtest.New(testToken, nil, nil)
	defer srv.Close()
	var out sink
	store := openStore(t)
	s := newSearch(srv, "tt", "nothing matches")
	if err := s.Run(context.Background(), nil, store, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.posts) != 0 || len(srv.Requests("")) != 1 {
		t.Errorf("%d posts, %d requests; want none and one", len(out.posts), len(srv.Requests("")))
	}
	if cp, _ := store.Checkpoint(context.Background(), "tt", s.Key()); cp != `{}` {
		t.Errorf("checkpoint %q after an empty result, want no since_id", cp)
	}

	// A retweet of a deleted post: 200 with errors[] beside data.
	at := time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)
	srv.Add(xtest.Tweet{ID: xtest.Snowflake(at, 1), Text: "RT @gone: …", AuthorID: "91000001", CreatedAt: at, RetweetOf: "1818600000000000001"},
		xtest.Tweet{ID: xtest.Snowflake(at, 2), Text: "still here", AuthorID: "91000001", CreatedAt: at, Lang: "en"})
	if err := s.Run(context.Background(), nil, store, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.posts) != 2 || out.posts[0].RepostOf != "1818600000000000001" && out.posts[1].RepostOf != "1818600000000000001" {
		t.Errorf("posts %+v: want the post and the repost record of the deleted original", out.posts)
	}
}

// The same post on two pages (posts shifting under the search) is handed
// over twice; the store's identity counts it once (see cmd/chorus tests).
func TestSearchOverlappingPages(t *testing.T) {
	now := time.Now().UTC()
	users, tweets := corpus(300, now)
	srv := xtest.New(testToken, users, tweets)
	srv.Overlap = 3
	defer srv.Close()
	var out sink
	if err := newSearch(srv, "tt", "q").Run(context.Background(), nil, collector.NopStore{}, &out); err != nil {
		t.Fatal(err)
	}
	twice := 0
	for _, tw := range tweets {
		if c := out.keys()[tw.ID]; !tw.Context && c == 2 {
			twice++
		} else if !tw.Context && c != 1 {
			t.Fatalf("post %s handed over %d times", tw.ID, c)
		}
	}
	if twice == 0 {
		t.Error("no post came twice: the overlap was not exercised")
	}
}

func TestSearchStopsOnAuthFaults(t *testing.T) {
	tests := []struct {
		name   string
		token  Token
		fault  *xtest.Fault
		want   string
		status int
	}{
		{name: "401 bad token", token: "wrong", want: "X_BEARER_TOKEN"},
		{name: "403 no access", token: testToken, fault: &xtest.Fault{Status: 403, Body: `{"client_id":"1","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project.","registration_url":"https://developer.x.com/","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.x.com/2/problems/client-forbidden"}`}, want: "attach it to a Project"},
		{name: "usage capped", token: testToken, fault: &xtest.Fault{Status: 429, Body: `{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.x.com/2/problems/usage-capped","period":"Monthly","scope":"Product"}`}, want: "cap for the month"},
		{name: "400 bad query", token: testToken, fault: &xtest.Fault{Status: 400, Body: `{"errors":[{"parameters":{"query":["((("]},"message":"There were errors processing your request: Unmatched parenthesis"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.x.com/2/problems/invalid-request"}`}, want: "Unmatched parenthesis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := xtest.New(testToken, nil, nil)
			defer srv.Close()
			if tt.fault != nil {
				srv.Script(*tt.fault)
			}
			s := newSearch(srv, "tt", "q")
			s.Token = tt.token
			err := s.Run(context.Background(), nil, collector.NopStore{}, &sink{})
			if !collector.IsFatal(err) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a fatal one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "wrong") && tt.token == "wrong" {
				t.Fatalf("the token leaked into the error: %v", err)
			}
			if n := len(srv.Requests("")); n != 1 {
				t.Errorf("%d requests: a %s must not be retried", n, tt.name)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	c := &classifier{endpoint: "recent search"}
	resp := func(code int, hdr map[string]string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		return r
	}
	var rl *collector.RateLimitError
	// No reset: 60s, then doubling; a good answer starts again.
	for _, want := range []time.Duration{60 * time.Second, 120 * time.Second} {
		err := c.classify(resp(429, nil), []byte(`{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`))
		if !errors.As(err, &rl) || rl.Wait < want || rl.Wait > want+time.Second {
			t.Fatalf("429 without reset: %v, want a wait of %v (+jitter)", err, want)
		}
	}
	_ = c.classify(resp(200, nil), nil)
	if err := c.classify(resp(429, nil), nil); !errors.As(err, &rl) || rl.Wait > 61*time.Second {
		t.Errorf("after a good answer: %v, want 60s again", err)
	}
	reset := time.Now().Add(90 * time.Second)
	err := c.classify(resp(429, map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": fmt.Sprint(reset.Unix())}), []byte(`{"title":"Too Many Requests","type":"about:blank","status":429,"detail":"Too Many Requests"}`))
	if !errors.As(err, &rl) || rl.Reset.Unix() != reset.Unix() || rl.Wait < 88*time.Second || rl.Wait > 91*time.Second {
		t.Errorf("429 with reset: %+v", err)
	}
	// Retry-After, when there is no reset, is honoured.
	if err := c.classify(resp(429, map[string]string{"Retry-After": "7"}), nil); !errors.As(err, &rl) || rl.Wait < 7*time.Second || rl.Wait > 8*time.Second {
		t.Errorf("429 with Retry-After: %v", err)
	}
	// A reset already past, twice in a row, backs off instead of hammering.
	_ = c.classify(resp(200, nil), nil)
	past := map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": fmt.Sprint(time.Now().Add(-5 * time.Second).Unix())}
	if err := c.classify(resp(429, past), nil); !errors.As(err, &rl) || rl.Wait > 2*time.Second {
		t.Errorf("first 429 with a past reset: %v, want a short wait", err)
	}
	if err := c.classify(resp(429, past), nil); !errors.As(err, &rl) || rl.Wait < 60*time.Second {
		t.Errorf("second 429 with a past reset: %v, want 60s", err)
	}
	if err := c.classify(resp(503, nil), []byte("upstream")); !collector.IsRetryable(err) {
		t.Errorf("503: %v, want retryable", err)
	}
	if err := c.classify(resp(401, nil), nil); !collector.IsFatal(err) {
		t.Errorf("401: %v, want fatal", err)
	}
}

// Recent search reaches 7 days back: an older start is clamped (and said),
// a window that ended before that is not searched at all.
func TestSearchWindow(t *testing.T) {
	srv := xtest.New(testToken, nil, nil)
	defer srv.Close()
	now := time.Date(2024, 8, 10, 12, 0, 0, 0, time.UTC)
	s := newSearch(srv, "tt", "q")
	s.Now = func() time.Time { return now }
	s.ClockReach = true
	s.Start, s.End = now.Add(-10*24*time.Hour), now.Add(-time.Hour)
	var notes []string
	run := collector.NewRun(chorus.CollectorStatus{Event: "tt", Name: NameSearch}, collector.RunOptions{})
	if err := s.Run(context.Background(), run, collector.NopStore{}, &sink{}); err != nil {
		t.Fatal(err)
	}
	notes = append(notes, run.Status().Note)
	reqs := srv.Requests("")
	if len(reqs) != 1 || reqs[0].Query["start_time"] != "2024-08-03T12:01:00Z" || reqs[0].Query["end_time"] != "2024-08-10T11:00:00Z" {
		t.Fatalf("requests %+v: want start_time clamped to 7 days back and the window's end", reqs)
	}
	if !strings.Contains(notes[0], "7 days") {
		t.Errorf("note %q does not say the start was clamped", notes[0])
	}
	s.Start, s.End = now.Add(-20*24*time.Hour), now.Add(-8*24*time.Hour)
	if err := s.Run(context.Background(), run, collector.NopStore{}, &sink{}); err != nil {
		t.Fatal(err)
	}
	if len(srv.Requests("")) != 1 || !strings.Contains(run.Status().Note, "more than 7 days ago") {
		t.Errorf("a window out of reach: %d requests, note %q", len(srv.Requests(""))-1, run.Status().Note)
	}
}

// --poll repeats the search with since_id until ctx ends.
func TestSearchPoll(t *testing.T) {
	now := time.Now().UTC()
	users, tweets := corpus(30, now)
	srv := xtest.New(testToken, users, tweets)
	defer srv.Close()
	s := newSearch(srv, "tt", "q")
	s.Poll = 100 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var out sink
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, nil, openStore(t), &out) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Requests("")) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	later := time.Now().UTC()
	srv.Add(xtest.Tweet{ID: xtest.Snowflake(later, 1), Text: "a later post", AuthorID: "91000001", CreatedAt: later, Lang: "en"})
	for out.keys()[xtest.Snowflake(later, 1)] == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.keys()[xtest.Snowflake(later, 1)] != 1 {
		t.Fatal("the post made between polls never arrived")
	}
	reqs := srv.Requests("")
	if reqs[1].Query["since_id"] != tweets[len(tweets)-1].ID {
		t.Errorf("second poll since_id %q, want %s", reqs[1].Query["since_id"], tweets[len(tweets)-1].ID)
	}
}

// stopSink cancels the run once it has taken n pages.
type stopSink struct {
	sink
	pages  int
	after  int
	cancel context.CancelFunc
}

func (s *stopSink) Put(ctx context.Context, posts []chorus.Post) error {
	if err := s.sink.Put(ctx, posts); err != nil {
		return err
	}
	s.pages++
	if s.pages == s.after {
		s.cancel()
	}
	return nil
}

// Stopped mid-round (SIGINT), the run returns nil with the checkpoint at
// the last page handed over; the next run resumes there and loses nothing.
func TestSearchStopMidRoundKeepsTheCheckpoint(t *testing.T) {
	now := time.Now().UTC()
	users, tweets := corpus(500, now)
	srv := xtest.New(testToken, users, tweets)
	defer srv.Close()
	store := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	out := &stopSink{after: 2, cancel: cancel}
	s := newSearch(srv, "tt", "q")
	if err := s.Run(ctx, nil, store, out); err != nil {
		t.Fatalf("a stopped run returned %v, want nil", err)
	}
	cp, _ := store.Checkpoint(context.Background(), "tt", s.Key())
	if !strings.Contains(cp, `"page":2`) {
		t.Fatalf("checkpoint %s, want the round at page 2", cp)
	}
	rest := &sink{}
	if err := s.Run(context.Background(), nil, store, rest); err != nil {
		t.Fatal(err)
	}
	for _, tw := range tweets {
		if !tw.Context && out.keys()[tw.ID]+rest.keys()[tw.ID] != 1 {
			t.Fatalf("post %s handed over %d+%d times", tw.ID, out.keys()[tw.ID], rest.keys()[tw.ID])
		}
	}
}

// A since_id older than the 7 days recent search covers is dropped (X
// refuses it) in favour of the window.
func TestSearchDropsAStaleSinceID(t *testing.T) {
	srv := xtest.New(testToken, nil, nil)
	defer srv.Close()
	store := openStore(t)
	s := newSearch(srv, "tt", "q")
	s.ClockReach = true
	old := xtest.Snowflake(time.Now().Add(-9*24*time.Hour), 1)
	if err := store.SaveCheckpoint(context.Background(), "tt", s.Key(), `{"since_id":"`+old+`"}`); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nil, store, &sink{}); err != nil {
		t.Fatal(err)
	}
	if q := srv.Requests("")[0].Query; q["since_id"] != "" {
		t.Errorf("sent since_id %s from 9 days ago", q["since_id"])
	}
}

// A server that leaves newest_id out and pages oldest first still gets a
// rerun that asks only for newer posts: the cursor is the largest result
// id of the round.
func TestSearchSparseMeta(t *testing.T) {
	now := time.Now().UTC()
	users, tweets := corpus(250, now)
	srv := xtest.New(testToken, users, tweets)
	srv.Sparse = true
	defer srv.Close()
	store := openStore(t)
	s := newSearch(srv, "tt", "q")
	if err := s.Run(context.Background(), nil, store, &sink{}); err != nil {
		t.Fatal(err)
	}
	newest := tweets[len(tweets)-1].ID
	if cp, _ := store.Checkpoint(context.Background(), "tt", s.Key()); cp != `{"since_id":"`+newest+`"}` {
		t.Errorf("checkpoint %s, want since_id %s", cp, newest)
	}
}

// A server that hands back the same next_token forever is not followed
// round and round.
func TestSearchRepeatedNextToken(t *testing.T) {
	at := time.Now().UTC().Add(-time.Hour)
	srv := xtest.New(testToken, nil, nil)
	defer srv.Close()
	body := `{"data":[{"id":"` + xtest.Snowflake(at, 1) + `","text":"again"}],"meta":{"result_count":1,"next_token":"same"}}`
	srv.Script(xtest.Fault{Path: "/2/tweets/search/recent", Status: 200, Body: body, Times: 5})
	err := newSearch(srv, "tt", "q").Run(context.Background(), nil, collector.NopStore{}, &sink{})
	if err == nil || !strings.Contains(err.Error(), "same next_token") {
		t.Fatalf("error %v, want one about the repeated next_token", err)
	}
	if n := len(srv.Requests("")); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// A round cut short and resumed after its start_time left the 7 days is
// dropped for a new round rather than refused by X for ever.
func TestSearchStaleRoundStartsOver(t *testing.T) {
	srv := xtest.New(testToken, nil, nil)
	defer srv.Close()
	store := openStore(t)
	s := newSearch(srv, "tt", "q")
	s.ClockReach = true
	old := time.Now().UTC().Add(-8 * 24 * time.Hour).Format(time.RFC3339)
	if err := store.SaveCheckpoint(context.Background(), "tt", s.Key(), `{"round":{"next_token":"abc","start_time":"`+old+`","page":3}}`); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), nil, store, &sink{}); err != nil {
		t.Fatal(err)
	}
	if q := srv.Requests("")[0].Query; q["next_token"] != "" || q["start_time"] == old {
		t.Errorf("the stale round was resumed: %+v", q)
	}
}
