package report_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/report"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// benchPosts is the size of the benchmark's event (CHORUS_BENCH_POSTS
// overrides).
func benchPosts() int {
	if n, err := strconv.Atoi(os.Getenv("CHORUS_BENCH_POSTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

// realistic makes n posts over three days on both platforms, in English
// and Chinese, with engagement spread like a real event's.
func realistic(n int) ([]chorus.Post, map[string]chorus.Sentiment) {
	texts := []string{
		"This is the true Olympic spirit! Two teams, one selfie, and the whole world smiling at once.",
		"这是真正的奥林匹克精神！韩国和朝鲜选手一起自拍，太感人了 [心][心]",
		"Honestly a bit of a PR stunt for the phone maker, but still a nice moment on the podium.",
		"政治作秀而已，没什么好感动的。比赛本身才是重点。",
		"@olympics the photo of the year, no doubt. #Paris2024",
	}
	labels := []chorus.Label{chorus.Positive, chorus.Positive, chorus.Neutral, chorus.Negative, chorus.Positive}
	posts := make([]chorus.Post, n)
	sents := make(map[string]chorus.Sentiment, n)
	for i := range posts {
		pl := chorus.Platforms[i%2]
		k := i % len(texts)
		p := chorus.Post{
			Platform: pl, ID: strconv.Itoa(1_000_000 + i), Event: eventID, Lang: []string{"en", "zh"}[k%2],
			Text:      fmt.Sprintf("%s (%d)", texts[k], i),
			CreatedAt: t0.Add(time.Duration(i) * (3 * 24 * time.Hour / time.Duration(n))),
			Author:    chorus.Author{ID: strconv.Itoa(i % 5000), Handle: fmt.Sprintf("user%d", i%5000), Name: fmt.Sprintf("用户 %d", i%5000), Followers: int64(i % 10000)},
			URL:       fmt.Sprintf("https://example.com/%d", i),
			Metrics:   chorus.Metrics{Likes: int64(i*7919) % 1000, Reposts: int64(i % 50), Replies: int64(i % 20)},
		}
		posts[i] = p
		model := "en-linear/2"
		if p.Lang == "zh" {
			model = "zh-linear/2"
		}
		sents[p.Key()] = chorus.Sentiment{Label: labels[k], Score: 0.5, Confidence: 0.8, Model: model}
	}
	return posts, sents
}

// BenchmarkReport writes the report of a 100,000-post event in each
// format from each store: posts/s and bytes per report.
func BenchmarkReport(b *testing.B) {
	n := benchPosts()
	posts, sents := realistic(n)
	for _, kind := range []string{"embedded", "redis"} {
		b.Run(kind, func(b *testing.B) {
			var s store
			switch kind {
			case "embedded":
				st, err := embedded.Open(b.TempDir(), embedded.Options{NoSync: true})
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				s = st
			case "redis":
				st, err := redis.Open(context.Background(), redistest.URL(b), redis.Options{})
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				s = st
			}
			fill(b, s, posts, sents)
			for _, f := range report.Formats {
				b.Run(string(f), func(b *testing.B) {
					b.ReportAllocs()
					var size int64
					for b.Loop() {
						cw := &counter{}
						if err := report.Write(context.Background(), s, eventID, f, cw, report.Options{}); err != nil {
							b.Fatal(err)
						}
						size = cw.n
					}
					b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "posts/s")
					b.ReportMetric(float64(size), "bytes/report")
				})
			}
		})
	}
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*counter)(nil)
