package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/alert"
)

// postsPage lists the posts behind a count on the event page: a label, a
// platform, a timeline bucket (since/until), or any mix, 50 a page.
func (s *server) postsPage(c *gin.Context) error {
	id := c.Param("id")
	if chorus.ValidateEventID(id) != nil {
		c.HTML(http.StatusNotFound, "notfound.html", gin.H{"ID": id})
		return nil
	}
	q, err := postQuery(c)
	if err != nil {
		return err
	}
	return s.cached(c, id, "page:posts|"+id+"|"+queryKey(q), s.maxAge, func(ctx context.Context) (*response, error) {
		return s.renderPosts(ctx, id, q)
	})
}

func (s *server) renderPosts(ctx context.Context, id string, q chorus.PostQuery) (*response, error) {
	ev, err := s.loadEvent(ctx, id)
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return s.htmlResponse(http.StatusNotFound, "notfound.html", gin.H{"ID": id})
		}
		return nil, err
	}
	page, err := s.cfg.Store.Posts(ctx, id, q)
	if err != nil {
		return nil, fmt.Errorf("posts of %s: %w", id, err)
	}
	count, err := s.countOf(ctx, id, q)
	if err != nil {
		return nil, err
	}
	// The heading says what is counted, in words.
	what := "Posts"
	if q.Label != "" {
		what = strings.ToUpper(string(q.Label[:1])) + string(q.Label[1:]) + " posts"
	}
	if q.Platform != "" {
		what += " on " + platformName(q.Platform)
	}
	if !q.Since.IsZero() || !q.Until.IsZero() {
		what += ", " + window(q.Since, q.Until)
	}
	params := func(sort chorus.Sort, cursor string) url.Values {
		v := url.Values{}
		if q.Label != "" {
			v.Set("label", string(q.Label))
		}
		if q.Platform != "" {
			v.Set("platform", string(q.Platform))
		}
		if !q.Since.IsZero() {
			v.Set("since", q.Since.Format(time.RFC3339))
		}
		if !q.Until.IsZero() {
			v.Set("until", q.Until.Format(time.RFC3339))
		}
		if sort == chorus.Top {
			v.Set("sort", "top")
		}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		return v
	}
	data := gin.H{"Event": ev, "Title": what + " · " + ev.Title, "Heading": what, "Posts": cards(page.Posts), "Count": count, "Version": s.cfg.Version}
	if q.Sort == chorus.Top {
		data["Order"], data["OtherLabel"], data["Other"] = "Most engaged first (of the most engaged 1,000).", "Newest first", postsHref(id, params(chorus.Recent, ""))
	} else {
		data["Order"], data["OtherLabel"], data["Other"] = "Newest first.", "Most engaged first", postsHref(id, params(chorus.Top, ""))
	}
	api := params(q.Sort, "")
	data["API"] = "/api/v1/events/" + url.PathEscape(id) + "/posts?" + api.Encode()
	if page.NextCursor != "" {
		data["Next"] = postsHref(id, params(q.Sort, page.NextCursor))
	}
	return s.htmlResponse(http.StatusOK, "posts.html", data)
}

// countOf is how many posts the query's filter counts, from the tallies:
// the summary for a label or platform, the minute timeline for a window
// on minute boundaries; -1 when the tallies cannot say.
func (s *server) countOf(ctx context.Context, id string, q chorus.PostQuery) (int64, error) {
	if q.Since.IsZero() && q.Until.IsZero() {
		sum, err := s.cfg.Store.Summary(ctx, id, q.Platform)
		if err != nil {
			return 0, fmt.Errorf("summary of %s: %w", id, err)
		}
		if q.Label == "" {
			return sum.Total, nil
		}
		return sum.ByLabel.Get(q.Label), nil
	}
	if !q.Since.Equal(q.Since.Truncate(time.Minute)) || !q.Until.Equal(q.Until.Truncate(time.Minute)) {
		return -1, nil
	}
	points, err := s.cfg.Store.Timeline(ctx, id, chorus.Minute, q.Platform)
	if err != nil {
		return 0, fmt.Errorf("timeline of %s: %w", id, err)
	}
	var n int64
	for _, p := range points {
		if !q.InWindow(p.T) {
			continue
		}
		if q.Label == "" {
			n += alert.Total(p)
		} else {
			n += chorus.LabelCounts{Positive: p.Positive, Neutral: p.Neutral, Negative: p.Negative, Unscored: p.Unscored}.Get(q.Label)
		}
	}
	return n, nil
}

func window(since, until time.Time) string {
	const layout = "Jan 2 15:04"
	switch {
	case since.IsZero():
		return "before " + until.Format(layout) + " UTC"
	case until.IsZero():
		return "from " + since.Format(layout) + " UTC"
	case until.Sub(since) == time.Minute:
		return since.Format(layout) + " UTC (one minute)"
	case since.Format("2006-01-02") == until.Add(-time.Second).Format("2006-01-02"):
		return since.Format(layout) + "–" + until.Format("15:04") + " UTC"
	}
	return since.Format(layout) + " – " + until.Format(layout) + " UTC"
}
