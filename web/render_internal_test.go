package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
)

// BenchmarkRenderEvent is one build of the event page (what a request
// after a tally waits for) at 20,000 posts over two days.
func BenchmarkRenderEvent(b *testing.B) {
	st, err := embedded.Open(b.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.CreateEvent(ctx, chorus.Event{ID: "ev", Title: "Ev"}); err != nil {
		b.Fatal(err)
	}
	t0 := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	const n = 20_000
	for k := 0; k < n; k += 1000 {
		var batch []chorus.Post
		for i := k; i < k+1000; i++ {
			batch = append(batch, chorus.Post{Platform: []chorus.Platform{chorus.X, chorus.Weibo}[i%2], ID: fmt.Sprint(i), Event: "ev",
				Text: fmt.Sprintf("post %d <b>text</b>", i), Lang: []string{"en", "zh", "ja"}[i%3], Author: chorus.Author{Handle: fmt.Sprint("u", i)},
				CreatedAt: t0.Add(time.Duration(i) * 48 * time.Hour / n), URL: "https://x.com/u/status/1", Metrics: chorus.Metrics{Likes: int64(i % 500)}})
		}
		if _, err := st.Submit(ctx, "ev", batch); err != nil {
			b.Fatal(err)
		}
		for {
			entries, err := st.Read(ctx, "bench", 1000, time.Millisecond)
			if err != nil {
				b.Fatal(err)
			}
			if len(entries) == 0 {
				break
			}
			for i := range entries {
				entries[i].Post.Sentiment = &chorus.Sentiment{Label: chorus.Labels[i%4], Model: "m/1"}
			}
			if _, err := st.Tally(ctx, entries); err != nil {
				b.Fatal(err)
			}
		}
	}
	s := &server{cfg: Config{Store: st}}
	if s.pages, err = parsePages(); err != nil {
		b.Fatal(err)
	}
	for _, bucket := range []chorus.Bucket{"", chorus.Minute} {
		b.Run("bucket="+string(bucket), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.renderEvent(ctx, "ev", bucket, "", nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/build")
		})
	}
}
