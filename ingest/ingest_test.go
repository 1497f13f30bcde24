package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/analysis/remote/remotetest"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

type testStore interface {
	benchStore
	Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error)
}

func stores(t *testing.T) map[string]testStore {
	t.Helper()
	emb, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	rs, err := redis.Open(context.Background(), redistest.URL(t), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	return map[string]testStore{"embedded": emb, "redis": rs}
}

func engine(t *testing.T) *analysis.Engine {
	t.Helper()
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return an
}

func TestSubmitRejectsByIndexAndKeepsTheRest(t *testing.T) {
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	var posts []chorus.Post
	for i := range ingest.BatchSize + 10 { // more than one batch
		posts = append(posts, chorus.Post{Platform: chorus.X, ID: fmt.Sprint(i), Text: "so happy for them", CreatedAt: at, Event: "ignored"})
	}
	posts[3].Platform = "myspace"
	posts[400].ID = ""
	posts[515].Text = "bad \xff"
	posts[9] = posts[8] // a repeat
	posts[5].Sentiment = &chorus.Sentiment{Label: chorus.Negative, Model: "forged"}
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st.CreateEvent(ctx, chorus.Event{ID: "ev", Title: "ev"})
			res, err := ingest.Submit(ctx, st, "ev", posts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Rejected {
				got = append(got, fmt.Sprintf("%d %s", r.Index, r.Error))
			}
			want := []string{`3 platform: unknown platform "myspace" (want x or weibo)`, "400 id: missing", "515 text: not valid UTF-8"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("rejected = %q, want %q", got, want)
			}
			if res.Accepted != len(posts)-4 || res.Duplicates != 1 {
				t.Errorf("accepted %d duplicates %d, want %d and 1", res.Accepted, res.Duplicates, len(posts)-4)
			}
			w := ingest.Worker{Source: st, Analyzer: engine(t), Name: "t", Block: 10 * time.Millisecond}
			for {
				n, err := w.Step(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			sum, err := st.Summary(ctx, "ev", "")
			if err != nil {
				t.Fatal(err)
			}
			if sum.Total != int64(res.Accepted) || sum.ByLang["en"] != sum.Total {
				t.Errorf("summary total %d (en %d), want %d, all en", sum.Total, sum.ByLang["en"], res.Accepted)
			}
			page, err := st.Posts(ctx, "ev", chorus.PostQuery{Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page.Posts {
				if p.Event != "ev" || p.Sentiment == nil || p.Sentiment.Model == "forged" {
					t.Fatalf("post %s: event %q sentiment %+v; want event ev and a sentiment from the models", p.Key(), p.Event, p.Sentiment)
				}
			}
		})
	}
}

func TestPipelineWaitsUntilTallied(t *testing.T) {
	data := sample(3000, 9)
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st.CreateEvent(ctx, chorus.Event{ID: "pipe", Title: "pipe"})
			var progress int64
			p := &ingest.Pipeline{Store: st, Analyzer: engine(t), Workers: 2, Consumer: "t-" + name,
				Progress: func(c ingest.Counts) { progress = c.Accepted + c.Duplicates }}
			counts, err := p.Run(ctx, "pipe", func(emit func(chorus.Post) error) error {
				return readSample(data, "pipe", emit)
			})
			if err != nil {
				t.Fatal(err)
			}
			// No waiting here: Run returned, so every post is counted.
			sum, err := st.Summary(ctx, "pipe", "")
			if err != nil {
				t.Fatal(err)
			}
			if counts.Accepted != 3000 || sum.Total != 3000 || progress != 3000 {
				t.Errorf("accepted %d, tallied %d, progress %d; want 3000 each", counts.Accepted, sum.Total, progress)
			}
			if sum.ByLabel.Unscored == 0 || sum.ByLang["zh"] == 0 || sum.ByLang["en"] == 0 {
				t.Errorf("summary %+v: want en, zh and unscored other-language posts", sum)
			}
		})
	}
}

// TestPipelineWithQueuedPosts: posts another path queued before the import
// (an HTTP push, a collector) are duplicates to it, and are tallied by the
// time Run returns, once, whether the store takes scored posts directly
// (Redis) or through its queue (embedded).
func TestPipelineWithQueuedPosts(t *testing.T) {
	data := sample(2000, 11)
	var all []chorus.Post
	if err := readSample(data, "mixed", func(p chorus.Post) error { all = append(all, p); return nil }); err != nil {
		t.Fatal(err)
	}
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st.CreateEvent(ctx, chorus.Event{ID: "mixed", Title: "mixed"})
			if res, err := st.Submit(ctx, "mixed", all[:300]); err != nil || res.Accepted != 300 {
				t.Fatalf("Submit = %+v, %v; want 300 accepted", res, err)
			}
			p := &ingest.Pipeline{Store: st, Analyzer: engine(t), Workers: 2, Consumer: "m-" + name}
			counts, err := p.Run(ctx, "mixed", func(emit func(chorus.Post) error) error {
				return readSample(data, "mixed", emit)
			})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := st.Summary(ctx, "mixed", "")
			if err != nil {
				t.Fatal(err)
			}
			if counts.Accepted != 1700 || counts.Duplicates != 300 || sum.Total != 2000 {
				t.Errorf("accepted %d, duplicates %d, tallied %d; want 1700, 300, 2000", counts.Accepted, counts.Duplicates, sum.Total)
			}
			if q, err := st.Queued(ctx, "mixed"); err != nil || q != 0 {
				t.Errorf("Queued = %d, %v; want 0", q, err)
			}
			// Again: nothing new by either path.
			counts, err = p.Run(ctx, "mixed", func(emit func(chorus.Post) error) error {
				return readSample(data, "mixed", emit)
			})
			if sum2, _ := st.Summary(ctx, "mixed", ""); err != nil || counts.Accepted != 0 || sum2.Total != 2000 {
				t.Errorf("re-import: accepted %d, tallied %d, %v; want 0, 2000", counts.Accepted, sum2.Total, err)
			}
		})
	}
}

// TestRemoteScorerIsBatched: with an HTTP scorer, workers and imports send
// posts to it in batches, not one request per post.
func TestRemoteScorerIsBatched(t *testing.T) {
	srv := remotetest.Start(t, chorus.Positive, "big/3")
	an, err := analysis.New(analysis.Options{Remote: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	data := sample(2000, 12)
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			srv.Requests.Store(0)
			srv.Posts.Store(0)
			ctx := context.Background()
			st.CreateEvent(ctx, chorus.Event{ID: "remote", Title: "remote"})
			p := &ingest.Pipeline{Store: st, Analyzer: an, Workers: 2, Consumer: "r-" + name}
			if _, err := p.Run(ctx, "remote", func(emit func(chorus.Post) error) error {
				return readSample(data, "remote", emit)
			}); err != nil {
				t.Fatal(err)
			}
			sum, err := st.Summary(ctx, "remote", "")
			if err != nil {
				t.Fatal(err)
			}
			if sum.Total != 2000 || sum.ByLabel.Positive != 2000 {
				t.Errorf("summary %+v: want 2000 posts, all positive as the service said", sum)
			}
			if srv.Posts.Load() != 2000 || srv.Requests.Load() > 40 {
				t.Errorf("%d requests carrying %d posts; want 2000 posts in batches (at most 40 requests)", srv.Requests.Load(), srv.Posts.Load())
			}
		})
	}
}

// TestRepostsFoldIntoReach: plain reposts, by Submit (the HTTP path) or by
// the pipeline (imports), are folded into reach once each and never become
// posts, in both stores.
func TestRepostsFoldIntoReach(t *testing.T) {
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	orig := chorus.Post{Platform: chorus.X, ID: "100", Text: "Best selfie of the Games, no contest", Lang: "en", CreatedAt: at}
	var batch []chorus.Post
	batch = append(batch, orig)
	for i := range 5 {
		batch = append(batch, chorus.Post{Platform: chorus.X, ID: fmt.Sprint(200 + i), RepostOf: "100", CreatedAt: at.Add(time.Minute)})
	}
	batch = append(batch, chorus.Post{Platform: chorus.Weibo, ID: "300", RepostOf: "5062", CreatedAt: at}, batch[1]) // the last repeats a repost
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st.CreateEvent(ctx, chorus.Event{ID: "rt", Title: "rt"})
			res, err := ingest.Submit(ctx, st, "rt", batch[:4])
			if err != nil {
				t.Fatal(err)
			}
			if res.Accepted != 4 || res.Duplicates != 0 || len(res.Rejected) != 0 {
				t.Errorf("Submit = %+v; want 4 accepted", res)
			}
			p := &ingest.Pipeline{Store: st, Analyzer: engine(t), Workers: 2, Consumer: "rt-" + name}
			counts, err := p.Run(ctx, "rt", func(emit func(chorus.Post) error) error {
				for _, b := range batch {
					b.Event = "rt"
					if err := b.Validate(); err != nil {
						return err
					}
					if err := emit(b); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if counts.Accepted != 3 || counts.Duplicates != 5 {
				t.Errorf("pipeline: accepted %d, duplicates %d; want 3 and 5", counts.Accepted, counts.Duplicates)
			}
			sum, err := st.Summary(ctx, "rt", "")
			if err != nil {
				t.Fatal(err)
			}
			if sum.Total != 1 || sum.Reposts != 6 || sum.ByPlatform[chorus.X].Reposts != 5 || sum.ByPlatform[chorus.Weibo].Reposts != 1 {
				t.Errorf("summary: total %d, reposts %d (x %d, weibo %d); want 1 post and 6 reposts (5 and 1)",
					sum.Total, sum.Reposts, sum.ByPlatform[chorus.X].Reposts, sum.ByPlatform[chorus.Weibo].Reposts)
			}
		})
	}
}

// TestQueueCap: past an event's queue cap, Submit stores nothing and
// fails with a *chorus.BusyError carrying the wait (what a collector
// waits out, and what POST …/posts answers as 429); once workers drain
// the queue the same posts go in, and every post counts once.
func TestQueueCap(t *testing.T) {
	const capacity = 50
	emb, err := embedded.Open(t.TempDir(), embedded.Options{QueueCap: capacity})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emb.Close() })
	rs, err := redis.Open(context.Background(), redistest.URL(t), redis.Options{QueueCap: capacity, Shards: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rs.Close() })
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	var posts []chorus.Post
	for i := range 200 {
		posts = append(posts, chorus.Post{Platform: chorus.X, ID: fmt.Sprint(i), Text: "so happy for them", CreatedAt: at})
	}
	for name, st := range map[string]testStore{"embedded": emb, "redis": rs} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st.CreateEvent(ctx, chorus.Event{ID: "capped", Title: "capped"})
			accepted := 0
			var busy error
			for k := 0; k < len(posts) && busy == nil; k += 40 {
				res, err := ingest.Submit(ctx, st, "capped", posts[k:k+40])
				accepted += res.Accepted
				busy = err
			}
			wait, ok := chorus.RetryAfter(busy, 0)
			if !errors.Is(busy, chorus.ErrBusy) || !ok || wait <= 0 {
				t.Fatalf("Submit past the cap: err %v (wait %v); want a BusyError with a wait", busy, wait)
			}
			if q, _ := st.Queued(ctx, "capped"); accepted < capacity || q != int64(accepted) || q > capacity+40 {
				t.Errorf("accepted %d, queued %d before the refusal; want the cap (%d) reached, overshot by one batch at most", accepted, q, capacity)
			}
			// A collector that waits and sends everything again, while a
			// worker drains the queue, gets every post in, once.
			w := ingest.Worker{Source: st, Analyzer: engine(t), Name: "cap-" + name, Block: 10 * time.Millisecond}
			for k := 0; k < len(posts); {
				_, err := ingest.Submit(ctx, st, "capped", posts[k:k+40])
				if errors.Is(err, chorus.ErrBusy) {
					if _, err := w.Step(ctx); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				k += 40
			}
			for {
				n, err := w.Step(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					break
				}
			}
			if sum, _ := st.Summary(ctx, "capped", ""); sum.Total != 200 {
				t.Errorf("total = %d, want 200", sum.Total)
			}
		})
	}
}

// TestPipelineWaitsAtTheCap: an import into a store whose queue cap is far
// below the import's size waits for the workers at the cap instead of
// failing, and counts every post once.
func TestPipelineWaitsAtTheCap(t *testing.T) {
	emb, err := embedded.Open(t.TempDir(), embedded.Options{QueueCap: 300, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	ctx := context.Background()
	emb.CreateEvent(ctx, chorus.Event{ID: "capped", Title: "capped"})
	data := sample(5000, 21)
	p := &ingest.Pipeline{Store: emb, Analyzer: engine(t), Workers: 2, Consumer: "cap"}
	counts, err := p.Run(ctx, "capped", func(emit func(chorus.Post) error) error {
		return readSample(data, "capped", emit)
	})
	if err != nil {
		t.Fatalf("import at a cap of 300: %v", err)
	}
	if sum, _ := emb.Summary(ctx, "capped", ""); counts.Accepted != 5000 || sum.Total != 5000 {
		t.Errorf("accepted %d, tallied %d; want 5000 each", counts.Accepted, sum.Total)
	}
}
