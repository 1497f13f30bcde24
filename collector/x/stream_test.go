package x

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/x/xtest"
)

func streamUsers() []xtest.User {
	return []xtest.User{{ID: "91000004", Username: "tt_watcher", Name: "TT Watcher", Followers: 77}, {ID: "91000003", Username: "pingpongfan", Name: "PP Fan"}}
}

func tw(n int, text, lang string) xtest.Tweet {
	at := time.Date(2024, 7, 31, 19, 5, n, 0, time.UTC)
	return xtest.Tweet{ID: xtest.Snowflake(at, n), Text: text, AuthorID: "91000004", CreatedAt: at, Lang: lang}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *sink) byEvent() map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string][]string{}
	for _, p := range s.posts {
		m[p.Event] = append(m[p.Event], p.ID)
	}
	return m
}

func fastBackoff() StreamBackoff {
	return StreamBackoff{NetworkStep: 10 * time.Millisecond, NetworkMax: 50 * time.Millisecond, HTTPFirst: 30 * time.Millisecond, HTTPMax: 100 * time.Millisecond, TooManyFirst: 80 * time.Millisecond}
}

// The rules are synced (stale ones of our events deleted, others' kept,
// one invalid rule refused and named), and the stream is read as X writes
// it: keep-alives, a message split across writes, two in one write, a
// duplicate, an unknown message kind, an operational disconnect; the
// reconnect is refused while another connection is open, then carries on.
func TestStreamRulesAndMessages(t *testing.T) {
	a, b, c := tw(1, "this selfie made my day", "en"), tw(2, "合影太美好了！", "zh"), tw(3, "selfie and table tennis", "en")
	d := tw(4, "Ce selfie, c'est les Jeux", "fr")
	orig := xtest.Tweet{ID: "1818700000000000010", Text: "Best selfie of the Games", AuthorID: "91000003", CreatedAt: time.Date(2024, 7, 31, 18, 40, 0, 0, time.UTC), Lang: "en", Context: true}
	rt := tw(5, "RT @pingpongfan: Best selfie…", "en")
	rt.RetweetOf = orig.ID
	srv := xtest.New(testToken, streamUsers(), []xtest.Tweet{orig})
	defer srv.Close()
	stale := srv.AddRule("old query for tt", "tt")
	others := srv.AddRule("someone else's rule", "other-tool")
	refused := make(chan int, 1)
	srv.OnConnect(func(cn *xtest.Conn) {
		cn.KeepAlive()
		msg := cn.Message(a, "tt")
		cn.Raw(msg[:len(msg)/3])
		time.Sleep(20 * time.Millisecond)
		cn.Raw(msg[len(msg)/3:])
		cn.Raw(cn.Message(b, "tt") + cn.Message(c, "tt", "ev2"))
		cn.Send(a, "tt")
		cn.Raw(`{"compliance":{"kind":"new-message-kind"}}` + "\r\n")
		cn.Send(rt, "tt")
		cn.KeepAlive()
		cn.Disconnect()
	}, func(cn *xtest.Conn) {
		// While this connection is open, another is refused.
		req, _ := http.NewRequest("GET", srv.URL+"/2/tweets/search/stream", nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			refused <- resp.StatusCode
			resp.Body.Close()
		}
		cn.Send(d, "ev2")
		cn.Wait()
	})
	var out sink
	s := &Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Stall: 5 * time.Second,
		Events: []StreamEvent{{ID: "tt", Query: "selfie (table tennis) lang:en"}, {ID: "ev2", Query: "table tennis"}, {ID: "bad", Query: "INVALID (("}}}
	run := collector.NewRun(chorus.CollectorStatus{Event: "tt", Name: NameStream, Platform: chorus.X, Mode: "follow"}, collector.RunOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, run, collector.NopStore{}, &out) }()
	waitFor(t, "the post of the second connection", func() bool { return len(out.byEvent()["ev2"]) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := out.byEvent()
	want := map[string][]string{"tt": {a.ID, b.ID, c.ID, a.ID, orig.ID, rt.ID}, "ev2": {c.ID, d.ID}}
	for ev, ids := range want {
		if strings.Join(got[ev], ",") != strings.Join(ids, ",") {
			t.Errorf("event %s got %v, want %v", ev, got[ev], ids)
		}
	}
	if len(got["bad"]) != 0 {
		t.Errorf("the event whose rule was refused got posts: %v", got["bad"])
	}
	for _, p := range out.posts {
		if p.Source != SourceStream {
			t.Errorf("source %q", p.Source)
		}
		if p.ID == rt.ID && p.RepostOf != orig.ID {
			t.Errorf("the retweet from the stream: %+v", p)
		}
		if p.ID == d.ID && p.Lang != "fr" {
			t.Errorf("lang %q, want fr", p.Lang)
		}
	}
	rules := srv.Rules()
	values := map[string]string{}
	for _, r := range rules {
		values[r.Value] = r.Tag
		if r.ID == stale.ID {
			t.Errorf("the stale rule of tt was kept")
		}
	}
	if values["selfie (table tennis) lang:en"] != "tt" || values["table tennis"] != "ev2" || values[others.Value] != "other-tool" || len(rules) != 3 {
		t.Errorf("rules after sync: %+v", rules)
	}
	if n := srv.Connections(); n != 2 {
		t.Errorf("%d connections, want 2 (one reconnect after the disconnect notice)", n)
	}
	if code := <-refused; code != http.StatusTooManyRequests {
		t.Errorf("a second connection got %d, want 429", code)
	}
	if note := run.Status().Note; !strings.Contains(note, "event bad") || !strings.Contains(note, "refused") {
		t.Errorf("note %q does not name the refused rule", note)
	}
	for _, c := range run.Children() {
		if st := c.Status(); st.Event == "bad" && !strings.Contains(st.Note, "refused this event's stream rule") {
			t.Errorf("the refused event's own note is %q", st.Note)
		}
	}
	for _, r := range srv.Requests("/2/tweets/search/stream") {
		if len(r.Query) == 0 {
			continue // the test's own second connection
		}
		if r.Query["tweet.fields"] != TweetFields || r.Query["expansions"] != Expansions {
			t.Errorf("stream request %+v", r.Query)
		}
	}
}

// A connection that goes silent (no keep-alive) is dropped and made again.
func TestStreamStallReconnects(t *testing.T) {
	a, b := tw(1, "first", "en"), tw(2, "second", "en")
	srv := xtest.New(testToken, streamUsers(), nil)
	defer srv.Close()
	srv.OnConnect(func(cn *xtest.Conn) { cn.Send(a, "tt"); cn.Wait() }, func(cn *xtest.Conn) { cn.Send(b, "tt"); cn.Wait() })
	var out sink
	s := &Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Stall: 150 * time.Millisecond, Events: []StreamEvent{{ID: "tt", Query: "q"}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, nil, collector.NopStore{}, &out) }()
	waitFor(t, "the post after the stall", func() bool { return len(out.byEvent()["tt"]) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if srv.Connections() != 2 {
		t.Errorf("%d connections, want 2", srv.Connections())
	}
}

// HTTP errors back off from HTTPFirst, doubling; 429s from TooManyFirst;
// 401 stops.
func TestStreamBackoff(t *testing.T) {
	a := tw(1, "after the faults", "en")
	srv := xtest.New(testToken, streamUsers(), nil)
	defer srv.Close()
	srv.Script(
		xtest.Fault{Path: "/2/tweets/search/stream", Status: 503, Body: `{"title":"Service Unavailable","type":"about:blank"}`},
		xtest.Fault{Path: "/2/tweets/search/stream", Status: 503, Body: `{"title":"Service Unavailable","type":"about:blank"}`},
		xtest.Fault{Path: "/2/tweets/search/stream", Status: 429, Body: `{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.x.com/2/problems/streaming-connection"}`},
	)
	srv.OnConnect(func(cn *xtest.Conn) { cn.Send(a, "tt"); cn.Wait() })
	var out sink
	s := &Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Events: []StreamEvent{{ID: "tt", Query: "q"}}}
	run := collector.NewRun(chorus.CollectorStatus{Event: "tt", Name: NameStream}, collector.RunOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, run, collector.NopStore{}, &out) }()
	waitFor(t, "the post after the faults", func() bool { return len(out.byEvent()["tt"]) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests("/2/tweets/search/stream")
	if len(reqs) != 4 {
		t.Fatalf("%d connects, want 4", len(reqs))
	}
	gaps := []time.Duration{reqs[1].At.Sub(reqs[0].At), reqs[2].At.Sub(reqs[1].At), reqs[3].At.Sub(reqs[2].At)}
	if gaps[0] < 30*time.Millisecond || gaps[1] < 60*time.Millisecond || gaps[2] < 80*time.Millisecond {
		t.Errorf("waits %v, want at least 30ms, 60ms (doubling) and 80ms (429)", gaps)
	}
	if st := run.Status(); st.Errors != 2 || st.RateLimitWaits != 1 || !strings.Contains(st.LastError, "503") {
		t.Errorf("status %+v", st)
	}

	srv.Token = "another"
	err := (&Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Events: []StreamEvent{{ID: "tt", Query: "q"}}}).Run(context.Background(), nil, collector.NopStore{}, &out)
	if !collector.IsFatal(err) || !strings.Contains(err.Error(), "X_BEARER_TOKEN") {
		t.Errorf("401: %v, want a fatal error naming X_BEARER_TOKEN", err)
	}
}

// Rule ids pass 2^53: as JSON numbers they keep their digits and still
// route (some proxies and recorders rewrite them as numbers).
func TestStreamHugeNumericRuleIDs(t *testing.T) {
	rt := &router{byRule: map[string][]string{"1819000000000000123": {"tt"}}, byTag: map[string][]string{}}
	line := []byte(`{"data":{"id":"1819000000000000500","text":"hello","created_at":"2024-07-31T19:05:00.000Z"},"matching_rules":[{"id":1819000000000000123,"tag":"someone-elses-tag"}]}`)
	var out sink
	runs := &streamRuns{main: collector.NewRun(chorus.CollectorStatus{Event: "tt"}, collector.RunOptions{}), first: "tt"}
	s := &Stream{}
	if _, got, err := s.message(context.Background(), line, rt, runs, &out); err != nil || !got {
		t.Fatalf("message: got %v, err %v", got, err)
	}
	if ids := out.byEvent()["tt"]; len(ids) != 1 || ids[0] != "1819000000000000500" {
		t.Errorf("routed %v", out.byEvent())
	}
}

// A connection dropped mid-message loses that message quietly (it is not
// a bad post); a server without the rules endpoints is streamed as it is;
// with one event, a post matching a rule made since the sync is its.
func TestStreamCutMessageAndNoRulesEndpoint(t *testing.T) {
	a, b, c := tw(1, "first", "en"), tw(2, "cut in half", "en"), tw(3, "after the drop", "en")
	srv := xtest.New(testToken, streamUsers(), nil)
	defer srv.Close()
	srv.Script(xtest.Fault{Path: "/2/tweets/search/stream/rules", Status: 404, Body: `{"title":"Not Found Error","type":"about:blank"}`})
	srv.AddRule("made by the harness", "their-tag")
	srv.OnConnect(func(cn *xtest.Conn) {
		cn.Send(a, "their-tag")
		m := cn.Message(b, "their-tag")
		cn.Raw(m[:len(m)/2])
	}, func(cn *xtest.Conn) {
		cn.Send(c, "their-tag")
		cn.Wait()
	})
	var out sink
	var rejected []string
	s := &Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Events: []StreamEvent{{ID: "tt", Query: "q"}},
		Reject: func(where string, err error) { rejected = append(rejected, where+": "+err.Error()) }}
	run := collector.NewRun(chorus.CollectorStatus{Event: "tt", Name: NameStream}, collector.RunOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, run, collector.NopStore{}, &out) }()
	waitFor(t, "the post after the drop", func() bool { return len(out.byEvent()["tt"]) == 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.byEvent()["tt"]; got[0] != a.ID || got[1] != c.ID {
		t.Errorf("posts %v, want %s and %s", got, a.ID, c.ID)
	}
	if len(rejected) != 0 {
		t.Errorf("the cut message was rejected: %v", rejected)
	}
	if !strings.Contains(run.Status().Note, "rules not synced") {
		t.Errorf("note %q does not say the rules were not synced", run.Status().Note)
	}
}

// Run again (the supervisor restarting it), the stream carries each other
// event's counts on, as the supervisor does for the first event's.
func TestStreamChildCountsCarryAcrossRuns(t *testing.T) {
	a := tw(1, "for both", "en")
	srv := xtest.New(testToken, streamUsers(), nil)
	defer srv.Close()
	srv.OnConnect(func(cn *xtest.Conn) { cn.Send(a, "e1", "e2"); cn.Wait() })
	s := &Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Events: []StreamEvent{{ID: "e1", Query: "q1"}, {ID: "e2", Query: "q2"}}}
	var out sink
	for round := 1; round <= 2; round++ {
		run := collector.NewRun(chorus.CollectorStatus{Event: "e1", Name: NameStream}, collector.RunOptions{})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx, run, collector.NopStore{}, &out) }()
		if round == 1 {
			waitFor(t, "the post", func() bool { return len(out.byEvent()["e2"]) == 1 })
		} else {
			waitFor(t, "the second run's child", func() bool { return len(run.Children()) == 1 })
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := run.Children()[0].Status().Posts; got != 1 {
			t.Errorf("round %d: e2's share shows %d posts, want 1", round, got)
		}
	}
}

// A stream answering 409 (no rules) has its rules made again and is
// retried after the HTTP back-off, not at once.
func TestStreamConflictResyncs(t *testing.T) {
	a := tw(1, "after the conflict", "en")
	srv := xtest.New(testToken, streamUsers(), nil)
	defer srv.Close()
	srv.Script(xtest.Fault{Path: "/2/tweets/search/stream", Status: 409, Body: `{"title":"NoRules","detail":"There are no rules for this stream.","type":"https://api.x.com/2/problems/streaming-connection"}`, Times: 2})
	srv.OnConnect(func(cn *xtest.Conn) { cn.Send(a, "tt"); cn.Wait() })
	var out sink
	s := &Stream{APIBase: srv.URL, Token: testToken, Backoff: fastBackoff(), Events: []StreamEvent{{ID: "tt", Query: "q"}}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, nil, collector.NopStore{}, &out) }()
	waitFor(t, "the post after the conflicts", func() bool { return len(out.byEvent()["tt"]) == 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests("/2/tweets/search/stream")
	if len(reqs) != 3 || reqs[1].At.Sub(reqs[0].At) < 30*time.Millisecond {
		t.Errorf("%d connects, first gap %v: want 3, the retries backed off", len(reqs), reqs[1].At.Sub(reqs[0].At))
	}
	if n := len(srv.Requests("/2/tweets/search/stream/rules")); n < 3 {
		t.Errorf("%d rules requests: the rules were not synced again after a 409", n)
	}
}
