package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
	"github.com/chorus-news/chorus/web"
)

func TestMain(m *testing.M) { redistest.Run(m) }

// Sample texts in the shape of real reactions: English tweets and Chinese
// Weibo posts with mentions, hashtags, emoji and bracket emoticons, plus a
// few in languages without a model.
var (
	enTexts = []string{
		"This is the true Olympic spirit! A warmhearted group photo 🥹 #Paris2024",
		"@user honestly the best moment of the games so far, not even close",
		"I don't think this selfie fixes anything, it's just PR for the IOC",
		"What a match!!! Sun Yingsha is unreal 🏓🔥",
		"can't believe people are crying over a selfie lol",
		"North and South Korea on one podium. History, whatever you think of it.",
		"So happy for Shin Yubin, she deserved that bronze ❤️",
		"The photographers damaging Wang Chuqin's paddle is a disgrace",
		"Watching the replay again. Still not over it. #TableTennis",
		"meh. a photo is a photo. wake me up when there's actual diplomacy",
		"RT @user: These might just be the most significant photos from the Paris Olympics",
		"Lovely gesture, but the athletes will probably get in trouble at home :(",
	}
	zhTexts = []string{
		"国乒夺冠！合影太暖了[心] #巴黎奥运#",
		"孙颖莎组织了这次世纪会面，太有大局观了[赞][赞]",
		"朝韩同台竟然是中国女孩导演的，笑死[doge]",
		"拍照的把王楚钦的球拍踩坏了，真的气死我了[怒]",
		"看哭了，体育的意义就在于此[泪]",
		"说实话这张照片没什么好吹的，别过度解读",
		"莎莎太可爱了！冠军实至名归[哈哈]",
		"希望朝鲜运动员回去不会被处罚…[伤心]",
		"历史性的一刻，必须转发",
		"今天的比赛看得我心脏受不了，还好赢了[加油]",
	}
	otherTexts = []string{
		"歴史的な瞬間ですね！素晴らしい写真",
		"남북한 선수들이 함께 셀카를 찍었다니 감동이에요",
		"¡Qué momento tan bonito en los Juegos Olímpicos!",
	}
)

// sample returns n posts as NDJSON, in the canonical form `chorus import`
// reads: about 60% X/English, 35% Weibo/Chinese, 5% other languages,
// posted over two days.
func sample(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	base := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	for i := range n {
		// As in a real capture, ids grow with time (X and Weibo ids embed
		// it): n posts over two days, with a little jitter.
		at := base.Add(time.Duration(i)*48*time.Hour/time.Duration(n) + time.Duration(r.IntN(60))*time.Second)
		p := chorus.Post{ID: fmt.Sprintf("%d", 1818700000000000000+i), CreatedAt: at}
		switch k := r.IntN(100); {
		case k < 60:
			p.Platform, p.Lang, p.Text = chorus.X, "en", enTexts[r.IntN(len(enTexts))]
		case k < 95:
			p.Platform, p.Text = chorus.Weibo, zhTexts[r.IntN(len(zhTexts))]
		default:
			p.Platform, p.Text = chorus.X, otherTexts[r.IntN(len(otherTexts))]
		}
		p.Text = fmt.Sprintf("%s %d", p.Text, i%97) // vary the text a little
		p.Author = chorus.Author{ID: fmt.Sprint(r.IntN(50000)), Handle: fmt.Sprintf("user%d", r.IntN(50000)), Followers: int64(r.IntN(10000))}
		p.Metrics = chorus.Metrics{Likes: int64(r.IntN(500)), Reposts: int64(r.IntN(50)), Replies: int64(r.IntN(30))}
		p.URL = "https://x.com/user/status/" + p.ID
		_ = enc.Encode(p)
	}
	return buf.Bytes()
}

// readSample parses sample NDJSON as chorus import does.
func readSample(data []byte, event string, emit func(chorus.Post) error) error {
	return file.Read(bytes.NewReader(data), "ndjson", func(r file.Record) error {
		if r.Err != nil {
			return r.Err
		}
		r.Post.Event = event
		return emit(r.Post)
	})
}

type benchStore interface {
	ingest.Store
	CreateEvent(ctx context.Context, ev chorus.Event) (bool, error)
	Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error)
}

// BenchmarkIngest is `chorus import` end to end: NDJSON parsed, validated,
// submitted, scored by the built-in models, tallied exactly once, and the
// queue drained. Each iteration imports the sample into a new event.
func BenchmarkIngest(b *testing.B) {
	const n = 100_000
	data := sample(n, 1)
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	stores := []struct {
		name string
		open func(b *testing.B) benchStore
	}{
		{"redis", func(b *testing.B) benchStore {
			s, err := redis.Open(context.Background(), redistest.URL(b), redis.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
		{"embedded", func(b *testing.B) benchStore {
			s, err := embedded.Open(b.TempDir(), embedded.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, sc := range stores {
		b.Run(sc.name, func(b *testing.B) {
			st := sc.open(b)
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			var mem memory
			if sc.name == "redis" {
				mem = usedMemory(b, os.Getenv(redistest.EnvURL))
			}
			b.ResetTimer()
			for i := range b.N {
				event := fmt.Sprintf("bench-%d", i)
				if _, err := st.CreateEvent(ctx, chorus.Event{ID: event, Title: event}); err != nil {
					b.Fatal(err)
				}
				p := &ingest.Pipeline{Store: st, Analyzer: an, Workers: runtime.GOMAXPROCS(0), Consumer: "bench"}
				counts, err := p.Run(ctx, event, func(emit func(chorus.Post) error) error {
					return readSample(data, event, emit)
				})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				sum, err := st.Summary(ctx, event, "")
				if err != nil {
					b.Fatal(err)
				}
				if counts.Accepted != n || sum.Total != n {
					b.Fatalf("accepted %d, tallied %d; want %d each", counts.Accepted, sum.Total, n)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "posts/s")
			if mem != nil {
				b.ReportMetric(float64(mem())/float64(n*b.N), "redis-B/post")
			}
		})
	}
}

// memory returns how many bytes Redis's used_memory grew since the
// function was made.
type memory func() int64

func usedMemory(b *testing.B, url string) memory {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	rdb := goredis.NewClient(opts)
	b.Cleanup(func() { rdb.Close() })
	read := func() int64 {
		info, err := rdb.Info(context.Background(), "memory").Result()
		if err != nil {
			b.Fatal(err)
		}
		for line := range strings.SplitSeq(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		return 0
	}
	start := read()
	return func() int64 { return read() - start }
}

// cpuUse reads the CPU seconds this process and the Redis server at url
// have used since the last reset: where a benchmark's time goes.
type cpuUse struct {
	rdb          *goredis.Client
	self, server float64
}

func newCPUUse(b *testing.B, url string) *cpuUse {
	opts, err := goredis.ParseURL(url)
	if err != nil {
		b.Fatal(err)
	}
	c := &cpuUse{rdb: goredis.NewClient(opts)}
	b.Cleanup(func() { c.rdb.Close() })
	c.reset(b)
	return c
}

func (c *cpuUse) read(b *testing.B) (self, server float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	info, err := c.rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(info, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, _ := strconv.ParseFloat(v, 64)
			server += f
		}
	}
	return self, server
}

func (c *cpuUse) reset(b *testing.B) { c.self, c.server = c.read(b) }

// report adds the CPU microseconds per post of this process and of Redis.
func (c *cpuUse) report(b *testing.B, posts int) {
	self, server := c.read(b)
	b.ReportMetric((self-c.self)*1e6/float64(posts), "go-µs/post")
	b.ReportMetric((server-c.server)*1e6/float64(posts), "redis-µs/post")
}

// BenchmarkScore is the analysis stage alone over the same sample, on all
// cores, for comparison with BenchmarkIngest.
func BenchmarkScore(b *testing.B) {
	var posts []chorus.Post
	_ = file.Read(bytes.NewReader(sample(20_000, 2)), "ndjson", func(r file.Record) error {
		posts = append(posts, r.Post)
		return nil
	})
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			p := posts[i%len(posts)]
			an.Analyze(p.Text, p.Lang)
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkPush is the HTTP push path end to end: 4 clients POST the
// sample as NDJSON batches of 1,000 posts to a real web handler; workers
// in the same process (one per CPU, as chorus serve runs them) read the
// queue, score and tally; the clock stops when every post is tallied.
// Each iteration pushes 100,000 posts into a new event on a real
// redis-server, through the at-least-once queue.
func BenchmarkPush(b *testing.B) {
	const (
		n       = 100_000
		batch   = 1000
		clients = 4
	)
	data := sample(n, 3)
	lines := bytes.SplitAfter(bytes.TrimRight(data, "\n"), []byte("\n"))
	var bodies [][]byte
	for i := 0; i < len(lines); i += batch {
		bodies = append(bodies, bytes.Join(lines[i:min(i+batch, len(lines))], nil))
	}
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	url := redistest.URL(b)
	st, err := redis.Open(ctx, url, redis.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	mem := usedMemory(b, url)
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	wctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		ingest.RunWorkers(wctx, runtime.GOMAXPROCS(0), "push", ingest.Worker{Source: st, Analyzer: an})
	})
	defer func() { stop(); wg.Wait() }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	// An event per round, created before the clock starts: the figure is
	// the push path's, not how soon workers notice a new event (within
	// 100 ms, even from another process).
	for i := range b.N {
		event := fmt.Sprintf("push-%d", i)
		if _, err := st.CreateEvent(ctx, chorus.Event{ID: event, Title: event}); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	cpu := newCPUUse(b, url)
	b.ResetTimer()
	for i := range b.N {
		event := fmt.Sprintf("push-%d", i)
		var next atomic.Int64
		errs := make(chan error, clients)
		var cw sync.WaitGroup
		for range clients {
			cw.Go(func() {
				for {
					k := int(next.Add(1)) - 1
					if k >= len(bodies) {
						return
					}
					resp, err := client.Post(srv.URL+"/api/v1/events/"+event+"/posts", "application/x-ndjson", bytes.NewReader(bodies[k]))
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						errs <- fmt.Errorf("POST batch %d: %s", k, resp.Status)
						return
					}
				}
			})
		}
		cw.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		for {
			q, err := st.Queued(ctx, event)
			if err != nil {
				b.Fatal(err)
			}
			if q == 0 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		b.StopTimer()
		if sum, err := st.Summary(ctx, event, ""); err != nil || sum.Total != n {
			b.Fatalf("tallied %d, %v; want %d", sum.Total, err, n)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "posts/s")
	b.ReportMetric(float64(mem())/float64(n*b.N), "redis-B/post")
	cpu.report(b, n*b.N)
}
