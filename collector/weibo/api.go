package weibo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chorus-news/chorus/collector"
)

// APIBase is the open API's address.
const APIBase = "https://api.weibo.com"

// apiPageSize is how many posts an open-API page asks for.
const apiPageSize = 50

// apiAnswer is an open-API list answer, or its error.
type apiAnswer struct {
	Statuses    []json.RawMessage `json:"statuses"`
	TotalNumber flexCount         `json:"total_number"`
	Error       string            `json:"error"`
	ErrorCode   flexString        `json:"error_code"`
}

func (c *Collector) apiBase() string {
	if c.opts.Base != "" {
		return strings.TrimRight(c.opts.Base, "/")
	}
	return APIBase
}

// classifyAPI reads the open API's error codes: 10022–10024 are the hourly
// rate limits (wait until the next hour), 21327/21332 and the other 213xx
// codes an expired or invalid token (fatal), 5xx is retried.
func (c *Collector) classifyAPI(resp *http.Response, body []byte) error {
	var a apiAnswer
	_ = json.Unmarshal(body, &a)
	switch code := strings.TrimSpace(string(a.ErrorCode)); {
	case code == "10022" || code == "10023" || code == "10024":
		now := c.now()
		next := now.Truncate(time.Hour).Add(time.Hour)
		return &collector.RateLimitError{Wait: next.Sub(now), Reset: next, Reason: fmt.Sprintf("open API error %s: %s", code, clip(a.Error))}
	case code == "21327":
		return collector.Fatalf("WEIBO_ACCESS_TOKEN has expired (error 21327): get a new token")
	case strings.HasPrefix(code, "213"):
		return collector.Fatalf("WEIBO_ACCESS_TOKEN was refused (error %s: %s): check or renew the token", code, clip(a.Error))
	case code != "" && code != "0":
		return fmt.Errorf("open API error %s: %s", code, clip(a.Error))
	}
	switch sc := resp.StatusCode; {
	case sc >= 500:
		return collector.Retryable(collector.StatusError(resp, body))
	case sc == http.StatusTooManyRequests:
		return c.throttled(resp, "HTTP 429")
	case sc == http.StatusUnauthorized:
		return collector.Fatalf("WEIBO_ACCESS_TOKEN was refused (HTTP 401): check or renew the token")
	case sc < 200 || sc >= 300:
		return collector.StatusError(resp, body)
	}
	if !json.Valid(body) {
		return &pageError{reason: "not valid JSON: " + snippet(body)}
	}
	return nil
}

// fetchAPIPage fetches one page of search/topics.
func (c *Collector) fetchAPIPage(ctx context.Context, run *collector.Run, page int) (pageResult, error) {
	var res pageResult
	q := url.Values{}
	q.Set("q", c.opts.Query)
	q.Set("count", fmt.Sprint(apiPageSize))
	q.Set("page", fmt.Sprint(page))
	q.Set("access_token", c.opts.Token.Reveal())
	body, resp, err := c.http.Get(ctx, c.apiBase()+"/2/search/topics.json?"+q.Encode(), http.Header{"Accept": {"application/json"}}, c.classifyAPI)
	if err != nil {
		return res, c.scrub(err)
	}
	fetchedAt := c.fetchTime(resp)
	c.throttle.Reset()
	run.Page(ctx)
	var a apiAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return res, &pageError{reason: jsonReason(err)}
	}
	conv := c.conv
	conv.Now = fetchedAt
	for i, raw := range a.Statuses {
		res.cards++
		path := fmt.Sprintf("statuses[%d]", i)
		s, err := decodeStatus(raw, path)
		if err != nil {
			c.bad(run, page, err)
			continue
		}
		res.ids = append(res.ids, s.id())
		if id := s.id(); id != "" && conv.Seen(id) {
			continue
		}
		posts, err := conv.posts(s, path, false)
		if err != nil {
			c.bad(run, page, err)
		}
		late := false
		for _, p := range posts {
			if p.ID == s.id() && c.outsideWindow(p.CreatedAt) {
				late = true
			}
		}
		for _, p := range posts {
			if late {
				break // after the window: none of it is kept
			}
			p.Event = c.opts.Event
			if p.ID == s.id() && (res.oldest.IsZero() || p.CreatedAt.Before(res.oldest)) {
				res.oldest = p.CreatedAt
			}
			if p.ID == s.id() && p.CreatedAt.After(res.newest) {
				res.newest = p.CreatedAt
			}
			res.posts = append(res.posts, p)
		}
	}
	if res.cards == 0 || (a.TotalNumber > 0 && int64(page*apiPageSize) >= int64(a.TotalNumber)) {
		res.last = true
	}
	return res, nil
}
