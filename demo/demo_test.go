package demo

import (
	"testing"

	"github.com/chorus-news/chorus"
)

func TestPostsAreQuotedVerbatim(t *testing.T) {
	article := ArticleText()
	byPlatform := map[chorus.Platform]int{}
	for _, p := range Posts() {
		if !quoted(article, p.Text) {
			t.Errorf("post %s: %q is not in the article", p.ID, p.Text)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("post %s: %v", p.ID, err)
		}
		if p.Source != "article:"+Article {
			t.Errorf("post %s: source %q", p.ID, p.Source)
		}
		byPlatform[p.Platform]++
	}
	if byPlatform[chorus.X] != 3 || byPlatform[chorus.Weibo] != 2 {
		t.Errorf("posts by platform = %v, want 3 x and 2 weibo", byPlatform)
	}
}

func TestPostIDsAreStableAndDistinct(t *testing.T) {
	a, b := Posts(), Posts()
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
