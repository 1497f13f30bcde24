package weibo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
)

// The mobile web's address and what the search asks for.
const (
	MobileBase = "https://m.weibo.cn"
	// MaxPages is about where Weibo's search stops answering for one query.
	MaxPages = 50
	// mobileUA is a phone browser's: the mobile web serves JSON to it.
	mobileUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)

// ErrCookieRejected is the fault of a missing, expired or wrong cookie.
var errCookieRejected = "cookie rejected: refresh WEIBO_COOKIE"

// mobilePage is one getIndex answer.
type mobilePage struct {
	OK    flexString      `json:"ok"`
	Msg   string          `json:"msg"`
	Errno flexString      `json:"errno"`
	URL   string          `json:"url"`
	Data  json.RawMessage `json:"data"`
}

// okay is the answer's ok: "1" also for true, and for an answer with
// data but no ok at all (servers that leave it out).
func (p mobilePage) okay() string {
	switch ok := strings.TrimSpace(string(p.OK)); ok {
	case "true", "1":
		return "1"
	case "false":
		return "0"
	case "":
		if len(p.Data) > 0 && string(p.Data) != "null" {
			return "1"
		}
		return ""
	default:
		return ok
	}
}

type mobileData struct {
	CardlistInfo *struct {
		Page  json.RawMessage `json:"page"` // the next page; null on the last
		Total flexCount       `json:"total"`
	} `json:"cardlistInfo"`
	Cards []json.RawMessage `json:"cards"`
}

// classifyMobile tells Weibo's answers apart: a login redirect, ok -100 or
// an HTML login or visitor page is a rejected cookie (fatal); 418, 432,
// 403 and ok 0 with errno 100005 or a "too frequent" message are the
// throttle (backed off); 5xx is retried; anything else not JSON is a
// malformed page.
func (c *Collector) classifyMobile(resp *http.Response, body []byte) error {
	code := resp.StatusCode
	if code >= 300 && code < 400 {
		loc := resp.Header.Get("Location")
		if isLogin(loc) {
			return c.cookieRejected(fmt.Sprintf("redirected to %s", hostOf(loc)))
		}
		return fmt.Errorf("HTTP %s: unexpected redirect to %s", resp.Status, hostOf(loc))
	}
	if isLogin(resp.Request.URL.String()) {
		return c.cookieRejected("redirected to " + resp.Request.URL.Host)
	}
	var p mobilePage
	jsonErr := json.Unmarshal(body, &p)
	switch {
	case code == 418 || code == 432 || code == http.StatusTooManyRequests:
		return c.throttled(resp, fmt.Sprintf("HTTP %d", code))
	case code == http.StatusForbidden:
		if jsonErr == nil && p.OK == "-100" {
			return c.cookieRejected("ok -100")
		}
		return c.throttled(resp, "HTTP 403"+errnoText(p))
	case code >= 500:
		return collector.Retryable(collector.StatusError(resp, body))
	case code == http.StatusUnauthorized:
		return c.cookieRejected("HTTP 401")
	case code < 200 || code >= 300:
		return collector.StatusError(resp, body)
	}
	if jsonErr != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return c.throttled(resp, "an empty answer") // what Weibo sends a client it slows down
		}
		if looksHTML(body) {
			if isLoginPage(body) {
				return c.cookieRejected("a login page instead of JSON")
			}
			return &pageError{reason: "an HTML page instead of JSON: " + snippet(body)}
		}
		return &pageError{reason: "not valid JSON: " + jsonReason(jsonErr)}
	}
	switch p.okay() {
	case "1":
		return nil
	case "-100":
		return c.cookieRejected("ok -100")
	case "0":
		if p.Errno == "100005" || strings.Contains(p.Msg, "频繁") || strings.Contains(strings.ToLower(p.Msg), "frequen") {
			return c.throttled(resp, "ok 0"+errnoText(p))
		}
		return nil // no (more) results: the caller reads the message
	}
	return &pageError{reason: fmt.Sprintf("unexpected ok %q: %s", string(p.OK), snippet(body))}
}

func errnoText(p mobilePage) string {
	s := ""
	if p.Errno != "" {
		s += " errno " + string(p.Errno)
	}
	if p.Msg != "" {
		s += " " + fmt.Sprintf("%q", clip(p.Msg))
	}
	return s
}

// pageError is a page that cannot be read.
type pageError struct{ reason string }

func (e *pageError) Error() string { return "malformed page: " + e.reason }

func (c *Collector) cookieRejected(why string) error {
	if !c.opts.Cookie.Set() {
		return &collector.FatalError{Msg: "cookie rejected: Weibo wants a login (" + why + "); set WEIBO_COOKIE"}
	}
	return &collector.FatalError{Msg: errCookieRejected + " (" + why + ")"}
}

// throttled backs off for the next wait of the throttle back-off: Weibo
// names no reset time, so the wait doubles each time (capped by
// --backoff-max) and is counted as a rate-limit wait. A Retry-After, should
// one come, is honoured.
func (c *Collector) throttled(resp *http.Response, reason string) error {
	if resp != nil {
		if d, ok := collector.RetryAfter(resp.Header, c.now()); ok {
			return &collector.RateLimitError{Wait: d, Reason: "Weibo throttle: " + reason}
		}
	}
	return &collector.RateLimitError{Wait: c.throttle.Next(), Reason: "Weibo throttle: " + reason}
}

func isLogin(u string) bool {
	u = strings.ToLower(u)
	return strings.Contains(u, "passport.weibo") || strings.Contains(u, "login.sina") || strings.Contains(u, "/signin") ||
		strings.Contains(u, "visitor.passport") || strings.Contains(u, "/login")
}

func hostOf(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host + p.Path
	}
	return "another page"
}

func looksHTML(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '<'
}

func isLoginPage(body []byte) bool {
	s := string(body)
	for _, w := range []string{"passport.weibo", "登录", "login", "Sina Visitor System", "visitor", "signin"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	return fmt.Sprintf("%q", clip(s))
}

// containerID is the search's container: latest posts (type 61) for q,
// within the slice when it has one (timescope, China time, to the hour).
func containerID(q string, sl slice) string {
	c := "100103type=61&q=" + q + "&t=0"
	if !sl.from.IsZero() {
		c += "&timescope=custom:" + sl.from.In(China).Format("2006-01-02-15") + ":" + sl.to.In(China).Format("2006-01-02-15")
	}
	return c
}

func (c *Collector) searchURL(cid string, page int) string {
	return c.mobileBase() + "/api/container/getIndex?containerid=" + url.QueryEscape(cid) + "&page_type=searchall" + fmt.Sprintf("&page=%d", page)
}

func (c *Collector) mobileBase() string {
	if c.opts.Base != "" {
		return strings.TrimRight(c.opts.Base, "/")
	}
	return MobileBase
}

func (c *Collector) mobileHeaders(cid string) http.Header {
	h := http.Header{}
	h.Set("User-Agent", mobileUA)
	h.Set("Accept", "application/json, text/plain, */*")
	h.Set("X-Requested-With", "XMLHttpRequest")
	h.Set("MWeibo-Pwa", "1")
	h.Set("Referer", "https://m.weibo.cn/search?containerid="+url.QueryEscape(cid))
	if c.opts.Cookie.Set() {
		h.Set("Cookie", c.opts.Cookie.Reveal())
	}
	return h
}

// pageResult is what one search page gave.
type pageResult struct {
	posts    []chorus.Post
	cards    int       // post cards on the page
	ids      []string  // their ids
	last     bool      // the page says no page follows
	oldest   time.Time // of the cards' own posts
	newest   time.Time
	outside  int // posts outside the slice asked for
	emptyMsg string
}

// span widens the page's oldest and newest to t.
func (res *pageResult) span(t time.Time) {
	if res.oldest.IsZero() || t.Before(res.oldest) {
		res.oldest = t
	}
	if t.After(res.newest) {
		res.newest = t
	}
}

// latest is the latest time a created_at read as t may stand for: a date
// without a time of day ("07-30", "2024-07-30") is read as the start of
// that day, but the post may be from any hour of it. Paging decisions (a
// page older than where to stop, where a capped search's slices end) take
// the latest, so that no hour of that day is skipped.
func latest(t time.Time) time.Time {
	c := t.In(China)
	if c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 && c.Nanosecond() == 0 {
		return t.Add(24*time.Hour - time.Second)
	}
	return t
}

// fetchPage fetches and reads one search page, expanding long posts.
func (c *Collector) fetchPage(ctx context.Context, run *collector.Run, cid string, page int, sl slice) (pageResult, error) {
	body, resp, err := c.http.Get(ctx, c.searchURL(cid, page), c.mobileHeaders(cid), c.classifyMobile)
	if err != nil {
		return pageResult{}, c.scrub(err)
	}
	c.throttle.Reset()
	run.Page(ctx)
	return c.readPage(body, c.fetchTime(resp), sl, func(s *status) { c.expand(ctx, s) }, func(err error) { c.bad(run, page, err) })
}

// readPage reads a search page's answer (classifyMobile passed it):
// the posts of its cards, converted as fetched at fetchedAt, each cut
// post handed to expand first; a bad post goes to bad.
func (c *Collector) readPage(body []byte, fetchedAt time.Time, sl slice, expand func(*status), bad func(error)) (pageResult, error) {
	var res pageResult
	var p mobilePage
	_ = json.Unmarshal(body, &p) // classify checked it
	if p.okay() != "1" {
		res.last, res.emptyMsg = true, p.Msg
		return res, nil
	}
	var d mobileData
	if len(p.Data) > 0 && string(p.Data) != "null" {
		if err := json.Unmarshal(p.Data, &d); err != nil {
			return res, &pageError{reason: "data: " + jsonReason(err)}
		}
	}
	if d.CardlistInfo != nil && (len(d.CardlistInfo.Page) == 0 || string(d.CardlistInfo.Page) == "null") {
		res.last = true
	}
	conv := c.conv
	conv.Now = fetchedAt
	for i, raw := range d.Cards {
		var cd card
		if err := json.Unmarshal(raw, &cd); err != nil {
			continue // not a card we read
		}
		_ = cd.each(fmt.Sprintf("cards[%d]", i), func(mblog json.RawMessage, path string) error {
			res.cards++
			s, err := decodeStatus(mblog, path)
			if err != nil {
				bad(err)
				return nil
			}
			res.ids = append(res.ids, s.id())
			if id := s.id(); id != "" && conv.Seen(id) {
				// On an earlier page already (a slice re-serves what its
				// wider parent did): its time still says where the page is.
				if t, err := ParseTime(string(s.CreatedAt), fetchedAt); err == nil {
					res.span(latest(t))
				}
				return nil
			}
			expand(s)
			if s.Retweeted != nil {
				expand(s.Retweeted)
			}
			posts, err := conv.posts(s, path, false)
			if err != nil {
				bad(err)
			}
			late := false // the card's post is after the window: none of it is kept
			for _, p := range posts {
				if p.ID == s.id() && c.outsideWindow(p.CreatedAt) {
					late = true
				}
			}
			for _, p := range posts {
				p.Event = c.opts.Event
				if p.ID == s.id() { // the card's own post (an original carried along may be old)
					res.span(latest(p.CreatedAt))
					if !sl.from.IsZero() && (latest(p.CreatedAt).Before(sl.from.Add(-time.Hour)) || p.CreatedAt.After(sl.to.Add(time.Hour))) {
						res.outside++
					}
				}
				if !late {
					res.posts = append(res.posts, p)
				}
			}
			return nil
		})
	}
	if res.cards == 0 {
		res.last = true
	}
	return res, nil
}

// bad reports a post that could not be read; the run goes on.
func (c *Collector) bad(run *collector.Run, page int, err error) {
	c.rejected++
	// A sink that counts bad records (chorus collect's) counts it as
	// rejected, as import does.
	if r, ok := c.sink.(interface{ Reject(n int) }); ok {
		r.Reject(1)
	}
	c.log.Warn("bad post skipped", "page", page, "err", err)
	if pr := run.Progress(); pr != nil {
		pr.Printf("%s: page %d: %v", c.name(), page, err)
	}
}

// extendAnswer is statuses/extend's answer.
type extendAnswer struct {
	OK   flexString `json:"ok"`
	Data struct {
		OK              flexString `json:"ok"`
		LongTextContent string     `json:"longTextContent"`
		Reposts         *flexCount `json:"reposts_count"`
		Comments        *flexCount `json:"comments_count"`
		Attitudes       *flexCount `json:"attitudes_count"`
	} `json:"data"`
}

// expand fetches the whole text of a post cut short: statuses/extend,
// else statuses/show. When it cannot be had (deleted, a page that is not
// JSON), the cut text stays, without its 全文 link.
func (c *Collector) expand(ctx context.Context, s *status) {
	if !s.needsLongText() || s.id() == "" {
		return
	}
	lenient := func(resp *http.Response, body []byte) error {
		if resp.StatusCode == http.StatusNotFound {
			return nil // read below as no long text
		}
		if err := c.classifyMobile(resp, body); err != nil {
			var pe *pageError
			if errors.As(err, &pe) {
				return nil
			}
			return err
		}
		return nil
	}
	id := url.QueryEscape(s.id())
	body, _, err := c.http.Get(ctx, c.mobileBase()+"/statuses/extend?id="+id, c.mobileHeaders("100103type=61"), lenient)
	if err != nil {
		c.log.Warn("long text not fetched", "id", s.id(), "err", c.scrub(err))
		return
	}
	c.throttle.Reset()
	var a extendAnswer
	if json.Unmarshal(body, &a) == nil && strings.TrimSpace(a.Data.LongTextContent) != "" {
		s.LongText = &longText{LongTextContent: a.Data.LongTextContent}
		if a.Data.Reposts != nil {
			s.Reposts = *a.Data.Reposts
		}
		if a.Data.Comments != nil {
			s.Comments = *a.Data.Comments
		}
		if a.Data.Attitudes != nil {
			s.Attitudes = *a.Data.Attitudes
		}
		c.expanded++
		return
	}
	// statuses/show answers the whole post, its text whole or its
	// longText inline.
	var full *status
	body, _, err = c.http.Get(ctx, c.mobileBase()+"/statuses/show?id="+id, c.mobileHeaders("100103type=61"), lenient)
	if err != nil {
		return
	}
	var show struct {
		OK   flexString `json:"ok"`
		Data *status    `json:"data"`
	}
	if json.Unmarshal(body, &show) == nil && show.Data != nil && show.Data.id() == s.id() {
		full = show.Data
	} else {
		// The post's page, m.weibo.cn/detail/<id>, carries it in its script.
		body, _, err = c.http.Get(ctx, c.mobileBase()+"/detail/"+id, c.mobileHeaders("100103type=61"), func(resp *http.Response, body []byte) error {
			if resp.StatusCode >= 500 {
				return collector.Retryable(collector.StatusError(resp, body))
			}
			return nil
		})
		if err != nil {
			return
		}
		if full = renderDataStatus(body); full == nil || full.id() != s.id() {
			return
		}
	}
	if full.LongText != nil && strings.TrimSpace(full.LongText.LongTextContent+full.LongText.Content) != "" {
		s.LongText = full.LongText
	} else if t := full.Text; t != "" && !strings.Contains(t, "全文</a>") && len(Text(t)) > len(Text(s.Text)) {
		s.LongText = &longText{LongTextContent: t}
	} else {
		return
	}
	c.expanded++
}

// renderDataStatus reads the post out of a detail page's
// var $render_data = [{"status": {…}}][0] || {};
func renderDataStatus(page []byte) *status {
	const marker = "$render_data = "
	i := bytes.Index(page, []byte(marker))
	if i < 0 {
		return nil
	}
	rest := page[i+len(marker):]
	if end := bytes.Index(rest, []byte("[0] ||")); end >= 0 {
		rest = rest[:end]
	}
	var data []struct {
		Status *status `json:"status"`
	}
	if json.Unmarshal(bytes.TrimSpace(rest), &data) != nil || len(data) == 0 {
		return nil
	}
	return data[0].Status
}
