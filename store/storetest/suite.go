package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

// Run holds a store implementation to the contract. open returns a fresh,
// empty store for each subtest; the caller closes it (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"Events", testEvents},
		{"SubmitUnknownEvent", testSubmitUnknownEvent},
		{"TallyCountsExactly", testTallyCountsExactly},
		{"DuplicatesCountOnce", testDuplicatesCountOnce},
		{"TallyTwiceCountsOnce", testTallyTwiceCountsOnce},
		{"ReadWaitsAndReturnsEmpty", testReadEmpty},
		{"EventsDoNotMix", testEventsDoNotMix},
		{"SummaryByPlatform", testSummaryByPlatform},
		{"Timeline", testTimeline},
		{"PostsOrderAndFilters", testPostsOrderAndFilters},
		{"PostsPagingWithTies", testPostsPagingWithTies},
		{"Post", testPost},
		{"Correct", testCorrect},
		{"PostsInWindow", testPostsInWindow},
		{"Version", testVersion},
		{"RepostsFoldOnce", testRepostsFoldOnce},
		{"Checkpoints", testCheckpoints},
		{"Collectors", testCollectors},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, open(t))
		})
	}
}

var t0 = time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)

// post makes a valid post; label says what Label the suite's scorer gives it.
func post(event string, pl chorus.Platform, id string, label chorus.Label, lang string, at time.Time, likes int64) chorus.Post {
	return chorus.Post{
		Platform: pl, ID: id, Event: event, Lang: lang, CreatedAt: at,
		Author: chorus.Author{ID: "a" + id, Handle: "h" + id},
		Text:   string(label) + " text of " + id + " <script>alert(1)</script>",
		URL:    "https://example.com/" + id, Source: "storetest",
		Metrics: chorus.Metrics{Likes: likes},
	}
}

// score stands in for the analysis stage: the label is the text's first word.
func score(p *chorus.Post) {
	for _, l := range chorus.Labels {
		if len(p.Text) >= len(l) && p.Text[:len(l)] == string(l) {
			s := chorus.Sentiment{Label: l, Score: 0, Confidence: 0.9, Model: "storetest/1"}
			switch l {
			case chorus.Positive:
				s.Score = 0.8
			case chorus.Negative:
				s.Score = -0.7
			case chorus.Unscored:
				s.Confidence = 0
				s.Model = "none"
			}
			p.Sentiment = &s
			return
		}
	}
	panic("storetest: text has no label prefix: " + p.Text)
}

func mustCreate(t *testing.T, s Store, id string) {
	t.Helper()
	if _, err := s.CreateEvent(context.Background(), chorus.Event{ID: id, Title: "Event " + id}); err != nil {
		t.Fatalf("CreateEvent(%s): %v", id, err)
	}
}

func mustSubmit(t *testing.T, s Store, event string, posts []chorus.Post) chorus.SubmitResult {
	t.Helper()
	res, err := s.Submit(context.Background(), event, posts)
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	res.Ticket = "" // the store's own, compared by no test
	return res
}

// drain reads, scores and tallies until nothing of the events is queued,
// returning how many posts were newly tallied.
func drain(t *testing.T, s Store, events ...string) int {
	t.Helper()
	ctx := context.Background()
	total := 0
	for range 1000 {
		entries, err := s.Read(ctx, "storetest", 100, 50*time.Millisecond)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		for i := range entries {
			score(&entries[i].Post)
		}
		if len(entries) > 0 {
			n, err := s.Tally(ctx, entries)
			if err != nil {
				t.Fatalf("Tally: %v", err)
			}
			total += n
		}
		left := int64(0)
		for _, e := range events {
			q, err := s.Queued(ctx, e)
			if err != nil {
				t.Fatalf("Queued(%s): %v", e, err)
			}
			left += q
		}
		if left == 0 && len(entries) == 0 {
			return total
		}
	}
	t.Fatalf("queue of %v never drained", events)
	return 0
}

func summary(t *testing.T, s Store, event string, pl chorus.Platform) chorus.Summary {
	t.Helper()
	sum, err := s.Summary(context.Background(), event, pl)
	if err != nil {
		t.Fatalf("Summary(%s, %q): %v", event, pl, err)
	}
	return sum
}

func testEvents(t *testing.T, s Store) {
	ctx := context.Background()
	if _, err := s.Event(ctx, "nope"); !errors.Is(err, chorus.ErrNotFound) {
		t.Fatalf("Event(nope) = %v, want ErrNotFound", err)
	}
	created, err := s.CreateEvent(ctx, chorus.Event{ID: "b-event", Title: "B", QueryX: "selfie", Start: t0})
	if err != nil || !created {
		t.Fatalf("CreateEvent(b-event) = %v, %v; want true, nil", created, err)
	}
	created, err = s.CreateEvent(ctx, chorus.Event{ID: "b-event", Title: "changed"})
	if err != nil || created {
		t.Fatalf("CreateEvent(b-event) again = %v, %v; want false, nil", created, err)
	}
	mustCreate(t, s, "a-event")
	got, err := s.Event(ctx, "b-event")
	if err != nil {
		t.Fatalf("Event(b-event): %v", err)
	}
	if got.Title != "B" || got.QueryX != "selfie" || !got.Start.Equal(t0) {
		t.Errorf("Event(b-event) = %+v, want title B, query selfie, start %v (a second create must not overwrite)", got, t0)
	}
	list, err := s.Events(ctx)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var ids []string
	for _, e := range list {
		ids = append(ids, e.ID)
	}
	if !slices.Equal(ids, []string{"b-event", "a-event"}) {
		t.Errorf("Events ids = %v, want [b-event a-event] (oldest created first)", ids)
	}
}

func testSubmitUnknownEvent(t *testing.T, s Store) {
	_, err := s.Submit(context.Background(), "ghost", []chorus.Post{post("ghost", chorus.X, "1", chorus.Positive, "en", t0, 0)})
	if !errors.Is(err, chorus.ErrNotFound) {
		t.Fatalf("Submit to unknown event = %v, want ErrNotFound", err)
	}
}

// mixed is a fixed batch: 3 positive x/en, 2 negative weibo/zh, 1 neutral
// x/en, 1 unscored weibo/ja, 1 positive weibo/zh.
func mixed(event string) []chorus.Post {
	return []chorus.Post{
		post(event, chorus.X, "1", chorus.Positive, "en", t0, 5),
		post(event, chorus.X, "2", chorus.Positive, "en", t0.Add(30*time.Second), 1),
		post(event, chorus.X, "3", chorus.Positive, "en", t0.Add(2*time.Minute), 0),
		post(event, chorus.Weibo, "1", chorus.Negative, "zh", t0.Add(time.Minute), 7),
		post(event, chorus.Weibo, "2", chorus.Negative, "zh", t0.Add(61*time.Minute), 2),
		post(event, chorus.X, "4", chorus.Neutral, "en", t0.Add(25*time.Hour), 3),
		post(event, chorus.Weibo, "3", chorus.Unscored, "ja", t0.Add(2*time.Minute+10*time.Second), 0),
		post(event, chorus.Weibo, "4", chorus.Positive, "zh", t0.Add(3*time.Minute), 9),
	}
}

func testTallyCountsExactly(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	res := mustSubmit(t, s, "e", mixed("e"))
	if res != (chorus.SubmitResult{Accepted: 8}) {
		t.Fatalf("Submit = %+v, want 8 accepted", res)
	}
	if q, err := s.Queued(context.Background(), "e"); err != nil || q != 8 {
		t.Fatalf("Queued before tally = %d, %v; want 8", q, err)
	}
	if sum := summary(t, s, "e", ""); sum.Total != 0 {
		t.Errorf("Total before tally = %d, want 0 (posts count once scored)", sum.Total)
	}
	if n := drain(t, s, "e"); n != 8 {
		t.Errorf("drain tallied %d, want 8", n)
	}
	got := summary(t, s, "e", "")
	want := chorus.Summary{
		Event: "e", Total: 8,
		ByLabel: chorus.LabelCounts{Positive: 4, Negative: 2, Neutral: 1, Unscored: 1},
		ByPlatform: map[chorus.Platform]chorus.PlatformSummary{
			chorus.X:     {Total: 4, ByLabel: chorus.LabelCounts{Positive: 3, Neutral: 1}, Net: 0.75},
			chorus.Weibo: {Total: 4, ByLabel: chorus.LabelCounts{Positive: 1, Negative: 2, Unscored: 1}, Net: -1.0 / 3},
		},
		ByLang: map[string]int64{"en": 4, "zh": 3, "ja": 1},
		Net:    2.0 / 7,
	}
	compareSummary(t, got, want)
}

func compareSummary(t *testing.T, got, want chorus.Summary) {
	t.Helper()
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	if got.Event != want.Event || got.Total != want.Total || got.ByLabel != want.ByLabel || !near(got.Net, want.Net) {
		t.Errorf("summary = event %q total %d by_label %+v net %v; want %q %d %+v %v",
			got.Event, got.Total, got.ByLabel, got.Net, want.Event, want.Total, want.ByLabel, want.Net)
	}
	for _, pl := range chorus.Platforms {
		g, w := got.ByPlatform[pl], want.ByPlatform[pl]
		if g.Total != w.Total || g.ByLabel != w.ByLabel || !near(g.Net, w.Net) {
			t.Errorf("by_platform[%s] = %+v, want %+v", pl, g, w)
		}
	}
	for lang, n := range want.ByLang {
		if got.ByLang[lang] != n {
			t.Errorf("by_lang[%s] = %d, want %d", lang, got.ByLang[lang], n)
		}
	}
	for lang, n := range got.ByLang {
		if _, ok := want.ByLang[lang]; !ok && n != 0 {
			t.Errorf("by_lang has unexpected %s = %d", lang, n)
		}
	}
}

func testDuplicatesCountOnce(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	batch := mixed("e")
	batch = append(batch, batch[0], batch[3]) // repeated within the batch
	if res := mustSubmit(t, s, "e", batch); res != (chorus.SubmitResult{Accepted: 8, Duplicates: 2}) {
		t.Fatalf("Submit = %+v, want 8 accepted, 2 duplicates", res)
	}
	// Again before tallying: all duplicates, nothing queued twice.
	if res := mustSubmit(t, s, "e", mixed("e")); res != (chorus.SubmitResult{Duplicates: 8}) {
		t.Fatalf("resubmit before tally = %+v, want 8 duplicates", res)
	}
	drain(t, s, "e")
	// Again after tallying, text changed: identity is (event, platform, id).
	again := mixed("e")
	for i := range again {
		again[i].Text = string(chorus.Negative) + " edited"
	}
	if res := mustSubmit(t, s, "e", again); res != (chorus.SubmitResult{Duplicates: 8}) {
		t.Fatalf("resubmit after tally = %+v, want 8 duplicates", res)
	}
	if n := drain(t, s, "e"); n != 0 {
		t.Errorf("second drain tallied %d, want 0", n)
	}
	if sum := summary(t, s, "e", ""); sum.Total != 8 || sum.ByLabel.Negative != 2 {
		t.Errorf("after duplicates: total %d negative %d, want 8 and 2", sum.Total, sum.ByLabel.Negative)
	}
	// Same id on the other platform is another post.
	if res := mustSubmit(t, s, "e", []chorus.Post{post("e", chorus.Weibo, "99", chorus.Neutral, "zh", t0, 0), post("e", chorus.X, "99", chorus.Neutral, "en", t0, 0)}); res.Accepted != 2 {
		t.Errorf("same id on two platforms: accepted %d, want 2", res.Accepted)
	}
}

func testTallyTwiceCountsOnce(t *testing.T, s Store) {
	ctx := context.Background()
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	var all []chorus.Entry
	for len(all) < 8 {
		entries, err := s.Read(ctx, "w1", 100, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if len(entries) == 0 {
			t.Fatalf("Read returned nothing with %d of 8 read", len(all))
		}
		all = append(all, entries...)
	}
	for i := range all {
		score(&all[i].Post)
	}
	// A worker that tallied and died before hearing back replays the same entries.
	for round, want := range []int{8, 0, 0} {
		n, err := s.Tally(ctx, all)
		if err != nil {
			t.Fatalf("Tally round %d: %v", round, err)
		}
		if n != want {
			t.Errorf("Tally round %d newly tallied %d, want %d", round, n, want)
		}
	}
	if sum := summary(t, s, "e", ""); sum.Total != 8 || sum.ByLabel.Positive != 4 {
		t.Errorf("after replays: total %d positive %d, want 8 and 4", sum.Total, sum.ByLabel.Positive)
	}
	if q, _ := s.Queued(ctx, "e"); q != 0 {
		t.Errorf("Queued after tally = %d, want 0 (tally acknowledges)", q)
	}
	if entries, err := s.Read(ctx, "w2", 100, 50*time.Millisecond); err != nil || len(entries) != 0 {
		t.Errorf("Read after tally = %d entries, %v; want none", len(entries), err)
	}
}

func testReadEmpty(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	start := time.Now()
	entries, err := s.Read(context.Background(), "w", 10, 100*time.Millisecond)
	if err != nil || len(entries) != 0 {
		t.Fatalf("Read on empty queue = %d entries, %v; want none", len(entries), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Read with block 100ms took %v", d)
	}
	// A cancelled context ends a wait.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if entries, _ := s.Read(ctx, "w", 10, time.Second); len(entries) != 0 {
		t.Errorf("Read with cancelled context returned %d entries", len(entries))
	}
}

func testEventsDoNotMix(t *testing.T, s Store) {
	mustCreate(t, s, "e1")
	mustCreate(t, s, "e2")
	mustSubmit(t, s, "e1", mixed("e1"))
	mustSubmit(t, s, "e2", mixed("e2")[:3]) // same ids, other event: new posts
	if n := drain(t, s, "e1", "e2"); n != 11 {
		t.Errorf("tallied %d, want 11", n)
	}
	if a, b := summary(t, s, "e1", "").Total, summary(t, s, "e2", "").Total; a != 8 || b != 3 {
		t.Errorf("totals e1=%d e2=%d, want 8 and 3", a, b)
	}
	page, err := s.Posts(context.Background(), "e2", chorus.PostQuery{Limit: 100})
	if err != nil {
		t.Fatalf("Posts(e2): %v", err)
	}
	for _, p := range page.Posts {
		if p.Event != "e2" {
			t.Errorf("Posts(e2) returned a post of event %q", p.Event)
		}
	}
	if len(page.Posts) != 3 {
		t.Errorf("Posts(e2) = %d posts, want 3", len(page.Posts))
	}
}

func testSummaryByPlatform(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	got := summary(t, s, "e", chorus.Weibo)
	want := chorus.Summary{
		Event: "e", Total: 4,
		ByLabel: chorus.LabelCounts{Positive: 1, Negative: 2, Unscored: 1},
		ByPlatform: map[chorus.Platform]chorus.PlatformSummary{
			chorus.Weibo: {Total: 4, ByLabel: chorus.LabelCounts{Positive: 1, Negative: 2, Unscored: 1}, Net: -1.0 / 3},
		},
		ByLang: map[string]int64{"zh": 3, "ja": 1},
		Net:    -1.0 / 3,
	}
	compareSummary(t, got, want)
}

func testTimeline(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	ctx := context.Background()
	tests := []struct {
		bucket   chorus.Bucket
		platform chorus.Platform
		want     []chorus.Point
	}{
		{chorus.Minute, "", []chorus.Point{
			{T: t0, Positive: 2},
			{T: t0.Add(time.Minute), Negative: 1},
			{T: t0.Add(2 * time.Minute), Positive: 1, Unscored: 1},
			{T: t0.Add(3 * time.Minute), Positive: 1},
			{T: t0.Add(61 * time.Minute), Negative: 1},
			{T: t0.Add(25 * time.Hour), Neutral: 1},
		}},
		{chorus.Hour, "", []chorus.Point{
			{T: t0, Positive: 4, Negative: 1, Unscored: 1},
			{T: t0.Add(time.Hour), Negative: 1},
			{T: t0.Add(25 * time.Hour), Neutral: 1},
		}},
		{chorus.Day, "", []chorus.Point{
			{T: chorus.Day.Truncate(t0), Positive: 4, Negative: 2, Unscored: 1},
			{T: chorus.Day.Truncate(t0.Add(25 * time.Hour)), Neutral: 1},
		}},
		{chorus.Hour, chorus.X, []chorus.Point{
			{T: t0, Positive: 3},
			{T: t0.Add(25 * time.Hour), Neutral: 1},
		}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.bucket, tc.platform), func(t *testing.T) {
			got, err := s.Timeline(ctx, "e", tc.bucket, tc.platform)
			if err != nil {
				t.Fatalf("Timeline: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("Timeline = %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if !got[i].T.Equal(tc.want[i].T) || got[i].Positive != tc.want[i].Positive || got[i].Neutral != tc.want[i].Neutral ||
					got[i].Negative != tc.want[i].Negative || got[i].Unscored != tc.want[i].Unscored {
					t.Errorf("point %d = %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func keys(posts []chorus.Post) []string {
	var out []string
	for i := range posts {
		out = append(out, posts[i].Key())
	}
	return out
}

func testPostsOrderAndFilters(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	ctx := context.Background()
	tests := []struct {
		name string
		q    chorus.PostQuery
		want []string
	}{
		{"recent", chorus.PostQuery{Limit: 100}, []string{"x:4", "weibo:2", "weibo:4", "weibo:3", "x:3", "weibo:1", "x:2", "x:1"}},
		{"recent x", chorus.PostQuery{Platform: chorus.X, Limit: 100}, []string{"x:4", "x:3", "x:2", "x:1"}},
		{"recent negative", chorus.PostQuery{Label: chorus.Negative, Limit: 100}, []string{"weibo:2", "weibo:1"}},
		{"recent weibo positive", chorus.PostQuery{Platform: chorus.Weibo, Label: chorus.Positive, Limit: 100}, []string{"weibo:4"}},
		{"top", chorus.PostQuery{Sort: chorus.Top, Limit: 3}, []string{"weibo:4", "weibo:1", "x:1"}},
		{"top x", chorus.PostQuery{Sort: chorus.Top, Platform: chorus.X, Limit: 2}, []string{"x:1", "x:4"}},
		{"top negative", chorus.PostQuery{Sort: chorus.Top, Label: chorus.Negative, Limit: 10}, []string{"weibo:1", "weibo:2"}},
		{"nothing", chorus.PostQuery{Platform: chorus.X, Label: chorus.Unscored, Limit: 10}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.Posts(ctx, "e", tc.q)
			if err != nil {
				t.Fatalf("Posts: %v", err)
			}
			got := keys(page.Posts)
			if len(got) != len(tc.want) {
				t.Fatalf("Posts = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("Posts[%d] = %s, want %s (all: %v)", i, got[i], tc.want[i], got)
				}
			}
			for _, p := range page.Posts {
				if p.Sentiment == nil || p.Sentiment.Model == "" {
					t.Errorf("post %s has no sentiment", p.Key())
				}
			}
		})
	}
}

func testPostsPagingWithTies(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	var batch []chorus.Post
	for i := range 57 {
		// Many posts share a created_at, and engagement ties too.
		at := t0.Add(time.Duration(i/10) * time.Second)
		l := []chorus.Label{chorus.Positive, chorus.Negative, chorus.Neutral}[i%3]
		pl := []chorus.Platform{chorus.X, chorus.Weibo}[i%2]
		batch = append(batch, post("e", pl, fmt.Sprintf("%03d", i), l, "en", at, int64(i%4)))
	}
	mustSubmit(t, s, "e", batch)
	drain(t, s, "e")
	ctx := context.Background()
	for _, q := range []chorus.PostQuery{
		{Sort: chorus.Recent, Limit: 7},
		{Sort: chorus.Top, Limit: 5},
		{Sort: chorus.Recent, Label: chorus.Positive, Limit: 4},
		{Sort: chorus.Top, Platform: chorus.Weibo, Limit: 6},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s", q.Sort, q.Platform, q.Label), func(t *testing.T) {
			seen := map[string]bool{}
			var prev *chorus.Post
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("paging does not end")
				}
				page, err := s.Posts(ctx, "e", q)
				if err != nil {
					t.Fatalf("Posts: %v", err)
				}
				if len(page.Posts) > q.Limit {
					t.Fatalf("page of %d posts, limit %d", len(page.Posts), q.Limit)
				}
				for i := range page.Posts {
					p := page.Posts[i]
					if seen[p.Key()] {
						t.Errorf("post %s listed twice", p.Key())
					}
					seen[p.Key()] = true
					if q.Label != "" && p.Sentiment.Label != q.Label || q.Platform != "" && p.Platform != q.Platform {
						t.Errorf("post %s does not match the filter", p.Key())
					}
					if prev != nil {
						if q.Sort == chorus.Recent && p.CreatedAt.After(prev.CreatedAt) {
							t.Errorf("recent order broken: %s (%v) after %s (%v)", p.Key(), p.CreatedAt, prev.Key(), prev.CreatedAt)
						}
						if q.Sort == chorus.Top && p.Metrics.Engagement() > prev.Metrics.Engagement() {
							t.Errorf("top order broken: %s after %s", p.Key(), prev.Key())
						}
					}
					prev = &page.Posts[i]
				}
				if page.NextCursor == "" {
					break
				}
				q.Cursor = page.NextCursor
			}
			want := 0
			for _, p := range batch {
				score(&p)
				if (q.Label == "" || p.Sentiment.Label == q.Label) && (q.Platform == "" || p.Platform == q.Platform) {
					want++
				}
			}
			if len(seen) != want {
				t.Errorf("paging visited %d posts, want %d", len(seen), want)
			}
		})
	}
	if _, err := s.Posts(ctx, "e", chorus.PostQuery{Limit: 5, Cursor: "not a cursor"}); !errors.Is(err, chorus.ErrInvalid) {
		t.Errorf("Posts with a bad cursor = %v, want ErrInvalid", err)
	}
}

func testPost(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	ctx := context.Background()
	got, err := s.Post(ctx, "e", chorus.Weibo, "4")
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	want := mixed("e")[7]
	if got.Text != want.Text || got.Author != want.Author || got.Metrics != want.Metrics || !got.CreatedAt.Equal(want.CreatedAt) || got.URL != want.URL || got.Lang != "zh" {
		t.Errorf("Post = %+v, want %+v (text kept byte for byte)", got, want)
	}
	if got.Sentiment == nil || got.Sentiment.Label != chorus.Positive || got.Sentiment.Model != "storetest/1" {
		t.Errorf("Post sentiment = %+v, want positive by storetest/1", got.Sentiment)
	}
	if _, err := s.Post(ctx, "e", chorus.X, "404"); !errors.Is(err, chorus.ErrNotFound) {
		t.Errorf("Post(unknown) = %v, want ErrNotFound", err)
	}
}

func testCorrect(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	ctx := context.Background()
	p, err := s.Correct(ctx, "e", chorus.X, "1", chorus.Negative, "sarcasm")
	if err != nil {
		t.Fatalf("Correct: %v", err)
	}
	if p.Sentiment == nil || p.Sentiment.Label != chorus.Negative || !p.Sentiment.Corrected || p.Sentiment.Note != "sarcasm" {
		t.Errorf("corrected sentiment = %+v", p.Sentiment)
	}
	// Correcting to the same label again moves nothing.
	if _, err := s.Correct(ctx, "e", chorus.X, "1", chorus.Negative, "sarcasm"); err != nil {
		t.Fatalf("Correct again: %v", err)
	}
	sum := summary(t, s, "e", "")
	if sum.Total != 8 || sum.ByLabel != (chorus.LabelCounts{Positive: 3, Negative: 3, Neutral: 1, Unscored: 1}) {
		t.Errorf("after correction: total %d by_label %+v", sum.Total, sum.ByLabel)
	}
	if x := sum.ByPlatform[chorus.X]; x.ByLabel != (chorus.LabelCounts{Positive: 2, Negative: 1, Neutral: 1}) {
		t.Errorf("after correction: x by_label %+v", x.ByLabel)
	}
	tl, err := s.Timeline(ctx, "e", chorus.Minute, chorus.X)
	if err != nil || len(tl) == 0 || tl[0].Positive != 1 || tl[0].Negative != 1 {
		t.Errorf("after correction: first x minute = %+v, %v; want 1 positive, 1 negative", tl, err)
	}
	page, err := s.Posts(ctx, "e", chorus.PostQuery{Label: chorus.Negative, Platform: chorus.X, Limit: 10})
	if err != nil || !slices.Equal(keys(page.Posts), []string{"x:1"}) {
		t.Errorf("negative x posts after correction = %v, %v; want [x:1]", keys(page.Posts), err)
	}
	page, err = s.Posts(ctx, "e", chorus.PostQuery{Label: chorus.Positive, Platform: chorus.X, Limit: 10})
	if err != nil || slices.Contains(keys(page.Posts), "x:1") {
		t.Errorf("positive x posts after correction still list x:1: %v, %v", keys(page.Posts), err)
	}
	// A resubmitted post does not undo the correction.
	mustSubmit(t, s, "e", mixed("e")[:1])
	drain(t, s, "e")
	if got, _ := s.Post(ctx, "e", chorus.X, "1"); got.Sentiment == nil || got.Sentiment.Label != chorus.Negative {
		t.Errorf("resubmission undid the correction: %+v", got.Sentiment)
	}
	if _, err := s.Correct(ctx, "e", chorus.X, "404", chorus.Negative, ""); !errors.Is(err, chorus.ErrNotFound) {
		t.Errorf("Correct(unknown) = %v, want ErrNotFound", err)
	}
}

func testPostsInWindow(t *testing.T, s Store) {
	mustCreate(t, s, "e")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	ctx := context.Background()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	tests := []struct {
		name string
		q    chorus.PostQuery
		want []string
	}{
		{"two minutes", chorus.PostQuery{Since: at(time.Minute), Until: at(3 * time.Minute)}, []string{"weibo:3", "x:3", "weibo:1"}},
		{"two minutes of x", chorus.PostQuery{Platform: chorus.X, Since: at(time.Minute), Until: at(3 * time.Minute)}, []string{"x:3"}},
		{"first minute positive", chorus.PostQuery{Label: chorus.Positive, Since: t0, Until: at(time.Minute)}, []string{"x:2", "x:1"}},
		{"until is exclusive", chorus.PostQuery{Until: at(2 * time.Minute)}, []string{"weibo:1", "x:2", "x:1"}},
		{"since is inclusive", chorus.PostQuery{Since: at(61 * time.Minute)}, []string{"x:4", "weibo:2"}},
		{"empty window", chorus.PostQuery{Since: at(5 * time.Minute), Until: at(6 * time.Minute)}, nil},
		{"top in a window", chorus.PostQuery{Sort: chorus.Top, Since: t0, Until: at(3 * time.Minute), Limit: 3}, []string{"weibo:1", "x:1", "x:2"}},
		{"top negative since", chorus.PostQuery{Sort: chorus.Top, Label: chorus.Negative, Since: at(2 * time.Minute)}, []string{"weibo:2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.q.Limit == 0 {
				tc.q.Limit = 100
			}
			page, err := s.Posts(ctx, "e", tc.q)
			if err != nil {
				t.Fatalf("Posts: %v", err)
			}
			if got := keys(page.Posts); !slices.Equal(got, tc.want) {
				t.Errorf("Posts = %v, want %v", got, tc.want)
			}
			if len(tc.want) < tc.q.Limit && page.NextCursor != "" {
				t.Errorf("NextCursor = %q on the only page", page.NextCursor)
			}
		})
	}
	// Paging inside a window visits each of its posts once, in order.
	q := chorus.PostQuery{Since: t0, Until: at(3 * time.Minute), Limit: 2}
	var got []string
	for range 10 {
		page, err := s.Posts(ctx, "e", q)
		if err != nil {
			t.Fatalf("Posts: %v", err)
		}
		got = append(got, keys(page.Posts)...)
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if want := []string{"weibo:3", "x:3", "weibo:1", "x:2", "x:1"}; !slices.Equal(got, want) {
		t.Errorf("paged window = %v, want %v", got, want)
	}
}

func testVersion(t *testing.T, s Store) {
	ctx := context.Background()
	version := func(event string) uint64 {
		t.Helper()
		v, err := s.Version(ctx, event)
		if err != nil {
			t.Fatalf("Version(%q): %v", event, err)
		}
		return v
	}
	before, all := version("e"), version("")
	mustCreate(t, s, "e")
	mustCreate(t, s, "f")
	if version("e") == before || version("") == all {
		t.Errorf("creating e left its version at %d and the overall one at %d", before, all)
	}
	e, f, all := version("e"), version("f"), version("")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	if version("e") == e {
		t.Errorf("a tally of e left its version at %d", e)
	}
	if version("") == all {
		t.Errorf("a tally of e left the overall version at %d", all)
	}
	if version("f") != f {
		t.Errorf("a tally of e moved f's version from %d to %d", f, version("f"))
	}
	e = version("e")
	if _, err := s.Correct(ctx, "e", chorus.X, "1", chorus.Negative, ""); err != nil {
		t.Fatal(err)
	}
	if version("e") == e {
		t.Errorf("a correction left the version at %d", e)
	}
	// A resubmission that counts nothing need not invalidate anything,
	// but the data read after any version is at least that new.
	v := version("e")
	if sum := summary(t, s, "e", ""); sum.Total != 8 || sum.ByLabel.Negative != 3 {
		t.Errorf("summary read after version %d: %+v", v, sum)
	}
	v = version("e")
	if _, err := s.FoldReposts(ctx, "e", []chorus.Post{repost("e", chorus.X, "r1", "1")}); err != nil {
		t.Fatal(err)
	}
	if version("e") == v {
		t.Errorf("a folded repost (it moves the summary's reposts) left the version at %d", v)
	}
	if _, err := s.Version(ctx, "never-written"); err != nil {
		t.Errorf("Version of an unknown event: %v", err)
	}
}

func repost(event string, pl chorus.Platform, id, of string) chorus.Post {
	return chorus.Post{Platform: pl, ID: id, Event: event, RepostOf: of, CreatedAt: t0, Author: chorus.Author{Handle: "r" + id}}
}

func testRepostsFoldOnce(t *testing.T, s Store) {
	ctx := context.Background()
	mustCreate(t, s, "e")
	mustCreate(t, s, "other")
	mustSubmit(t, s, "e", mixed("e"))
	drain(t, s, "e")
	before := summary(t, s, "e", "")
	batch := []chorus.Post{
		repost("e", chorus.X, "r1", "1"), repost("e", chorus.X, "r2", "1"),
		repost("e", chorus.Weibo, "r1", "5"), repost("e", chorus.X, "r1", "1"), // the last repeats the first
	}
	res, err := s.FoldReposts(ctx, "e", batch)
	if err != nil {
		t.Fatalf("FoldReposts: %v", err)
	}
	if res != (chorus.SubmitResult{Accepted: 3, Duplicates: 1}) {
		t.Errorf("FoldReposts = %+v, want 3 accepted, 1 duplicate", res)
	}
	if res, err := s.FoldReposts(ctx, "e", batch[:2]); err != nil || res != (chorus.SubmitResult{Duplicates: 2}) {
		t.Errorf("FoldReposts again = %+v, %v; want 2 duplicates", res, err)
	}
	sum := summary(t, s, "e", "")
	if sum.Reposts != 3 || sum.ByPlatform[chorus.X].Reposts != 2 || sum.ByPlatform[chorus.Weibo].Reposts != 1 {
		t.Errorf("reposts folded: total %d, x %d, weibo %d; want 3, 2, 1", sum.Reposts, sum.ByPlatform[chorus.X].Reposts, sum.ByPlatform[chorus.Weibo].Reposts)
	}
	if sum.Total != before.Total || sum.ByLabel != before.ByLabel {
		t.Errorf("reposts moved the post tallies: total %d %+v, want %d %+v", sum.Total, sum.ByLabel, before.Total, before.ByLabel)
	}
	if x := summary(t, s, "e", chorus.X); x.Reposts != 2 {
		t.Errorf("summary of x: reposts %d, want 2", x.Reposts)
	}
	if q, err := s.Queued(ctx, "e"); err != nil || q != 0 {
		t.Errorf("Queued = %d, %v; want 0: reposts are not queued", q, err)
	}
	page, err := s.Posts(ctx, "e", chorus.PostQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Posts {
		if p.IsRepost() || p.ID == "r1" || p.ID == "r2" {
			t.Errorf("a folded repost is listed: %+v", p)
		}
	}
	if o := summary(t, s, "other", ""); o.Reposts != 0 {
		t.Errorf("other event has %d reposts, want 0", o.Reposts)
	}
	if _, err := s.FoldReposts(ctx, "nope", batch[:1]); !errors.Is(err, chorus.ErrNotFound) {
		t.Errorf("FoldReposts into an unknown event: %v, want ErrNotFound", err)
	}
}

func testCheckpoints(t *testing.T, s Store) {
	ctx := context.Background()
	mustCreate(t, s, "e")
	mustCreate(t, s, "f")
	if v, err := s.Checkpoint(ctx, "e", "x-search/abc"); err != nil || v != "" {
		t.Fatalf("Checkpoint before any save = %q, %v; want empty", v, err)
	}
	big := `{"since_id":"1818712345678901234567"}` // an id past 2^64 stays text
	for _, v := range []string{`{"since_id":"1"}`, big} {
		if err := s.SaveCheckpoint(ctx, "e", "x-search/abc", v); err != nil {
			t.Fatalf("SaveCheckpoint: %v", err)
		}
	}
	if err := s.SaveCheckpoint(ctx, "f", "x-search/abc", "other"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Checkpoint(ctx, "e", "x-search/abc"); err != nil || v != big {
		t.Errorf("Checkpoint = %q, %v; want the last saved %q", v, err, big)
	}
	if v, _ := s.Checkpoint(ctx, "e", "x-search/abcd"); v != "" {
		t.Errorf("another key of the same event = %q, want empty", v)
	}
	if v, _ := s.Checkpoint(ctx, "f", "x-search/abc"); v != "other" {
		t.Errorf("the same key of another event = %q, want other", v)
	}
}

func testCollectors(t *testing.T, s Store) {
	ctx := context.Background()
	mustCreate(t, s, "e")
	mustCreate(t, s, "e2")
	list, err := s.Collectors(ctx, "e")
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("Collectors before any = %#v, %v; want an empty list", list, err)
	}
	st := chorus.CollectorStatus{Event: "e", Name: "x-search", Platform: chorus.X, Query: "selfie", Mode: "once",
		State: chorus.CollectorRunning, StartedAt: t0, UpdatedAt: t0, Posts: 10, Pages: 1}
	if err := s.SaveCollector(ctx, st); err != nil {
		t.Fatalf("SaveCollector: %v", err)
	}
	st.State, st.Posts, st.Pages, st.RateLimitWaits, st.LastError = chorus.CollectorDone, 250, 3, 1, "429: waited 4s"
	if err := s.SaveCollector(ctx, st); err != nil {
		t.Fatal(err)
	}
	wb := chorus.CollectorStatus{Event: "e", Name: "weibo-mobile", Platform: chorus.Weibo, Mode: "follow", State: chorus.CollectorFailed,
		LastError: "cookie rejected: refresh WEIBO_COOKIE", NextRetryAt: t0.Add(time.Minute)}
	if err := s.SaveCollector(ctx, wb); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCollector(ctx, chorus.CollectorStatus{Event: "e2", Name: "x-search", State: chorus.CollectorRunning}); err != nil {
		t.Fatal(err)
	}
	list, err = s.Collectors(ctx, "e")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "weibo-mobile" || list[1].Name != "x-search" {
		t.Fatalf("Collectors = %+v; want weibo-mobile then x-search", list)
	}
	if got := list[1]; got.State != chorus.CollectorDone || got.Posts != 250 || got.RateLimitWaits != 1 || !got.StartedAt.Equal(t0) || got.LastError != st.LastError {
		t.Errorf("x-search = %+v; want the last saved %+v", got, st)
	}
	if got := list[0]; !got.NextRetryAt.Equal(wb.NextRetryAt) || got.LastError != wb.LastError {
		t.Errorf("weibo-mobile = %+v; want %+v", got, wb)
	}
	if _, err := s.Collectors(ctx, "nope"); !errors.Is(err, chorus.ErrNotFound) {
		t.Errorf("Collectors of an unknown event: %v, want ErrNotFound", err)
	}
}
