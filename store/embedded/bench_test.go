package embedded_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
)

// benchPosts makes n posts shaped like real ones: tweet-sized text, an
// author, a URL, time-ordered snowflake-like ids, both platforms.
func benchPosts(event string, n int) []chorus.Post {
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
	}
	return out
}

// BenchmarkSubmitReadTally pushes 100k posts through the store as serve
// does: one goroutine submits batches while a worker reads, scores (a fixed
// label here) and tallies them, fsync on. posts/s is for the whole trip.
func BenchmarkSubmitReadTally(b *testing.B) {
	const n, batch = 100_000, 500
	for _, nosync := range []bool{false, true} {
		b.Run(fmt.Sprintf("nosync=%v", nosync), func(b *testing.B) {
			all := benchPosts("bench", n)
			labels := []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative}
			ctx := context.Background()
			var elapsed, cpu time.Duration
			var commits, batches, size int64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				s, err := embedded.Open(b.TempDir(), embedded.Options{NoSync: nosync})
				if err != nil {
					b.Fatal(err)
				}
				s.CreateEvent(ctx, chorus.Event{ID: "bench"})
				b.StartTimer()
				start, cpu0 := time.Now(), cpuTime()
				errc := make(chan error, 1)
				go func() {
					for i := 0; i < n; i += batch {
						if _, err := s.Submit(ctx, "bench", all[i:min(i+batch, n)]); err != nil {
							errc <- err
							return
						}
					}
					errc <- nil
				}()
				for tallied := 0; tallied < n; {
					entries, err := s.Read(ctx, "bench", batch, time.Second)
					if err != nil {
						b.Fatal(err)
					}
					for i := range entries {
						entries[i].Post.Sentiment = &chorus.Sentiment{Label: labels[i%3], Score: 0.5, Confidence: 0.9, Model: "bench"}
					}
					k, err := s.Tally(ctx, entries)
					if err != nil {
						b.Fatal(err)
					}
					tallied += k
				}
				if err := <-errc; err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(start)
				cpu += cpuTime() - cpu0
				size = embedded.FileSize(s)
				c, g := embedded.CommitStats(s)
				commits += c
				batches += g
				b.StopTimer()
				if sum, err := s.Summary(ctx, "bench", ""); err != nil || sum.Total != n {
					b.Fatalf("total %d, %v; want %d", sum.Total, err, n)
				}
				s.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "posts/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(n*b.N), "cpu-µs/post")
			b.ReportMetric(float64(batches)/float64(commits), "batches/commit")
			b.ReportMetric(float64(commits)/float64(b.N), "commits/op")
			b.ReportMetric(float64(size)/n, "file-B/post")
		})
	}
}
