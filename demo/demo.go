// Package demo holds the demo event: the reactions on X and Weibo quoted in
// the seed article about the Paris 2024 podium selfie. The posts are listed
// by hand for now, each quote kept verbatim and attributed as the article
// attributes it; a later collector (collector/article) derives them by
// extraction, and this list is its expected output.
package demo

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
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

// quote is one reaction as the article gives it.
type quote struct {
	platform chorus.Platform
	author   string // the article's attribution
	text     string
}

// The article quotes English translations of what was posted. The first
// quote stands in the lead, hailed by "internet users", next to the line
// that names its author "an X user"; the Weibo quotes are translations.
// Posting times are not given: the article dates the medal ceremony
// 31 July 2024, so the posts are placed in the hours after it, in the
// article's order.
var quotes = []quote{
	{chorus.X, "an X user", "This is the true Olympic spirit! A warmhearted group photo of Chinese, North Korea and South Korean athletes and everyone is so surprised and happy!"},
	{chorus.X, "an X user", "a historic moment"},
	{chorus.X, "another user on X", "These might just be the most significant photos from the Paris Olympics. A praiseworthy moment of sportsmanship, friendship & peace!"},
	{chorus.Weibo, "one Weibo user", "[Sun] organised the once-in-a-century historic meeting"},
	{chorus.Weibo, "another Weibo user", "Turns out the only time North and South Korea share a stage is being directed by a Chinese girl"},
}

// Posts are the demo event's posts. Ids are derived from the article and
// the quote, so loading them again finds them already stored.
func Posts() []chorus.Post {
	base := time.Date(2024, 7, 31, 19, 30, 0, 0, time.UTC)
	posts := make([]chorus.Post, len(quotes))
	for i, q := range quotes {
		sum := sha256.Sum256([]byte(Article + "\x00" + string(q.platform) + "\x00" + q.text))
		posts[i] = chorus.Post{
			Platform:  q.platform,
			ID:        "article-" + hex.EncodeToString(sum[:8]),
			Event:     EventID,
			Author:    chorus.Author{Name: q.author},
			Text:      q.text,
			Lang:      "en",
			CreatedAt: base.Add(time.Duration(i) * 7 * time.Minute),
			Source:    "article:" + Article,
		}
	}
	return posts
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
	posts := Posts()
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

// quoted reports whether the article quotes text verbatim (curly quotes
// straightened); the demo test holds every post to it.
func quoted(article, text string) bool {
	r := strings.NewReplacer("“", `"`, "”", `"`, "’", "'")
	return strings.Contains(r.Replace(article), r.Replace(text))
}
