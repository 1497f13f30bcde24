package web_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
	"github.com/chorus-news/chorus/web"
)

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestCachedReadsFollowWrites: every read route answers from the cache, and
// each write (a post, a correction) is seen by the very next read; an
// unchanged answer revalidates as 304 and comes gzip'd when asked.
func TestCachedReadsFollowWrites(t *testing.T) {
	f := newFixture(t, "")
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+postJSON("x", "1", "I love this")+"]")
	f.drain()
	paths := []string{"/api/v1/events", "/api/v1/events/ev/summary", "/api/v1/events/ev/timeline?bucket=1m", "/api/v1/events/ev/posts", "/events/ev", "/"}
	etags := map[string]string{}
	for _, p := range paths {
		resp, body := get(t, f.srv.URL+p)
		etag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || etag == "" {
			t.Fatalf("GET %s = %d, ETag %q", p, resp.StatusCode, etag)
		}
		etags[p] = etag
		if again, _ := get(t, f.srv.URL+p, "If-None-Match", etag); again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag = %d, want 304", p, again.StatusCode)
		}
		if resp, zipped := get(t, f.srv.URL+p, "Accept-Encoding", "gzip"); resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(zipped))
			if err != nil {
				t.Fatalf("GET %s gzip: %v", p, err)
			}
			if plain, _ := io.ReadAll(zr); string(plain) != body {
				t.Errorf("GET %s gzip'd differs from the plain body", p)
			}
		} else if len(body) > 2048 {
			t.Errorf("GET %s (%d bytes) with Accept-Encoding gzip came uncompressed", p, len(body))
		}
	}
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+postJSON("weibo", "2", "太好了")+"]")
	f.drain()
	for _, p := range paths {
		resp, _ := get(t, f.srv.URL+p, "If-None-Match", etags[p])
		if resp.StatusCode != 200 {
			t.Errorf("GET %s after a new post = %d, want 200 with the new answer", p, resp.StatusCode)
		}
	}
	if _, body := get(t, f.srv.URL+"/api/v1/events/ev/summary"); !strings.Contains(body, `"total":2`) {
		t.Errorf("summary after the second post = %s, want total 2", body)
	}
	f.do("PATCH", "/api/v1/events/ev/posts/x/1", "application/json", "", `{"label":"negative"}`)
	if _, body := get(t, f.srv.URL+"/api/v1/events/ev/summary"); !strings.Contains(body, `"negative":1`) {
		t.Errorf("summary right after a correction = %s, want negative 1", body)
	}
	if _, body := get(t, f.srv.URL+"/api/v1/events/ev/posts?label=negative"); !strings.Contains(body, `"id":"1"`) {
		t.Errorf("negative posts right after a correction = %s, want x:1", body)
	}
}

// TestCacheSeesOtherProcesses runs two dashboards on one real Redis, as
// serve and a second serve (or workers) elsewhere would: what one tallies
// the other's cache shows at its next read.
func TestCacheSeesOtherProcesses(t *testing.T) {
	srv, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	open := func() *redis.Store {
		st, err := redis.Open(ctx, srv.URL(), redis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b := open(), open()
	ha, err := web.New(web.Config{Store: a, Decode: file.DecodePost, TallyWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(ha)
	defer ts.Close()
	if _, err := b.CreateEvent(ctx, chorus.Event{ID: "ev", Title: "Ev"}); err != nil {
		t.Fatal(err)
	}
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tally := func(id string) {
		t.Helper()
		p := chorus.Post{Platform: chorus.X, ID: id, Event: "ev", Text: "wonderful", CreatedAt: time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)}
		if _, err := ingest.Submit(ctx, b, "ev", []chorus.Post{p}); err != nil {
			t.Fatal(err)
		}
		w := ingest.Worker{Source: b, Analyzer: an, Name: "elsewhere", Block: 10 * time.Millisecond}
		for {
			n, err := w.Step(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	for i, want := range []string{`"total":1`, `"total":2`, `"total":3`} {
		tally(string(rune('a' + i)))
		for _, p := range []string{"/api/v1/events/ev/summary", "/api/v1/events"} {
			if _, body := get(t, ts.URL+p); !strings.Contains(body, want) {
				t.Errorf("GET %s after tally %d elsewhere = %s, want %s", p, i+1, body, want)
			}
		}
	}
	if _, err := b.Correct(ctx, "ev", chorus.X, "a", chorus.Negative, ""); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, ts.URL+"/api/v1/events/ev/summary"); !strings.Contains(body, `"negative":1`) {
		t.Errorf("summary after a correction elsewhere = %s, want negative 1", body)
	}
}

// TestLiveStreamIsShared: the stream sends only on change, keeps idle
// connections alive with comment lines, and lets go of a viewer whose
// client went (the viewers gauge falls back to zero).
func TestLiveStreamIsShared(t *testing.T) {
	f := newFixture(t, "")
	reg := prometheus.NewRegistry()
	h, err := web.New(web.Config{Store: f.store, Decode: file.DecodePost, TallyWait: -1, Gatherer: reg, Registerer: reg, LiveHeartbeat: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	viewers := func() string {
		_, body := get(t, ts.URL+"/metrics")
		for line := range strings.Lines(body) {
			if v, ok := strings.CutPrefix(line, "chorus_live_viewers "); ok {
				return strings.TrimSpace(v)
			}
		}
		return "missing"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type stream struct {
		cancel context.CancelFunc
		lines  chan string
	}
	open := func() stream {
		sctx, scancel := context.WithCancel(ctx)
		req, _ := http.NewRequestWithContext(sctx, "GET", ts.URL+"/api/v1/events/ev/live", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 100)
		go func() {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		return stream{scancel, lines}
	}
	// collect gathers a stream's lines for d.
	collect := func(s stream, d time.Duration) []string {
		var out []string
		deadline := time.After(d)
		for {
			select {
			case l, ok := <-s.lines:
				if !ok {
					return out
				}
				out = append(out, l)
			case <-deadline:
				return out
			}
		}
	}
	count := func(lines []string, prefix string) int {
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				n++
			}
		}
		return n
	}
	s1, s2 := open(), open()
	first := collect(s1, 700*time.Millisecond)
	if n := count(first, "data: "); n != 1 {
		t.Errorf("in 0.7 s without a change the stream sent %d messages, want the 1 current summary: %q", n, first)
	}
	if count(first, ": keep-alive") == 0 {
		t.Errorf("idle stream sent no keep-alive comment in 0.7 s at a 0.1 s heartbeat: %q", first)
	}
	if n := count(collect(s2, 300*time.Millisecond), "data: "); n != 1 {
		t.Errorf("second viewer got %d messages, want the 1 current summary", n)
	}
	if v := viewers(); v != "2" {
		t.Errorf("chorus_live_viewers = %s with two streams open, want 2", v)
	}
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+postJSON("x", "1", "so good")+"]")
	f.drain()
	for _, s := range []stream{s1, s2} {
		got := collect(s, time.Second)
		if count(got, "data: ") != 1 || !strings.Contains(strings.Join(got, "\n"), `"total":1`) {
			t.Errorf("after one post a viewer got %q, want one summary with total 1", got)
		}
	}
	// A burst of changes: at most one message per 250 ms, the last one
	// carrying the final total.
	for i := 2; i <= 9; i++ {
		f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+postJSON("x", fmt.Sprint(i), "so good")+"]")
		f.drain()
		time.Sleep(30 * time.Millisecond)
	}
	burst := collect(s1, 1500*time.Millisecond)
	if n := count(burst, "data: "); n < 1 || n > 4 {
		t.Errorf("8 changes in about 0.3 s gave %d messages over 1.5 s, want 1 to 4 (at most one per 250 ms)", n)
	}
	var lastData string
	for _, l := range burst {
		if strings.HasPrefix(l, "data: ") {
			lastData = l
		}
	}
	if !strings.Contains(lastData, `"total":9`) {
		t.Errorf("last message after the burst = %q, want total 9", lastData)
	}
	collect(s2, 100*time.Millisecond)
	s1.cancel()
	s2.cancel()
	deadline := time.Now().Add(5 * time.Second)
	for viewers() != "0" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if v := viewers(); v != "0" {
		t.Errorf("chorus_live_viewers = %s after both clients went, want 0", v)
	}
}

// TestCacheUnderConcurrentWrites: while posts arrive one by one, readers
// hammering the summary and the page never see a total go back, and the
// writer always reads its own write.
func TestCacheUnderConcurrentWrites(t *testing.T) {
	t.Run("embedded", func(t *testing.T) {
		f := newFixture(t, "")
		concurrentWrites(t, f.store, f.an)
	})
	t.Run("redis", func(t *testing.T) {
		srv, err := redistest.Start()
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Stop()
		st, err := redis.Open(context.Background(), srv.URL(), redis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := st.CreateEvent(context.Background(), chorus.Event{ID: "ev", Title: "Ev"}); err != nil {
			t.Fatal(err)
		}
		an, err := analysis.New(analysis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		concurrentWrites(t, st, an)
	})
}

type sourceStore interface {
	web.Store
	ingest.Source
}

func concurrentWrites(t *testing.T, st sourceStore, an *analysis.Engine) {
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	workers := make(chan struct{})
	go func() {
		ingest.RunWorkers(ctx, 2, "test", ingest.Worker{Source: st, Analyzer: an, Block: 10 * time.Millisecond})
		close(workers)
	}()
	defer func() { cancel(); <-workers }()
	total := func(body string) int {
		_, rest, ok := strings.Cut(body, `"total":`)
		if !ok {
			return -1
		}
		n := 0
		for _, c := range rest {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	pageTotal := func(body string) int {
		_, rest, ok := strings.Cut(body, `data-field="total">`)
		if !ok {
			return -1
		}
		return total(`"total":` + rest)
	}
	done := make(chan struct{})
	errs := make(chan string, 100)
	var readers sync.WaitGroup
	for r := range 6 {
		readers.Go(func() {
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				var n int
				if r%2 == 0 {
					_, body := get(t, ts.URL+"/api/v1/events/ev/summary")
					n = total(body)
				} else {
					_, body := get(t, ts.URL+"/events/ev")
					n = pageTotal(body)
				}
				if n < last {
					errs <- fmt.Sprintf("reader %d saw the total go from %d back to %d", r, last, n)
					return
				}
				last = n
			}
		})
	}
	for i := 1; i <= 25; i++ {
		// Through ts, whose POST waits for the tally (read your writes).
		resp, err := http.Post(ts.URL+"/api/v1/events/ev/posts", "application/json", strings.NewReader("["+postJSON("x", fmt.Sprint(i), "so happy")+"]"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %d = %s", i, resp.Status)
		}
		_, body := get(t, ts.URL+"/api/v1/events/ev/summary")
		if n := total(body); n < i {
			t.Errorf("after post %d was tallied, the summary says %d", i, n)
		}
		_, page := get(t, ts.URL+"/events/ev")
		if n := pageTotal(page); n < i {
			t.Errorf("after post %d was tallied, the page says %d", i, n)
		}
	}
	close(done)
	readers.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
