// Package demo holds the demo event: the reactions on X and Weibo quoted in
// the seed article about the Paris 2024 podium selfie. Its posts are not
// listed here: collector/article extracts them from the embedded article,
// as `chorus import --format article` would, each quote kept verbatim and
// attributed as the article attributes it.
package demo

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/article"
)

// EventID is the demo event's id (CONTRACT.md).
const EventID = "paris-2024-podium-selfie"

// Article is the seed article's file name; posts cite it as their source.
const Article = "000_c0fe265b281cd13c.txt"

//go:embed seed
var seed embed.FS

// Event is the demo event.
func Event() chorus.Event {
	return chorus.Event{
		ID:         EventID,
		Title:      "Paris 2024: the podium selfie of North Korean, South Korean and Chinese players",
		QueryX:     `(olympics OR #Paris2024) selfie (korea OR "table tennis") -is:retweet`,
		QueryWeibo: "合影 乒乓球 朝鲜 韩国",
		Start:      time.Date(2024, 7, 31, 0, 0, 0, 0, time.UTC),
		End:        time.Date(2024, 8, 7, 0, 0, 0, 0, time.UTC),
	}
}

// posted is when the demo's posts are dated. The article gives the day of
// the medal ceremony without its year ("Wednesday (July 31)"), which the
// extractor does not guess; the demo knows the year, and places the posts
// on the evening of the ceremony.
var posted = time.Date(2024, 7, 31, 19, 30, 0, 0, time.UTC)

// Extract runs the extractor over the seed article: every quotation, the
// posts among them, and why the rest are not posts.
func Extract() (*article.Result, error) {
	res, err := article.Parse([]byte(ArticleText()), article.Options{Source: Article, Date: posted})
	if err != nil {
		return nil, fmt.Errorf("demo: extract posts from %s: %w", Article, err)
	}
	return res, nil
}

// Posts are the demo event's posts, extracted from the seed article. Ids
// are derived from each post's platform and words, so loading them again
// finds them already stored.
func Posts() ([]chorus.Post, error) {
	res, err := Extract()
	if err != nil {
		return nil, err
	}
	if len(res.Posts) == 0 {
		return nil, fmt.Errorf("demo: no posts found in %s", Article)
	}
	posts := res.Posts
	for i := range posts {
		posts[i].Event = EventID
	}
	return posts, nil
}

// ArticleText is the seed article, as shipped.
func ArticleText() string {
	b, err := seed.ReadFile("seed/" + Article)
	if err != nil {
		panic(fmt.Sprintf("demo: embedded article missing: %v", err))
	}
	return string(b)
}

// Store is what loading the demo needs.
type Store interface {
	CreateEvent(ctx context.Context, ev chorus.Event) (bool, error)
	Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)
}

// Load creates the demo event and submits its posts. It is idempotent:
// a second load finds every post stored and adds nothing.
func Load(ctx context.Context, s Store) (chorus.SubmitResult, error) {
	ev := Event()
	ev.CreatedAt = time.Now().UTC()
	if _, err := s.CreateEvent(ctx, ev); err != nil {
		return chorus.SubmitResult{}, fmt.Errorf("create demo event: %w", err)
	}
	posts, err := Posts()
	if err != nil {
		return chorus.SubmitResult{}, err
	}
	for i := range posts {
		if err := posts[i].Validate(); err != nil {
			return chorus.SubmitResult{}, fmt.Errorf("demo post %d: %w", i, err)
		}
	}
	res, err := s.Submit(ctx, EventID, posts)
	if err != nil {
		return res, fmt.Errorf("submit demo posts: %w", err)
	}
	return res, nil
}
