package demo

import (
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
)

// quoted reports whether the article quotes text verbatim (curly quotes
// straightened).
func quoted(article, text string) bool {
	r := strings.NewReplacer("“", `"`, "”", `"`, "’", "'")
	return strings.Contains(r.Replace(article), r.Replace(text))
}

// TestPostsAreQuotedVerbatim: the extractor finds the seed article's
// reactions, three on X and two on Weibo, each in the article's words and
// with its attribution (collector/article/testdata/seed-scmp.want lists
// them; that test holds the words exactly).
func TestPostsAreQuotedVerbatim(t *testing.T) {
	article := ArticleText()
	posts, err := Posts()
	if err != nil {
		t.Fatal(err)
	}
	byPlatform := map[chorus.Platform]int{}
	for _, p := range posts {
		if !quoted(article, p.Text) {
			t.Errorf("post %s: %q is not in the article", p.ID, p.Text)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("post %s: %v", p.ID, err)
		}
		if p.Source != "article:"+Article || p.Event != EventID || p.Author.Name == "" {
			t.Errorf("post %s: source %q, event %q, author %q", p.ID, p.Source, p.Event, p.Author.Name)
		}
		if !p.CreatedAt.Equal(posted) {
			t.Errorf("post %s: created_at %v, want %v", p.ID, p.CreatedAt, posted)
		}
		byPlatform[p.Platform]++
	}
	if byPlatform[chorus.X] != 3 || byPlatform[chorus.Weibo] != 2 {
		t.Errorf("posts by platform = %v, want 3 x and 2 weibo", byPlatform)
	}
	res, _ := Extract()
	if skipped := len(res.Quotes) - len(res.Posts); skipped != 2 {
		t.Errorf("%d quotations skipped, want 2 (the lead's scare quotes)", skipped)
	}
}

func TestPostIDsAreStableAndDistinct(t *testing.T) {
	a, _ := Posts()
	b, _ := Posts()
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("posts %d then %d", len(a), len(b))
	}
	seen := map[string]bool{}
	for i := range a {
		if a[i].ID != b[i].ID {
			t.Errorf("post %d id changed between calls: %s, %s", i, a[i].ID, b[i].ID)
		}
		if seen[a[i].Key()] {
			t.Errorf("post %d id %s repeats", i, a[i].ID)
		}
		seen[a[i].Key()] = true
	}
}

// TestEmbeddedArticleIsTheSeed: the demo ships the seed article unchanged.
func TestEmbeddedArticleIsTheSeed(t *testing.T) {
	if !strings.Contains(ArticleText(), "in what an X user called “a historic moment”") {
		t.Errorf("the embedded article is not the seed")
	}
}
