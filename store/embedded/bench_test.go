package embedded_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
)

// benchPosts makes n posts shaped like real ones: tweet-sized text, an
// author, a URL, snowflake-like ids, both platforms. created_at follows the
// ids, as in a live collection, unless shuffled: then it is spread over a
// week at random, as in an import of files in no particular order.
func benchPosts(event string, n int, shuffled bool) []chorus.Post {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]chorus.Post, n)
	for i := range out {
		pl := chorus.X
		lang := "en"
		text := "This is the true Olympic spirit! Three athletes from rival nations, one selfie on the podium. " + strconv.Itoa(i)
		if i%3 == 0 {
			pl, lang = chorus.Weibo, "zh"
			text = "这才是真正的奥林匹克精神！领奖台上的自拍太温暖了 [心] #巴黎奥运# " + strconv.Itoa(i)
		}
		id := strconv.FormatInt(1818700000000000000+int64(i)*4096, 10)
		out[i] = chorus.Post{
			Platform: pl, ID: id, Event: event, Lang: lang, Text: text,
			Author:    chorus.Author{ID: strconv.Itoa(i % 5000), Handle: "user" + strconv.Itoa(i%5000), Name: "Some One", Followers: int64(i % 997)},
			CreatedAt: time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC).Add(time.Duration(i) * 50 * time.Millisecond),
			URL:       "https://x.com/user/status/" + id,
			Metrics:   chorus.Metrics{Likes: int64(i % 101), Reposts: int64(i % 7), Replies: int64(i % 5)},
			Source:    "bench",
		}
		if shuffled {
			out[i].CreatedAt = time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(7*24*3600)) * time.Second)
		}
	}
	return out
}

// BenchmarkSubmitReadTally pushes 100k posts through the store as
// ingest.Pipeline does: one goroutine submits batches of 500 while workers
// read, score (a fixed label here) and tally them. posts/s is for the whole
// trip, from the first Submit until every post is tallied. fsync is on
// except in the nosync case, there for comparison only: on a shared disk
// the fsync cases swing with other I/O, while cpu-µs/post (user+system
// time of the process over the run) is steadier. batches/commit shows the
// group commit at work; file-B/post the size of the file.
func BenchmarkSubmitReadTally(b *testing.B) {
	const n, batch = 100_000, 500
	cases := []struct {
		workers  int
		shuffled bool
		nosync   bool
	}{{1, false, false}, {2, false, false}, {2, true, false}, {2, false, true}}
	for _, bc := range cases {
		b.Run(fmt.Sprintf("workers=%d/shuffled=%v/nosync=%v", bc.workers, bc.shuffled, bc.nosync), func(b *testing.B) {
			all := benchPosts("bench", n, bc.shuffled)
			labels := []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative}
			ctx := context.Background()
			var elapsed, cpu time.Duration
			var commits, batches, size int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				s, err := embedded.Open(b.TempDir(), embedded.Options{NoSync: bc.nosync})
				if err != nil {
					b.Fatal(err)
				}
				s.CreateEvent(ctx, chorus.Event{ID: "bench"})
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				var g errgroup.Group
				g.Go(func() error {
					for i := 0; i < n; i += batch {
						if _, err := s.Submit(ctx, "bench", all[i:min(i+batch, n)]); err != nil {
							return err
						}
					}
					return nil
				})
				var tallied atomic.Int64
				for w := range bc.workers {
					g.Go(func() error {
						for tallied.Load() < n {
							entries, err := s.Read(ctx, "bench-"+strconv.Itoa(w), batch, 20*time.Millisecond)
							if err != nil {
								return err
							}
							if len(entries) == 0 {
								continue
							}
							for i := range entries {
								entries[i].Post.Sentiment = &chorus.Sentiment{Label: labels[i%3], Score: 0.5, Confidence: 0.9, Model: "bench"}
							}
							k, err := s.Tally(ctx, entries)
							if err != nil {
								return err
							}
							tallied.Add(int64(k))
						}
						return nil
					})
				}
				if err := g.Wait(); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				b.StopTimer()
				size = embedded.FileSize(s)
				c, k := embedded.CommitStats(s)
				commits += c
				batches += k
				if sum, err := s.Summary(ctx, "bench", ""); err != nil || sum.Total != n {
					b.Fatalf("total %d, %v; want %d", sum.Total, err, n)
				}
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "posts/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/post")
			b.ReportMetric(float64(batches)/float64(commits), "batches/commit")
			b.ReportMetric(float64(size)/n, "file-B/post")
		})
	}
}
