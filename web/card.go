package web

import (
	"time"

	"github.com/chorus-news/chorus"
)

// card is a post as a quote card shows it, its words worked out once here
// (a page build then makes one template call per value, not a chain).
type card struct {
	chorus.Post
	Label      string // or "pending" before the tally
	Who        string
	Cite       string // the attribution a copied quote carries
	Where      string // the platform's name
	When, ISO  string
	URL        string // "" unless a web link
	Engagement int64
	Corrected  bool
	Model      string
	Options    []option // for the correction control; none before the tally
	Unscored   bool
}

type option struct {
	Value    chorus.Label
	Selected bool
}

func newCard(p chorus.Post) card {
	c := card{Post: p, Label: labelOf(p.Sentiment), Who: who(p.Author), Cite: cite(p), Where: platformName(p.Platform),
		When: p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), ISO: p.CreatedAt.UTC().Format(time.RFC3339),
		URL: safeURL(p.URL), Engagement: p.Metrics.Engagement()}
	if s := p.Sentiment; s != nil {
		c.Corrected, c.Model, c.Unscored = s.Corrected, s.Model, s.Label == chorus.Unscored
		for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
			c.Options = append(c.Options, option{Value: l, Selected: l == s.Label})
		}
	}
	return c
}

func cards(posts []chorus.Post) []card {
	out := make([]card, len(posts))
	for i := range posts {
		out[i] = newCard(posts[i])
	}
	return out
}
