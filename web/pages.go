package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/alert"
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
	"net":          func(f float64) string { return fmt.Sprintf("%+.2f", f) },
	"f1":           func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"add":          func(a, b int64) int64 { return a + b },
	"spikeMin":     func() int { return alert.SpikeMinPosts },
	"spikeFactor":  func() float64 { return alert.SpikeFactor },
	"spikeWindow":  func() int { return alert.SpikeWindow },
	"platformName": platformName,
	"iso":          func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"ago":          ago,
}

func platformName(p chorus.Platform) string {
	switch p {
	case chorus.X:
		return "X"
	case chorus.Weibo:
		return "Weibo"
	}
	return string(p)
}

func who(a chorus.Author) string {
	switch {
	case a.Handle != "" && a.Name != "" && a.Name != a.Handle:
		return "@" + a.Handle + " (" + a.Name + ")"
	case a.Handle != "":
		return "@" + a.Handle
	case a.Name != "":
		return a.Name
	}
	return "unknown author"
}

// cite is the attribution a copied quote carries.
func cite(p chorus.Post) string {
	s := "— " + who(p.Author) + " on " + platformName(p.Platform) + ", " + p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC")
	if u := safeURL(p.URL); u != "" {
		s += ", " + u
	}
	return s
}

// safeURL lets only web links become links; anything else (javascript:,
// data:) is shown as text.
func safeURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := time.Since(t).Round(time.Second)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

var langNames = map[string]string{
	"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "es": "Spanish", "fr": "French",
	"de": "German", "pt": "Portuguese", "ru": "Russian", "ar": "Arabic", "it": "Italian", "und": "undetermined",
}

func langName(code string) string {
	if n, ok := langNames[code]; ok {
		return n
	}
	return code
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
		type row struct {
			eventView
			Trend sparkline
		}
		rows := make([]row, 0, len(views))
		for _, v := range views {
			b, points, _, err := s.timelineOf(ctx, v.ID, "", "", 48)
			if err != nil {
				return nil, err
			}
			rows = append(rows, row{eventView: v, Trend: newSparkline(points, b)})
		}
		return s.htmlResponse(http.StatusOK, "index.html", gin.H{"Events": rows, "Version": s.cfg.Version})
	})
}

// shareView is one label's share of the scored posts, with its sample.
type shareView struct {
	Label chorus.Label
	Count int64
	Of    int64 // the scored posts the share is of
	Pct   string
	Href  string
}

type barRow struct {
	shareView
	Width float64 // 0..100 of the scale both platforms share
}

type langView struct {
	Lang  string
	Name  string
	Count int64
	Pct   string
}

type platformView struct {
	Platform chorus.Platform
	Name     string
	Summary  chorus.PlatformSummary
	Scored   int64
	Rows     []barRow
	Unscored int64
	Langs    []langView
	Href     string
}

type labelQuotes struct {
	Label  chorus.Label
	Count  int64
	Href   string
	Top    []card
	Recent []card
}

type navLink struct {
	Label, Href string
	Current     bool
}

type collectorView struct {
	chorus.CollectorStatus
	Stalled bool // says it runs but has not reported for a while
	Problem string
}

// eventPage is everything the event page shows.
type eventPage struct {
	Event         chorus.Event
	Summary       chorus.Summary
	Scored        int64
	Shares        []shareView
	Platforms     []platformView
	Langs         []langView
	Chart         timelineChart
	Auto          bool
	Platform      chorus.Platform
	BucketLinks   []navLink
	PlatformLinks []navLink
	Quotes        []labelQuotes
	Unscored      labelQuotes
	Arrived       []card // just taken in by this server, newest first
	Models        []string
	Corrected     int
	Collectors    []collectorView
	Exports       []navLink
	Live          string
	Built         time.Time
	Version       string
}

func (s *server) eventPage(c *gin.Context) error {
	id := c.Param("id")
	if chorus.ValidateEventID(id) != nil {
		c.HTML(http.StatusNotFound, "notfound.html", gin.H{"ID": id})
		return nil
	}
	b := chorus.Bucket("")
	if v := c.Query("bucket"); v != "" && v != "auto" {
		var err error
		if b, err = bucketParam(c); err != nil {
			return err
		}
	}
	pl, err := platformParam(c)
	if err != nil {
		return err
	}
	// The page shows the posts just taken in (arrivals.go): their
	// generation is part of the key.
	refs, gen := s.recent.get(id)
	key := "page:event|" + id + "|" + string(b) + "|" + string(pl) + "|" + strconv.FormatUint(gen, 10)
	return s.cached(c, id, key, s.maxAge, func(ctx context.Context) (*response, error) {
		return s.renderEvent(ctx, id, b, pl, refs)
	})
}

func (s *server) renderEvent(ctx context.Context, id string, b chorus.Bucket, pl chorus.Platform, arrived []postRef) (*response, error) {
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
	page := eventPage{Event: ev, Summary: sum, Platform: pl, Auto: b == "", Version: s.cfg.Version, Built: time.Now().UTC(),
		Live: "/api/v1/events/" + url.PathEscape(ev.ID) + "/live"}
	page.Scored = sum.ByLabel.Positive + sum.ByLabel.Neutral + sum.ByLabel.Negative
	for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
		page.Shares = append(page.Shares, share(ev.ID, "", l, sum.ByLabel.Get(l), page.Scored))
	}
	page.Langs = langs(sum.ByLang, sum.Total)

	// X and Weibo side by side, on one scale.
	var scale int64
	for _, p := range chorus.Platforms {
		for _, l := range chorus.Labels {
			scale = max(scale, sum.ByPlatform[p].ByLabel.Get(l))
		}
	}
	for _, p := range chorus.Platforms {
		ps := sum.ByPlatform[p]
		psum, err := s.cfg.Store.Summary(ctx, ev.ID, p)
		if err != nil {
			return nil, fmt.Errorf("summary of %s on %s: %w", ev.ID, p, err)
		}
		pv := platformView{Platform: p, Name: platformName(p), Summary: ps, Unscored: ps.ByLabel.Unscored,
			Scored: ps.ByLabel.Positive + ps.ByLabel.Neutral + ps.ByLabel.Negative,
			Langs:  langs(psum.ByLang, ps.Total), Href: postsHref(ev.ID, url.Values{"platform": {string(p)}})}
		for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
			row := barRow{shareView: share(ev.ID, p, l, ps.ByLabel.Get(l), pv.Scored)}
			if scale > 0 {
				row.Width = 100 * float64(row.Count) / float64(scale)
			}
			pv.Rows = append(pv.Rows, row)
		}
		page.Platforms = append(page.Platforms, pv)
	}

	// The timeline, with its switches.
	bucket, points, of, err := s.timelineOf(ctx, ev.ID, b, pl, maxColumns+alert.SpikeWindow)
	if err != nil {
		return nil, err
	}
	page.Chart = newTimelineChart(ev.ID, bucket, pl, points, of)
	base := "/events/" + url.PathEscape(ev.ID)
	link := func(b chorus.Bucket, auto bool, p chorus.Platform) string {
		v := url.Values{}
		if !auto {
			v.Set("bucket", string(b))
		}
		if p != "" {
			v.Set("platform", string(p))
		}
		if len(v) == 0 {
			return base + "#timeline"
		}
		return base + "?" + v.Encode() + "#timeline"
	}
	page.BucketLinks = append(page.BucketLinks, navLink{Label: "auto", Href: link("", true, pl), Current: b == ""})
	for _, x := range chorus.Buckets {
		page.BucketLinks = append(page.BucketLinks, navLink{Label: bucketName(x), Href: link(x, false, pl), Current: b == x})
	}
	page.PlatformLinks = append(page.PlatformLinks, navLink{Label: "all", Href: link(b, b == "", ""), Current: pl == ""})
	for _, p := range chorus.Platforms {
		page.PlatformLinks = append(page.PlatformLinks, navLink{Label: platformName(p), Href: link(b, b == "", p), Current: pl == p})
	}

	// Quotes: the most engaged and the latest of each label.
	models := map[string]bool{}
	corrected := map[string]bool{}
	note := func(posts []chorus.Post) {
		for _, p := range posts {
			if p.Sentiment != nil && p.Sentiment.Model != "" && p.Sentiment.Label != chorus.Unscored {
				models[p.Sentiment.Model] = true
			}
			if p.Sentiment != nil && p.Sentiment.Corrected {
				corrected[p.Key()] = true
			}
		}
	}
	quotes := func(l chorus.Label, n int) (labelQuotes, error) {
		q := labelQuotes{Label: l, Count: sum.ByLabel.Get(l), Href: postsHref(ev.ID, url.Values{"label": {string(l)}})}
		top, err := s.cfg.Store.Posts(ctx, ev.ID, chorus.PostQuery{Label: l, Sort: chorus.Top, Limit: n})
		if err != nil {
			return q, fmt.Errorf("top %s posts of %s: %w", l, ev.ID, err)
		}
		var tops, recents []chorus.Post
		for _, p := range top.Posts {
			if p.Metrics.Engagement() > 0 {
				tops = append(tops, p)
			}
		}
		recent, err := s.cfg.Store.Posts(ctx, ev.ID, chorus.PostQuery{Label: l, Sort: chorus.Recent, Limit: n + len(tops)})
		if err != nil {
			return q, fmt.Errorf("recent %s posts of %s: %w", l, ev.ID, err)
		}
		for _, p := range recent.Posts {
			if len(recents) < n && !slices.ContainsFunc(tops, func(t chorus.Post) bool { return t.Key() == p.Key() }) {
				recents = append(recents, p)
			}
		}
		note(tops)
		note(recents)
		q.Top, q.Recent = cards(tops), cards(recents)
		return q, nil
	}
	for _, l := range []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative} {
		q, err := quotes(l, 3)
		if err != nil {
			return nil, err
		}
		page.Quotes = append(page.Quotes, q)
	}
	if page.Unscored, err = quotes(chorus.Unscored, 2); err != nil {
		return nil, err
	}
	var just []chorus.Post
	for _, ref := range arrived {
		p, err := s.cfg.Store.Post(ctx, ev.ID, ref.platform, ref.id)
		if err != nil || p.Sentiment == nil {
			continue // gone, or not tallied yet: its tally will move the version
		}
		just = append(just, p)
	}
	note(just)
	page.Arrived = cards(just)
	for m := range models {
		page.Models = append(page.Models, m)
	}
	slices.Sort(page.Models)
	page.Corrected = len(corrected)

	list, err := s.collectorsOf(ctx, ev.ID)
	if err != nil {
		return nil, err
	}
	for _, st := range list {
		page.Collectors = append(page.Collectors, collectorView{CollectorStatus: st, Stalled: stalled(st), Problem: problem(st)})
	}
	for _, f := range []string{"csv", "json", "xlsx", "html", "pdf"} {
		page.Exports = append(page.Exports, navLink{Label: strings.ToUpper(f), Href: "/api/v1/events/" + url.PathEscape(ev.ID) + "/export?format=" + f})
	}
	return s.htmlResponse(http.StatusOK, "event.html", page)
}

func share(event string, pl chorus.Platform, l chorus.Label, n, of int64) shareView {
	v := url.Values{"label": {string(l)}}
	if pl != "" {
		v.Set("platform", string(pl))
	}
	sv := shareView{Label: l, Count: n, Of: of, Href: postsHref(event, v), Pct: "–"}
	if of > 0 {
		sv.Pct = fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
	}
	return sv
}

func langs(by map[string]int64, total int64) []langView {
	var out []langView
	for l, n := range by {
		v := langView{Lang: l, Name: langName(l), Count: n}
		if total > 0 {
			v.Pct = fmt.Sprintf("%.0f%%", 100*float64(n)/float64(total))
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b langView) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Lang, b.Lang)
	})
	return out
}

// stallAfter is how long a running collector may go without reporting
// before the page calls it stalled.
const stallAfter = 10 * time.Minute

func stalled(st chorus.CollectorStatus) bool {
	switch st.State {
	case chorus.CollectorRunning, chorus.CollectorWaiting, chorus.CollectorBackoff:
		last := st.UpdatedAt
		if st.LastPostAt.After(last) {
			last = st.LastPostAt
		}
		return !last.IsZero() && time.Since(last) > stallAfter && (st.NextRetryAt.IsZero() || time.Now().After(st.NextRetryAt))
	}
	return false
}

// problem names what a desk should act on.
func problem(st chorus.CollectorStatus) string {
	e := strings.ToLower(st.LastError + " " + st.Note)
	switch {
	case strings.Contains(e, "cookie") && (strings.Contains(e, "expired") || strings.Contains(e, "login") || strings.Contains(e, "invalid")):
		return "the Weibo cookie has expired: log in again and set WEIBO_COOKIE"
	case st.State == chorus.CollectorFailed:
		return "stopped by an error it cannot retry (credentials?)"
	case stalled(st):
		return "no report for " + ago(st.UpdatedAt) + ": stalled?"
	}
	return ""
}

// timelineOf is the event's timeline in bucket b (picked from the span
// when ""), filled so that the x axis is time, the newest limit buckets,
// and how many buckets the span holds.
func (s *server) timelineOf(ctx context.Context, event string, b chorus.Bucket, pl chorus.Platform, limit int) (chorus.Bucket, []chorus.Point, int, error) {
	if b == "" {
		var err error
		if b, err = s.autoBucket(ctx, event, pl); err != nil {
			return b, nil, 0, err
		}
	}
	points, err := s.cfg.Store.Timeline(ctx, event, b, pl)
	if err != nil {
		return b, nil, 0, fmt.Errorf("timeline of %s: %w", event, err)
	}
	filled, of := alert.Fill(points, b, limit)
	return b, filled, of, nil
}

// autoBucket picks the bucket that shows the event's span best: minutes
// for up to two hours, hours for up to a week, days beyond.
func (s *server) autoBucket(ctx context.Context, event string, pl chorus.Platform) (chorus.Bucket, error) {
	days, err := s.cfg.Store.Timeline(ctx, event, chorus.Day, pl)
	if err != nil || len(days) == 0 {
		return chorus.Hour, err
	}
	if days[len(days)-1].T.Sub(days[0].T) > 7*24*time.Hour {
		return chorus.Day, nil
	}
	if len(days) > 2 {
		return chorus.Hour, nil
	}
	hours, err := s.cfg.Store.Timeline(ctx, event, chorus.Hour, pl)
	if err != nil || len(hours) == 0 {
		return chorus.Hour, err
	}
	if hours[len(hours)-1].T.Sub(hours[0].T) <= 2*time.Hour {
		return chorus.Minute, nil
	}
	return chorus.Hour, nil
}
