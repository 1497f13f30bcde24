package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
	"github.com/chorus-news/chorus/web"
)

// benchPosts is the load of the dashboard benchmarks: as many posts as the
// issue's measurement, over two days (2,880 minute buckets), 60% X and
// English, 35% Weibo and Chinese, 5% other languages.
const benchPosts = 100_000

// benchViewers is how many clients read at once in the throughput
// benchmarks (as in the measurement).
const benchViewers = 32

var benchTexts = [][]string{
	{"This is the true Olympic spirit! A warmhearted group photo #Paris2024", "honestly the best moment of the games so far", "I don't think this selfie fixes anything, it's just PR", "what a match!!! unreal"},
	{"国乒夺冠！合影太暖了[心] #巴黎奥运#", "拍照的把王楚钦的球拍踩坏了，真的气死我了[怒]", "说实话这张照片没什么好吹的", "历史性的一刻，必须转发"},
	{"歴史的な瞬間ですね！素晴らしい写真", "¡Qué momento tan bonito!"},
}

func benchSample(n int) []chorus.Post {
	r := rand.New(rand.NewPCG(1, 16))
	base := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	posts := make([]chorus.Post, n)
	for i := range posts {
		p := chorus.Post{ID: strconv.Itoa(1818700000000000000 + i), Event: "bench",
			CreatedAt: base.Add(time.Duration(i)*48*time.Hour/time.Duration(n) + time.Duration(r.IntN(60))*time.Second)}
		switch k := r.IntN(100); {
		case k < 60:
			p.Platform, p.Lang, p.Text = chorus.X, "en", benchTexts[0][r.IntN(4)]
		case k < 95:
			p.Platform, p.Text = chorus.Weibo, benchTexts[1][r.IntN(4)]
		default:
			p.Platform, p.Text = chorus.X, benchTexts[2][r.IntN(2)]
		}
		p.Text += fmt.Sprintf(" %d", i%97)
		p.Author = chorus.Author{ID: strconv.Itoa(r.IntN(50000)), Handle: fmt.Sprintf("user%d", r.IntN(50000))}
		p.Metrics = chorus.Metrics{Likes: int64(r.IntN(500)), Reposts: int64(r.IntN(50))}
		p.URL = "https://x.com/user/status/" + p.ID
		posts[i] = p
	}
	return posts
}

// benchServer is chorus serve over an embedded store holding the sample:
// the dashboard handler on a real listener, with scoring workers.
type benchServer struct {
	url   string
	store benchStore
	n     int // posts trickled in
}

// benchStore is what the benchmarks need of a store.
type benchStore interface {
	web.Store
	ingest.Store
}

func openEmbedded(b *testing.B) benchStore {
	st, err := embedded.Open(b.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// openRedis starts a throwaway redis-server: serve and its workers then
// share it as they would with workers on other machines.
func openRedis(b *testing.B) benchStore {
	srv, err := redistest.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	st, err := redis.Open(context.Background(), srv.URL(), redis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

func newBenchServer(b *testing.B, open func(*testing.B) benchStore) *benchServer {
	b.Helper()
	st := open(b)
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := st.CreateEvent(ctx, chorus.Event{ID: "bench", Title: "Bench"}); err != nil {
		b.Fatal(err)
	}
	posts := benchSample(benchPosts)
	p := &ingest.Pipeline{Store: st, Analyzer: an, Workers: runtime.GOMAXPROCS(0), Consumer: "bench"}
	if _, err := p.Run(ctx, "bench", func(emit func(chorus.Post) error) error {
		for _, post := range posts {
			if err := emit(post); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.Start()
	b.Cleanup(srv.Close)
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		ingest.RunWorkers(wctx, runtime.GOMAXPROCS(0), "bench-serve", ingest.Worker{Source: st, Analyzer: an, Block: 50 * time.Millisecond})
	})
	b.Cleanup(func() { stop(); wg.Wait() })
	return &benchServer{url: srv.URL, store: st}
}

// benchClient is a viewer's browser as a load generator sees it: keep-alive
// connections, gzip accepted and not unpacked (unpacking is the viewer's
// work, on the viewer's machine, not the server's).
func benchClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
}

// BenchmarkDashboard serves the read routes a dashboard viewer hits at
// 100,000 posts with 32 viewers at once, and /healthz under the same load
// in the same run: the ratio of each route's rate to /healthz's is the
// figure to compare (scripts/bench-report prints it).
func BenchmarkDashboard(b *testing.B) { benchDashboard(b, openEmbedded, 5) }

// BenchmarkDashboardRedis is the same on real Redis, where every request
// checks the event's version with one GET (so that what workers in other
// processes tallied is seen).
func BenchmarkDashboardRedis(b *testing.B) { benchDashboard(b, openRedis, 3) }

func benchDashboard(b *testing.B, open func(*testing.B) benchStore, rounds int) {
	srv := newBenchServer(b, open)
	client := benchClient(benchViewers)
	routes := []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"event-page", "/events/bench"},
		{"timeline-1m", "/api/v1/events/bench/timeline?bucket=1m"},
		{"top-posts", "/api/v1/events/bench/posts?sort=top&limit=20"},
		{"summary", "/api/v1/events/bench/summary"},
		{"events", "/api/v1/events"},
	}
	get := func(path string) (int, error) {
		req, _ := http.NewRequest("GET", srv.url+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("GET %s: %s", path, resp.Status)
		}
		return int(n), err
	}
	// The machine is shared and its load comes and goes: each route is
	// measured right after /healthz, and its ratio is taken to that
	// measurement; rounds repeat the lot (bench-report takes the median).
	if n, err := strconv.Atoi(os.Getenv("CHORUS_BENCH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	pair := func(b *testing.B, name, path string, during func(b *testing.B) func()) {
		b.Run(name, func(b *testing.B) {
			b.Run("healthz", func(b *testing.B) { benchRoute(b, get, "/healthz") })
			b.Run("route", func(b *testing.B) {
				if during != nil {
					defer during(b)()
				}
				benchRoute(b, get, path)
			})
		})
	}
	for r := range rounds {
		b.Run(fmt.Sprintf("round%d", r+1), func(b *testing.B) {
			for _, rt := range routes[1:] {
				pair(b, rt.name, rt.path, nil)
			}
			// The event page while the event is live: 50 new posts a
			// second, each tally invalidating the page, which is built
			// again once for all the viewers waiting.
			pair(b, "event-page-live", "/events/bench", func(b *testing.B) func() { return srv.trickle(b, 20*time.Millisecond) })
		})
	}
}

// trickle posts one new post every d over HTTP until stopped, as a live
// event's collectors do.
func (s *benchServer) trickle(b *testing.B, d time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(d)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			s.n++
			body := fmt.Sprintf(`[{"platform":"weibo","id":"trickle-%d","text":"太好了","created_at":"2024-08-02T18:%02d:00Z"}]`, s.n, s.n%60)
			resp, err := http.Post(s.url+"/api/v1/events/bench/posts", "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
	return func() { close(done); wg.Wait() }
}

// benchRoute reads path from benchViewers goroutines at once.
func benchRoute(b *testing.B, get func(string) (int, error), path string) {
	size, err := get(path) // fills the cache, as the first viewer does
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism((benchViewers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			t := time.Now()
			if _, err := get(path); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(percentile(lat, 0.99).Seconds()*1000, "p99-ms")
	b.ReportMetric(float64(size), "bytes/resp")
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkLive connects 1,000 viewers to the event's live stream, then
// per iteration posts one new post over HTTP (queued, scored by the
// workers, tallied) and measures, for every viewer, the time from the POST
// until the stream brings a summary that counts it.
func BenchmarkLive(b *testing.B) {
	const viewers = 1000
	srv := newBenchServer(b, openEmbedded)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client := benchClient(viewers)
	// Each viewer reports every total it reads.
	type seen struct {
		total int64
		at    time.Time
	}
	feeds := make([]chan seen, viewers)
	for i := range feeds {
		feeds[i] = make(chan seen, 64)
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.url+"/api/v1/events/bench/live", nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		go func(feed chan seen) {
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				line, ok := strings.CutPrefix(sc.Text(), "data: ")
				if !ok {
					continue
				}
				// {"event":"bench","total":N,...}: the total without a full decode.
				_, rest, _ := strings.Cut(line, `"total":`)
				end := strings.IndexAny(rest, ",}")
				if n, err := strconv.ParseInt(rest[:max(end, 0)], 10, 64); err == nil {
					select {
					case feed <- seen{n, time.Now()}:
					default:
					}
				}
			}
		}(feeds[i])
	}
	// Every viewer has the current summary.
	for i, feed := range feeds {
		select {
		case s := <-feed:
			if s.total != benchPosts {
				b.Fatalf("viewer %d: first total %d, want %d", i, s.total, benchPosts)
			}
		case <-time.After(30 * time.Second):
			b.Fatalf("viewer %d: no summary in 30 s", i)
		}
	}
	post := func(i int) time.Time {
		body := fmt.Sprintf(`[{"platform":"x","id":"live-%d","text":"great news","created_at":"2024-08-02T18:00:00Z"}]`, i)
		t := time.Now()
		resp, err := http.Post(srv.url+"/api/v1/events/bench/posts", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("POST: %s", resp.Status)
		}
		return t
	}
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		want := int64(benchPosts + i + 1)
		t0 := post(i)
		for v, feed := range feeds {
			for {
				select {
				case s := <-feed:
					if s.total < want {
						continue
					}
					lat = append(lat, s.at.Sub(t0))
				case <-time.After(10 * time.Second):
					b.Fatalf("viewer %d: total %d not seen in 10 s", v, want)
				}
				break
			}
		}
		// Let the next post land in a later message (at most a few a second).
		time.Sleep(300 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(percentile(lat, 0.99).Seconds()*1000, "p99-ms")
	b.ReportMetric(percentile(lat, 0.5).Seconds()*1000, "p50-ms")
	b.ReportMetric(percentile(lat, 1).Seconds()*1000, "max-ms")
	b.ReportMetric(viewers, "viewers")
}
