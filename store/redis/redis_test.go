package redis_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

func TestMain(m *testing.M) { redistest.Run(m) }

// open opens a store on an empty database; the store closes with the test.
func open(t testing.TB, url string, opts redis.Options) *redis.Store {
	t.Helper()
	s, err := redis.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func createEvent(t testing.TB, s *redis.Store, id string) {
	t.Helper()
	if _, err := s.CreateEvent(context.Background(), chorus.Event{ID: id, Title: "Event " + id}); err != nil {
		t.Fatalf("CreateEvent(%s): %v", id, err)
	}
}

// makePosts makes n posts of event: platforms alternate, created one minute
// apart from base (or all at base when sameTime).
func makePosts(event string, n int, base time.Time, sameTime bool) []chorus.Post {
	posts := make([]chorus.Post, n)
	for i := range posts {
		pl := chorus.X
		if i%2 == 1 {
			pl = chorus.Weibo
		}
		at := base
		if !sameTime {
			at = base.Add(time.Duration(i) * time.Minute)
		}
		posts[i] = chorus.Post{
			Platform:  pl,
			ID:        fmt.Sprintf("%d", 1000000+i),
			Event:     event,
			Author:    chorus.Author{ID: fmt.Sprint(i), Handle: fmt.Sprintf("user%d", i)},
			Text:      fmt.Sprintf("post number %d about the event", i),
			CreatedAt: at,
			Metrics:   chorus.Metrics{Likes: int64(i % 17), Reposts: int64(i % 5)},
		}
	}
	return posts
}

// labelFor is the label the tests' fake scorer gives post i.
func labelFor(p chorus.Post) chorus.Label {
	var n int
	fmt.Sscan(p.ID, &n)
	return chorus.Labels[n%len(chorus.Labels)]
}

func score(entries []chorus.Entry) {
	for i := range entries {
		p := &entries[i].Post
		p.Lang = "en"
		if p.Platform == chorus.Weibo {
			p.Lang = "zh"
		}
		p.Sentiment = &chorus.Sentiment{Label: labelFor(*p), Score: 0.5, Confidence: 0.9, Model: "test"}
	}
}

// drain reads, scores and tallies until the store has nothing queued.
func drain(t testing.TB, s *redis.Store, consumer string) int {
	t.Helper()
	ctx := context.Background()
	total := 0
	for {
		es, err := s.Read(ctx, consumer, 500, 50*time.Millisecond)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(es) == 0 {
			return total
		}
		score(es)
		n, err := s.Tally(ctx, es)
		if err != nil {
			t.Fatalf("Tally: %v", err)
		}
		total += n
	}
}

var base = time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name, url string
		want      string // Addrs|user|pass|db|tls, or "error"
	}{
		{"single", "redis://127.0.0.1:7000/2", "127.0.0.1:7000|||2|false"},
		{"default port and db", "redis://cache", "cache:6379|||0|false"},
		{"auth", "redis://me:s%40cret@h:1/0", "h:1|me|s@cret|0|false"},
		{"password only", "redis://:pw@h:1", "h:1||pw|0|false"},
		{"tls", "rediss://u:p@secure.example:6380/1", "secure.example:6380|u|p|1|true"},
		{"cluster seeds", "redis://h1:7000,h2:7001,h3:7002", "h1:7000,h2:7001,h3:7002|||0|false"},
		{"cluster seeds with auth", "redis://u:p@h1:7000,h2:7001", "h1:7000,h2:7001|u|p|0|false"},
		{"ipv6", "redis://[::1]:7000", "[::1]:7000|||0|false"},
		{"seeds repeating the scheme", "redis://h1:7000,redis://h2:7001, REDIS://h3:7002", "h1:7000,h2:7001,h3:7002|||0|false"},
		{"seeds repeating the scheme, a db", "redis://h1:7000,redis://h2:7001/0", "h1:7000,h2:7001|||0|false"},
		{"tls seeds repeating the scheme", "rediss://u:p@h1:7000,rediss://h2:7001", "h1:7000,h2:7001|u|p|0|true"},
		{"seeds mixing schemes", "rediss://h1:7000,redis://h2:7001", "error"},
		{"no scheme", "127.0.0.1:6379", "error"},
		{"wrong scheme", "http://h:1", "error"},
		{"bad port", "redis://h:port", "error"},
		{"port out of range", "redis://h:70000", "error"},
		{"bad db", "redis://h:1/zero", "error"},
		{"db on cluster", "redis://h1:1,h2:2/3", "error"},
		{"empty seed", "redis://h1:1,,h2:2", "error"},
		{"query", "redis://h:1?dial_timeout=3", "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := redis.ParseURLForTest(tt.url)
			if err != nil {
				got = "error"
			}
			if got != tt.want {
				t.Errorf("parse %q = %q (err %v), want %q", tt.url, got, err, tt.want)
			}
		})
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	tests := []struct{ name, url string }{
		{"bad port", "redis://alice:hunter2@127.0.0.1:notaport/0"},
		{"unreachable", "redis://alice:hunter2@127.0.0.1:1/0"},
		{"bad scheme", "http://alice:hunter2@127.0.0.1:1/0"},
		{"cluster seeds unreachable", "redis://alice:hunter2@127.0.0.1:1,127.0.0.1:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := redis.Open(ctx, tt.url, redis.Options{})
			if err == nil {
				t.Fatalf("Open(%s) = nil error, want one", tt.url)
			}
			if bad := tt.name != "unreachable" && tt.name != "cluster seeds unreachable"; errors.Is(err, chorus.ErrInvalid) != bad {
				t.Errorf("Open(%s): errors.Is(err, ErrInvalid) = %v, want %v (a URL that cannot be read is bad input, exit 2)", tt.url, !bad, bad)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the password: %v", err)
			}
			if !strings.Contains(err.Error(), "alice:xxxxx@127.0.0.1") {
				t.Errorf("error %q does not name the redacted URL", err)
			}
		})
	}
}

func TestSubmitReadTally(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "ev1")
	posts := makePosts("ev1", 10, base, false)
	// Two repeats within the batch.
	batch := append(append([]chorus.Post{}, posts...), posts[0], posts[3])
	res, err := s.Submit(ctx, "ev1", batch)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if res.Accepted != 10 || res.Duplicates != 2 {
		t.Errorf("Submit = %+v, want 10 accepted, 2 duplicates", res)
	}
	res, err = s.Submit(ctx, "ev1", posts[:4])
	if err != nil || res.Accepted != 0 || res.Duplicates != 4 {
		t.Errorf("Submit again = %+v, %v; want 0 accepted, 4 duplicates", res, err)
	}
	if q, err := s.Queued(ctx, "ev1"); err != nil || q != 10 {
		t.Errorf("Queued = %d, %v; want 10", q, err)
	}
	if n := drain(t, s, "w1"); n != 10 {
		t.Errorf("tallied %d, want 10", n)
	}
	if q, err := s.Queued(ctx, "ev1"); err != nil || q != 0 {
		t.Errorf("Queued after tally = %d, %v; want 0", q, err)
	}
	sum, err := s.Summary(ctx, "ev1", "")
	if err != nil {
		t.Fatalf("Summary: %v", err)
	}
	want := chorus.LabelCounts{Positive: 3, Neutral: 3, Negative: 2, Unscored: 2}
	if sum.Total != 10 || sum.ByLabel != want {
		t.Errorf("Summary total %d by label %+v, want 10 %+v", sum.Total, sum.ByLabel, want)
	}
	if sum.ByLang["en"] != 5 || sum.ByLang["zh"] != 5 {
		t.Errorf("ByLang = %v, want en 5, zh 5", sum.ByLang)
	}
	if x := sum.ByPlatform[chorus.X]; x.Total != 5 || x.ByLabel != (chorus.LabelCounts{Positive: 3, Negative: 2}) {
		t.Errorf("ByPlatform[x] = %+v, want total 5, positive 3, negative 2", x)
	}
	xs, err := s.Summary(ctx, "ev1", chorus.X)
	if err != nil || xs.Total != 5 || xs.ByLang["en"] != 5 || xs.ByLang["zh"] != 0 || len(xs.ByPlatform) != 1 {
		t.Errorf("Summary(x) = %+v, %v; want total 5, only en, one platform", xs, err)
	}
	p, err := s.Post(ctx, "ev1", chorus.Weibo, posts[1].ID)
	if err != nil || p.Sentiment == nil || p.Sentiment.Label != labelFor(posts[1]) || p.Lang != "zh" {
		t.Errorf("Post = %+v, %v; want the tallied post with label %s, lang zh", p, err, labelFor(posts[1]))
	}
	if _, err := s.Submit(ctx, "nope", posts); !errorsIs(err, chorus.ErrNotFound) {
		t.Errorf("Submit to unknown event: err %v, want ErrNotFound", err)
	}
}

func TestTimeline(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "tl")
	posts := makePosts("tl", 8, base, false) // 19:00 .. 19:07, labels cycle
	posts[7].CreatedAt = base.Add(26 * time.Hour)
	if _, err := s.Submit(ctx, "tl", posts); err != nil {
		t.Fatal(err)
	}
	drain(t, s, "w")
	tests := []struct {
		b        chorus.Bucket
		platform chorus.Platform
		want     []chorus.Point
	}{
		{chorus.Hour, "", []chorus.Point{
			{T: base, Positive: 2, Neutral: 2, Negative: 2, Unscored: 1},
			{T: base.Add(26 * time.Hour), Unscored: 1},
		}},
		{chorus.Day, chorus.X, []chorus.Point{{T: base.Truncate(24 * time.Hour), Positive: 2, Negative: 2}}},
		{chorus.Minute, chorus.Weibo, []chorus.Point{
			{T: base.Add(1 * time.Minute), Neutral: 1},
			{T: base.Add(3 * time.Minute), Unscored: 1},
			{T: base.Add(5 * time.Minute), Neutral: 1},
			{T: base.Add(26 * time.Hour), Unscored: 1},
		}},
	}
	for _, tt := range tests {
		t.Run(string(tt.b)+"/"+string(tt.platform), func(t *testing.T) {
			got, err := s.Timeline(ctx, "tl", tt.b, tt.platform)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Timeline = %v\nwant %v", got, tt.want)
			}
		})
	}
}

// TestTallyTwice: the same entries tallied twice count once.
func TestTallyTwice(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "twice")
	if _, err := s.Submit(ctx, "twice", makePosts("twice", 20, base, false)); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "w", 100, time.Second)
	if err != nil || len(es) != 20 {
		t.Fatalf("Read = %d entries, %v; want 20", len(es), err)
	}
	score(es)
	for i, want := range []int{20, 0} {
		n, err := s.Tally(ctx, es)
		if err != nil || n != want {
			t.Errorf("Tally #%d = %d, %v; want %d", i+1, n, err, want)
		}
	}
	// A batch holding the same post twice counts it once.
	dup := append(append([]chorus.Entry{}, es[:3]...), es[:3]...)
	if n, err := s.Tally(ctx, dup); err != nil || n != 0 {
		t.Errorf("Tally of repeats = %d, %v; want 0", n, err)
	}
	sum, err := s.Summary(ctx, "twice", "")
	if err != nil || sum.Total != 20 {
		t.Errorf("Summary total = %d, %v; want 20", sum.Total, err)
	}
	if q, _ := s.Queued(ctx, "twice"); q != 0 {
		t.Errorf("Queued = %d, want 0", q)
	}
}

// TestClaimFromDeadConsumer: a consumer reads and dies; after ClaimIdle
// another consumer gets the entries and tallies them once.
func TestClaimFromDeadConsumer(t *testing.T) { testClaim(t, redistest.URL(t), 1) }

func testClaim(t *testing.T, url string, shards int) {
	ctx := context.Background()
	const idle = time.Second // long enough that a loaded machine does not claim early
	dead := open(t, url, redis.Options{ClaimIdle: idle, Shards: shards})
	live := open(t, url, redis.Options{ClaimIdle: idle, Shards: shards})
	createEvent(t, dead, "claim")
	if _, err := dead.Submit(ctx, "claim", makePosts("claim", 30, base, false)); err != nil {
		t.Fatal(err)
	}
	got, err := dead.Read(ctx, "dead", 100, time.Second)
	if err != nil || len(got) != 30 {
		t.Fatalf("dead Read = %d, %v; want 30", len(got), err)
	}
	dead.Close() // dies without tallying
	if es, err := live.Read(ctx, "live", 100, 50*time.Millisecond); err != nil || len(es) != 0 {
		t.Errorf("live Read before ClaimIdle = %d entries, %v; want none", len(es), err)
	}
	time.Sleep(idle + 100*time.Millisecond)
	var claimed []chorus.Entry
	for deadline := time.Now().Add(3 * time.Second); len(claimed) < 30 && time.Now().Before(deadline); {
		es, err := live.Read(ctx, "live", 100, 100*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		claimed = append(claimed, es...)
	}
	if len(claimed) != 30 {
		t.Fatalf("live claimed %d entries, want 30", len(claimed))
	}
	score(claimed)
	if n, err := live.Tally(ctx, claimed); err != nil || n != 30 {
		t.Errorf("Tally = %d, %v; want 30", n, err)
	}
	sum, _ := live.Summary(ctx, "claim", "")
	if sum.Total != 30 {
		t.Errorf("Summary total = %d, want 30", sum.Total)
	}
	if q, _ := live.Queued(ctx, "claim"); q != 0 {
		t.Errorf("Queued = %d, want 0", q)
	}
}

// TestReplayAfterCrash: a tally that succeeded but whose caller crashed
// before knowing it (so nothing was seen as acked) is replayed, by the
// same entries or by a resubmission: nothing counts twice.
func TestReplayAfterCrash(t *testing.T) {
	ctx := context.Background()
	const idle = 200 * time.Millisecond
	url := redistest.URL(t)
	s := open(t, url, redis.Options{ClaimIdle: idle})
	createEvent(t, s, "replay")
	posts := makePosts("replay", 12, base, false)
	if _, err := s.Submit(ctx, "replay", posts); err != nil {
		t.Fatal(err)
	}
	es, err := s.Read(ctx, "crashy", 100, time.Second)
	if err != nil || len(es) != 12 {
		t.Fatalf("Read = %d, %v; want 12", len(es), err)
	}
	score(es)
	if n, err := s.Tally(ctx, es); err != nil || n != 12 {
		t.Fatalf("Tally = %d, %v", n, err)
	}
	// The worker restarts and replays what it had in hand.
	s2 := open(t, url, redis.Options{ClaimIdle: idle})
	if n, err := s2.Tally(ctx, es); err != nil || n != 0 {
		t.Errorf("replayed Tally = %d, %v; want 0", n, err)
	}
	// Nothing is left for anyone to claim.
	time.Sleep(idle + 50*time.Millisecond)
	if got, err := s2.Read(ctx, "other", 100, 100*time.Millisecond); err != nil || len(got) != 0 {
		t.Errorf("Read after replay = %d entries, %v; want none", len(got), err)
	}
	// The same posts arriving again by another path are duplicates.
	if res, err := s2.Submit(ctx, "replay", posts); err != nil || res.Duplicates != 12 {
		t.Errorf("resubmit = %+v, %v; want 12 duplicates", res, err)
	}
	// A tally of the same posts without a queue entry counts nothing.
	direct := make([]chorus.Entry, len(es))
	for i, e := range es {
		direct[i] = chorus.Entry{Post: e.Post}
	}
	if n, err := s2.Tally(ctx, direct); err != nil || n != 0 {
		t.Errorf("Tally without refs = %d, %v; want 0", n, err)
	}
	sum, _ := s2.Summary(ctx, "replay", "")
	if sum.Total != 12 {
		t.Errorf("Summary total = %d, want 12", sum.Total)
	}
}

// TestPostsPaging: many posts in one millisecond are each visited once,
// in (created_at, key) descending order, for every filter and order.
func TestPostsPaging(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{TopN: 5000})
	createEvent(t, s, "ties")
	posts := makePosts("ties", 301, base, true)
	for i := 0; i < 40; i++ { // a few at other times
		posts[i].CreatedAt = base.Add(time.Duration(i%3) * time.Millisecond)
	}
	if _, err := s.Submit(ctx, "ties", posts); err != nil {
		t.Fatal(err)
	}
	drain(t, s, "w")
	tests := []chorus.PostQuery{
		{Limit: 7},
		{Limit: 1},
		{Limit: 1000},
		{Platform: chorus.Weibo, Limit: 9},
		{Label: chorus.Negative, Limit: 4},
		{Platform: chorus.X, Label: chorus.Positive, Limit: 5},
		{Sort: chorus.Top, Limit: 11},
		{Sort: chorus.Top, Label: chorus.Neutral, Limit: 6},
		{Sort: chorus.Top, Platform: chorus.X, Label: chorus.Negative, Limit: 3},
	}
	for _, q := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s/%d", q.Sort, q.Platform, q.Label, q.Limit), func(t *testing.T) {
			want := 0
			for _, p := range posts {
				if (q.Platform == "" || p.Platform == q.Platform) && (q.Label == "" || labelFor(p) == q.Label) {
					want++
				}
			}
			seen := map[string]bool{}
			var prev *chorus.Post
			for pages := 0; ; pages++ {
				if pages > 400 {
					t.Fatal("paging does not end")
				}
				page, err := s.Posts(ctx, "ties", q)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Posts) > q.Limit {
					t.Fatalf("page of %d posts, limit %d", len(page.Posts), q.Limit)
				}
				for i := range page.Posts {
					p := &page.Posts[i]
					if seen[p.Key()] {
						t.Fatalf("post %s listed twice", p.Key())
					}
					seen[p.Key()] = true
					if q.Label != "" && (p.Sentiment == nil || p.Sentiment.Label != q.Label) {
						t.Errorf("post %s has label %v, want %s", p.Key(), p.Sentiment, q.Label)
					}
					if q.Platform != "" && p.Platform != q.Platform {
						t.Errorf("post %s is on %s, want %s", p.Key(), p.Platform, q.Platform)
					}
					if prev != nil && q.Sort != chorus.Top && p.CreatedAt.After(prev.CreatedAt) {
						t.Errorf("post %s (%s) after %s (%s): not newest first", p.Key(), p.CreatedAt, prev.Key(), prev.CreatedAt)
					}
					if prev != nil && q.Sort == chorus.Top && p.Metrics.Engagement() > prev.Metrics.Engagement() {
						t.Errorf("post %s (%d) after %s (%d): not by engagement", p.Key(), p.Metrics.Engagement(), prev.Key(), prev.Metrics.Engagement())
					}
					prev = p
				}
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			if len(seen) != want {
				t.Errorf("visited %d posts, want %d", len(seen), want)
			}
		})
	}
	if _, err := s.Posts(ctx, "ties", chorus.PostQuery{Cursor: "!!"}); !errorsIs(err, chorus.ErrInvalid) {
		t.Errorf("bad cursor: err %v, want ErrInvalid", err)
	}
}

// TestPagingAcrossCorrection: a cursor whose post moved to another label
// index still resumes at the right place.
func TestPagingAcrossCorrection(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "move")
	posts := makePosts("move", 80, base, true)
	if _, err := s.Submit(ctx, "move", posts); err != nil {
		t.Fatal(err)
	}
	drain(t, s, "w")
	q := chorus.PostQuery{Label: chorus.Positive, Limit: 5}
	page, err := s.Posts(ctx, "move", q)
	if err != nil || len(page.Posts) != 5 {
		t.Fatalf("first page: %d posts, %v", len(page.Posts), err)
	}
	lastPost := page.Posts[4]
	if _, err := s.Correct(ctx, "move", lastPost.Platform, lastPost.ID, chorus.Negative, "sarcasm"); err != nil {
		t.Fatalf("Correct: %v", err)
	}
	seen := map[string]bool{}
	for _, p := range page.Posts {
		seen[p.Key()] = true
	}
	for q.Cursor = page.NextCursor; q.Cursor != ""; q.Cursor = page.NextCursor {
		if page, err = s.Posts(ctx, "move", q); err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Posts {
			if seen[p.Key()] {
				t.Fatalf("post %s listed twice", p.Key())
			}
			seen[p.Key()] = true
		}
	}
	if len(seen) != 20 {
		t.Errorf("visited %d positive posts (one corrected on the way), want 20", len(seen))
	}
}

func TestCorrect(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "fix")
	posts := makePosts("fix", 8, base, false)
	if _, err := s.Submit(ctx, "fix", posts); err != nil {
		t.Fatal(err)
	}
	// Not tallied yet: not found.
	if _, err := s.Correct(ctx, "fix", posts[0].Platform, posts[0].ID, chorus.Negative, ""); !errorsIs(err, chorus.ErrNotFound) {
		t.Errorf("Correct before tally: err %v, want ErrNotFound", err)
	}
	drain(t, s, "w")
	before, _ := s.Summary(ctx, "fix", "")
	p0 := posts[0] // x, positive
	got, err := s.Correct(ctx, "fix", p0.Platform, p0.ID, chorus.Negative, "sarcasm")
	if err != nil {
		t.Fatalf("Correct: %v", err)
	}
	if got.Sentiment == nil || got.Sentiment.Label != chorus.Negative || !got.Sentiment.Corrected || got.Sentiment.Note != "sarcasm" {
		t.Errorf("Correct returned sentiment %+v, want negative, corrected, note", got.Sentiment)
	}
	after, _ := s.Summary(ctx, "fix", "")
	wantLabels := before.ByLabel
	wantLabels.Add(chorus.Positive, -1)
	wantLabels.Add(chorus.Negative, 1)
	if after.Total != before.Total || after.ByLabel != wantLabels {
		t.Errorf("after Correct: total %d by label %+v, want %d %+v", after.Total, after.ByLabel, before.Total, wantLabels)
	}
	if x := after.ByPlatform[chorus.X].ByLabel; x.Positive != before.ByPlatform[chorus.X].ByLabel.Positive-1 {
		t.Errorf("x positives %d, want %d", x.Positive, before.ByPlatform[chorus.X].ByLabel.Positive-1)
	}
	tl, _ := s.Timeline(ctx, "fix", chorus.Minute, "")
	if len(tl) == 0 || tl[0].Negative != 1 || tl[0].Positive != 0 {
		t.Errorf("first minute after Correct = %+v, want 1 negative, 0 positive", tl)
	}
	neg, _ := s.Posts(ctx, "fix", chorus.PostQuery{Label: chorus.Negative, Limit: 100})
	if !hasPost(neg.Posts, p0.Key()) {
		t.Errorf("negative listing misses the corrected post")
	}
	pos, _ := s.Posts(ctx, "fix", chorus.PostQuery{Platform: chorus.X, Label: chorus.Positive, Limit: 100})
	if hasPost(pos.Posts, p0.Key()) {
		t.Errorf("x positive listing still has the corrected post")
	}
	// Correcting to the same label again moves nothing.
	if _, err := s.Correct(ctx, "fix", p0.Platform, p0.ID, chorus.Negative, "again"); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Summary(ctx, "fix", "")
	if again.ByLabel != after.ByLabel {
		t.Errorf("repeat Correct moved counts: %+v, want %+v", again.ByLabel, after.ByLabel)
	}
	if _, err := s.Correct(ctx, "fix", chorus.X, "nope", chorus.Negative, ""); !errorsIs(err, chorus.ErrNotFound) {
		t.Errorf("Correct of unknown post: err %v, want ErrNotFound", err)
	}
	if _, err := s.Correct(ctx, "fix", p0.Platform, p0.ID, "angry", ""); !errorsIs(err, chorus.ErrInvalid) {
		t.Errorf("Correct to bad label: err %v, want ErrInvalid", err)
	}
}

func hasPost(ps []chorus.Post, key string) bool {
	for i := range ps {
		if ps[i].Key() == key {
			return true
		}
	}
	return false
}

func TestTopIsBounded(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{TopN: 10})
	createEvent(t, s, "top")
	posts := makePosts("top", 50, base, false)
	for i := range posts {
		posts[i].Metrics = chorus.Metrics{Likes: int64(i)}
	}
	if _, err := s.Submit(ctx, "top", posts); err != nil {
		t.Fatal(err)
	}
	drain(t, s, "w")
	page, err := s.Posts(ctx, "top", chorus.PostQuery{Sort: chorus.Top, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Posts) != 10 || page.Posts[0].Metrics.Likes != 49 || page.Posts[9].Metrics.Likes != 40 {
		t.Errorf("top listing: %d posts, first likes %d; want the 10 best, 49 down to 40", len(page.Posts), page.Posts[0].Metrics.Likes)
	}
}

func TestEvents(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	for i, id := range []string{"b-second", "a-first", "c.third"} {
		created, err := s.CreateEvent(ctx, chorus.Event{ID: id, CreatedAt: base.Add(time.Duration(i) * time.Hour)})
		if err != nil || !created {
			t.Fatalf("CreateEvent(%s) = %v, %v", id, created, err)
		}
	}
	created, err := s.CreateEvent(ctx, chorus.Event{ID: "a-first", Title: "changed"})
	if err != nil || created {
		t.Errorf("CreateEvent again = %v, %v; want false, nil", created, err)
	}
	evs, err := s.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ID)
	}
	if got, want := strings.Join(ids, ","), "b-second,a-first,c.third"; got != want {
		t.Errorf("Events = %s, want %s", got, want)
	}
	if ev, err := s.Event(ctx, "a-first"); err != nil || ev.Title != "a-first" {
		t.Errorf("Event = %+v, %v; want the first definition", ev, err)
	}
	if _, err := s.Event(ctx, "zzz"); !errorsIs(err, chorus.ErrNotFound) {
		t.Errorf("Event(zzz): err %v, want ErrNotFound", err)
	}
	if _, err := s.CreateEvent(ctx, chorus.Event{ID: "{bad}"}); !errorsIs(err, chorus.ErrInvalid) {
		t.Errorf("CreateEvent({bad}): err %v, want ErrInvalid", err)
	}
}

// TestReadAcrossEvents: one Read serves several events, never more than max
// at once, and every entry is handed out once.
func TestReadAcrossEvents(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	for _, ev := range []string{"e1", "e2", "e3"} {
		createEvent(t, s, ev)
		if _, err := s.Submit(ctx, ev, makePosts(ev, 25, base, false)); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for {
		es, err := s.Read(ctx, "w", 10, 50*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) > 10 {
			t.Fatalf("Read returned %d entries, max 10", len(es))
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			k := e.Post.Event + "/" + e.Post.Key()
			if seen[k] {
				t.Fatalf("entry %s handed out twice", k)
			}
			seen[k] = true
		}
		score(es)
		if _, err := s.Tally(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 75 {
		t.Errorf("read %d entries, want 75", len(seen))
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

// TestBucketStarts: the buckets the Lua tally derives from created_at match
// chorus.Bucket.Truncate, before 1970 too.
func TestBucketStarts(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "edges")
	times := []time.Time{
		time.Date(1969, 12, 31, 23, 59, 30, 0, time.UTC),
		time.Date(2024, 2, 29, 23, 59, 59, 999_000_000, time.UTC),
		time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC),
	}
	posts := makePosts("edges", len(times), base, false)
	for i := range posts {
		posts[i].CreatedAt = times[i]
		posts[i].Platform = chorus.X
	}
	if _, err := s.Submit(ctx, "edges", posts); err != nil {
		t.Fatal(err)
	}
	drain(t, s, "w")
	for _, b := range chorus.Buckets {
		t.Run(string(b), func(t *testing.T) {
			got, err := s.Timeline(ctx, "edges", b, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(times) {
				t.Fatalf("Timeline = %v, want %d points", got, len(times))
			}
			for i, at := range times {
				if want := b.Truncate(at); !got[i].T.Equal(want) {
					t.Errorf("point %d at %v, want %v (post at %v)", i, got[i].T, want, at)
				}
			}
		})
	}
}

// TestLogClientTo: go-redis's own complaints go to the given logger, not
// to stderr.
func TestLogClientTo(t *testing.T) {
	var buf strings.Builder
	redis.LogClientTo(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer redis.LogClientTo(slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := redis.Open(ctx, "redis://127.0.0.1:1/0", redis.Options{}); err == nil {
		t.Fatal("Open of a closed port: nil error")
	}
	if !strings.Contains(buf.String(), "component=go-redis") {
		t.Errorf("go-redis log = %q, want its lines in the slog logger", buf.String())
	}
}

// TestLargeBatch: batches beyond the scripts' internal chunk size (1,000)
// submit and tally whole.
func TestLargeBatch(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{TopN: 10})
	createEvent(t, s, "big")
	posts := makePosts("big", 2500, base, false)
	if res, err := s.Submit(ctx, "big", append(posts, posts[:700]...)); err != nil || res.Accepted != 2500 || res.Duplicates != 700 {
		t.Fatalf("Submit = %+v, %v; want 2500 accepted, 700 duplicates", res, err)
	}
	es, err := s.Read(ctx, "w", 3000, time.Second)
	if err != nil || len(es) != 2500 {
		t.Fatalf("Read = %d entries, %v; want 2500", len(es), err)
	}
	score(es)
	if n, err := s.Tally(ctx, append(es, es[:1200]...)); err != nil || n != 2500 {
		t.Fatalf("Tally = %d, %v; want 2500", n, err)
	}
	if q, _ := s.Queued(ctx, "big"); q != 0 {
		t.Errorf("Queued = %d, want 0", q)
	}
	sum, _ := s.Summary(ctx, "big", "")
	if sum.Total != 2500 || sum.ByLabel.Positive != 625 {
		t.Errorf("Summary total %d positive %d, want 2500 and 625", sum.Total, sum.ByLabel.Positive)
	}
	page, err := s.Posts(ctx, "big", chorus.PostQuery{Sort: chorus.Top, Limit: 50})
	if err != nil || len(page.Posts) != 10 {
		t.Errorf("top listing = %d posts, %v; want TopN = 10", len(page.Posts), err)
	}
}

// TestForgetIdleConsumers: a consumer with nothing pending leaves the group
// after ten ClaimIdle periods; one holding entries stays.
func TestForgetIdleConsumers(t *testing.T) {
	ctx := context.Background()
	const idle = 100 * time.Millisecond
	url := redistest.URL(t)
	s := open(t, url, redis.Options{ClaimIdle: idle})
	createEvent(t, s, "names")
	if _, err := s.Submit(ctx, "names", makePosts("names", 4, base, false)); err != nil {
		t.Fatal(err)
	}
	done, err := s.Read(ctx, "gone-clean", 2, time.Second)
	if err != nil || len(done) != 2 {
		t.Fatalf("Read = %d, %v", len(done), err)
	}
	score(done)
	if _, err := s.Tally(ctx, done); err != nil {
		t.Fatal(err)
	}
	if held, err := s.Read(ctx, "gone-holding", 2, time.Second); err != nil || len(held) != 2 {
		t.Fatalf("Read = %d, %v", len(held), err)
	}
	time.Sleep(10*idle + 200*time.Millisecond)
	// A later read by someone else runs a claim round, which forgets.
	if _, err := s.Read(ctx, "live", 10, 10*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	opts, _ := goredis.ParseURL(url)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	cs, err := rdb.XInfoConsumers(ctx, "chorus:{names}:q", "chorus").Result()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if got, want := strings.Join(names, ","), "live"; got != want {
		t.Errorf("consumers = %s, want %s (gone-clean forgotten; gone-holding's entries claimed by live)", got, want)
	}
}

// scored returns copies of posts with the sentiment score gives them.
func scored(posts []chorus.Post) []chorus.Post {
	es := make([]chorus.Entry, len(posts))
	for i := range posts {
		es[i].Post = posts[i]
	}
	score(es)
	out := make([]chorus.Post, len(es))
	for i := range es {
		out[i] = es[i].Post
	}
	return out
}

// TestSubmitScored: posts scored by their importer are stored and counted
// in one step, once, and share the identity rule with the queued path in
// both orders: a post queued first is a duplicate to the import and a
// worker counts it; a post imported first is a duplicate to Submit.
func TestSubmitScored(t *testing.T) { testSubmitScored(t, redistest.URL(t), 1) }

func testSubmitScored(t *testing.T, url string, shards int) {
	ctx := context.Background()
	s := open(t, url, redis.Options{Shards: shards})
	createEvent(t, s, "direct")
	posts := scored(makePosts("direct", 12, base, false))

	// posts[0..1] go through the queue first and wait for a worker.
	if res, err := s.Submit(ctx, "direct", posts[:2]); err != nil || res.Accepted != 2 {
		t.Fatalf("Submit = %+v, %v; want 2 accepted", res, err)
	}
	// posts[0..9] imported, with posts[4] twice in the batch.
	batch := append(append([]chorus.Post{}, posts[:10]...), posts[4])
	res, err := s.SubmitScored(ctx, "direct", batch)
	if err != nil || res.Accepted != 8 || res.Duplicates != 3 {
		t.Errorf("SubmitScored = %+v, %v; want 8 accepted, 3 duplicates (2 queued earlier, 1 repeat)", res, err)
	}
	sum, err := s.Summary(ctx, "direct", "")
	if err != nil || sum.Total != 8 {
		t.Errorf("Summary total = %d, %v; want 8 before the worker runs", sum.Total, err)
	}
	if q, err := s.Queued(ctx, "direct"); err != nil || q != 2 {
		t.Errorf("Queued = %d, %v; want the 2 queued posts only", q, err)
	}
	if n := drain(t, s, "w"); n != 2 {
		t.Errorf("worker tallied %d, want the 2 queued posts", n)
	}
	// Everything again, by both paths: nothing new.
	if res, err := s.SubmitScored(ctx, "direct", posts[:10]); err != nil || res.Accepted != 0 || res.Duplicates != 10 {
		t.Errorf("SubmitScored again = %+v, %v; want 10 duplicates", res, err)
	}
	if res, err := s.Submit(ctx, "direct", posts[2:10]); err != nil || res.Accepted != 0 {
		t.Errorf("Submit of imported posts = %+v, %v; want 0 accepted", res, err)
	}
	if n := drain(t, s, "w"); n != 0 {
		t.Errorf("worker tallied %d after the repeats, want 0", n)
	}
	sum, err = s.Summary(ctx, "direct", "")
	if err != nil {
		t.Fatal(err)
	}
	var want chorus.LabelCounts
	for _, p := range posts[:10] {
		switch p.Sentiment.Label {
		case chorus.Positive:
			want.Positive++
		case chorus.Neutral:
			want.Neutral++
		case chorus.Negative:
			want.Negative++
		case chorus.Unscored:
			want.Unscored++
		}
	}
	if sum.Total != 10 || sum.ByLabel != want || sum.ByLang["en"] != 5 || sum.ByLang["zh"] != 5 {
		t.Errorf("Summary = total %d, %+v, %v; want 10, %+v, en 5, zh 5", sum.Total, sum.ByLabel, sum.ByLang, want)
	}
	p, err := s.Post(ctx, "direct", posts[5].Platform, posts[5].ID)
	if err != nil || p.Sentiment == nil || p.Sentiment.Label != labelFor(posts[5]) || p.Lang != "zh" {
		t.Errorf("Post = %+v, %v; want the imported post with its sentiment", p, err)
	}
	page, err := s.Posts(ctx, "direct", chorus.PostQuery{Label: labelFor(posts[5]), Limit: 20})
	if err != nil || len(page.Posts) != int(sumLabel(sum.ByLabel, labelFor(posts[5]))) {
		t.Errorf("Posts(label %s) = %d posts, %v; want %d", labelFor(posts[5]), len(page.Posts), err, sumLabel(sum.ByLabel, labelFor(posts[5])))
	}
	if _, err := s.SubmitScored(ctx, "nope", posts); !errorsIs(err, chorus.ErrNotFound) {
		t.Errorf("SubmitScored to unknown event: err %v, want ErrNotFound", err)
	}
}

func sumLabel(c chorus.LabelCounts, l chorus.Label) int64 {
	switch l {
	case chorus.Positive:
		return c.Positive
	case chorus.Neutral:
		return c.Neutral
	case chorus.Negative:
		return c.Negative
	}
	return c.Unscored
}
