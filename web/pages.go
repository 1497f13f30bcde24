package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
)

// funcs are the template helpers. Every value a template prints goes
// through html/template's contextual escaping; nothing here builds HTML.
var funcs = template.FuncMap{
	"pct": func(n, total int64) string {
		if total == 0 {
			return "0"
		}
		return fmt.Sprintf("%.0f", 100*float64(n)/float64(total))
	},
	"net":   func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"label": func(s *chorus.Sentiment) string { return labelOf(s) },
	"platformName": func(p chorus.Platform) string {
		switch p {
		case chorus.X:
			return "X"
		case chorus.Weibo:
			return "Weibo"
		}
		return string(p)
	},
	"when": func(p chorus.Post) string { return p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC") },
	"who": func(a chorus.Author) string {
		switch {
		case a.Handle != "":
			return "@" + a.Handle
		case a.Name != "":
			return a.Name
		}
		return "unknown author"
	},
	"height": func(n, max int64) string {
		if max == 0 {
			return "0"
		}
		return fmt.Sprintf("%.0f", 100*float64(n)/float64(max))
	},
	"safeURL": func(u string) string {
		// Only web links become links; anything else (javascript:, data:) is shown as text.
		if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
			return u
		}
		return ""
	},
}

func labelOf(s *chorus.Sentiment) string {
	if s == nil {
		return "pending"
	}
	return string(s.Label)
}

func (s *server) indexPage(c *gin.Context) error {
	return s.cached(c, "", "page:index", s.maxAge, func(ctx context.Context) (*response, error) {
		views, err := s.eventViews(ctx)
		if err != nil {
			return nil, err
		}
		return s.htmlResponse(http.StatusOK, "index.html", gin.H{"Events": views, "Version": s.cfg.Version})
	})
}

type platformColumn struct {
	Platform chorus.Platform
	Summary  chorus.PlatformSummary
	Posts    []chorus.Post
}

func (s *server) eventPage(c *gin.Context) error {
	id := c.Param("id")
	if chorus.ValidateEventID(id) != nil {
		c.HTML(http.StatusNotFound, "notfound.html", gin.H{"ID": id})
		return nil
	}
	return s.cached(c, id, "page:event|"+id, s.maxAge, func(ctx context.Context) (*response, error) {
		return s.renderEvent(ctx, id)
	})
}

func (s *server) renderEvent(ctx context.Context, id string) (*response, error) {
	ev, err := s.loadEvent(ctx, id)
	if err != nil {
		if statusOf(err) == http.StatusNotFound {
			return s.htmlResponse(http.StatusNotFound, "notfound.html", gin.H{"ID": id})
		}
		return nil, err
	}
	sum, err := s.cfg.Store.Summary(ctx, ev.ID, "")
	if err != nil {
		return nil, fmt.Errorf("summary of %s: %w", ev.ID, err)
	}
	var cols []platformColumn
	for _, pl := range chorus.Platforms {
		page, err := s.cfg.Store.Posts(ctx, ev.ID, chorus.PostQuery{Platform: pl, Sort: chorus.Recent, Limit: 20})
		if err != nil {
			return nil, fmt.Errorf("posts of %s on %s: %w", ev.ID, pl, err)
		}
		cols = append(cols, platformColumn{Platform: pl, Summary: sum.ByPlatform[pl], Posts: page.Posts})
	}
	top, err := s.cfg.Store.Posts(ctx, ev.ID, chorus.PostQuery{Sort: chorus.Top, Limit: 5})
	if err != nil {
		return nil, fmt.Errorf("top posts of %s: %w", ev.ID, err)
	}
	bucket, points, err := s.timelinePoints(ctx, ev.ID)
	if err != nil {
		return nil, err
	}
	var peak int64
	for _, p := range points {
		peak = max(peak, p.Positive+p.Neutral+p.Negative+p.Unscored)
	}
	var engaged []chorus.Post // the top list only when posts have engagement
	for _, p := range top.Posts {
		if p.Metrics.Engagement() > 0 {
			engaged = append(engaged, p)
		}
	}
	return s.htmlResponse(http.StatusOK, "event.html", gin.H{
		"Event": ev, "Summary": sum, "Columns": cols, "Top": engaged,
		"Timeline": points, "Peak": peak, "Bucket": bucket, "Version": s.cfg.Version,
	})
}

// maxColumns bounds the dashboard's timeline.
const maxColumns = 120

// timelinePoints picks the bucket that shows the event's span best
// (minutes for a few hours, hours for a week, days beyond) and fills the
// buckets without posts, so that the chart's x axis is time.
func (s *server) timelinePoints(ctx context.Context, event string) (chorus.Bucket, []chorus.Point, error) {
	days, err := s.cfg.Store.Timeline(ctx, event, chorus.Day, "")
	if err != nil || len(days) == 0 {
		return chorus.Hour, nil, err
	}
	span := days[len(days)-1].T.Sub(days[0].T)
	bucket, step := chorus.Day, 24*time.Hour
	switch {
	case span == 0:
		bucket, step = chorus.Minute, time.Minute
		if hours, err := s.cfg.Store.Timeline(ctx, event, chorus.Hour, ""); err != nil {
			return bucket, nil, err
		} else if hours[len(hours)-1].T.Sub(hours[0].T) > 2*time.Hour {
			bucket, step = chorus.Hour, time.Hour
		}
	case span <= 7*24*time.Hour:
		bucket, step = chorus.Hour, time.Hour
	}
	points, err := s.cfg.Store.Timeline(ctx, event, bucket, "")
	if err != nil || len(points) == 0 {
		return bucket, nil, err
	}
	var filled []chorus.Point
	for i, p := range points {
		if i > 0 {
			for t := points[i-1].T.Add(step); t.Before(p.T) && len(filled) < 100_000; t = t.Add(step) {
				filled = append(filled, chorus.Point{T: t})
			}
		}
		filled = append(filled, p)
	}
	if len(filled) > maxColumns {
		filled = filled[len(filled)-maxColumns:]
	}
	return bucket, filled, nil
}
