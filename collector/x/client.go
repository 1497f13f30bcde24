package x

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chorus-news/chorus/collector"
)

// DefaultAPIBase is X's API host; --api-base replaces scheme and host only.
const DefaultAPIBase = "https://api.x.com"

// The fields and expansions every request asks for: what fills a canonical
// post (formats.md §1.2).
const (
	TweetFields = "created_at,author_id,lang,public_metrics,referenced_tweets,conversation_id,entities,note_tweet,in_reply_to_user_id"
	Expansions  = "author_id,referenced_tweets.id,referenced_tweets.id.author_id"
	UserFields  = "username,name,public_metrics,verified,created_at"
)

// Token is an app-only bearer token. It never prints: in logs, errors and
// status records it is "[redacted]".
type Token string

func (t Token) String() string               { return "[redacted]" }
func (t Token) GoString() string             { return "[redacted]" }
func (t Token) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (t Token) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

func (t Token) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + string(t)}, "Accept": {"application/json"}}
}

// apiURL joins base (scheme and host; any path on it is kept as a prefix)
// and path with the query q.
func apiURL(base, path string, q url.Values) (string, error) {
	if base == "" {
		base = DefaultAPIBase
	}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("--api-base %q: want scheme and host, such as https://api.x.com", base)
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// problem is an X error body: the RFC 7807 form, or the older
// {"errors":[{"code":88,"message":…}]}.
type problem struct {
	Title  string     `json:"title"`
	Detail string     `json:"detail"`
	Type   string     `json:"type"`
	Status count      `json:"status"`
	Errors []apiError `json:"errors"`
	// ConnectionIssue is set on the stream's TooManyConnections answer.
	ConnectionIssue string `json:"connection_issue"`
}

func parseProblem(body []byte) problem {
	var p problem
	_ = json.Unmarshal(body, &p)
	return p
}

// kind is the last part of the problem type, such as "usage-capped".
func (p problem) kind() string {
	t := p.Type
	if i := strings.LastIndexByte(t, '/'); i >= 0 {
		t = t[i+1:]
	}
	if t == "" || t == "about:blank" {
		for _, e := range p.Errors {
			if k := e.Type; k != "" {
				if i := strings.LastIndexByte(k, '/'); i >= 0 {
					k = k[i+1:]
				}
				return k
			}
		}
	}
	return t
}

// text is what X said, for messages.
func (p problem) text() string {
	var parts []string
	for _, s := range []string{p.Title, p.Detail} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	for _, e := range p.Errors {
		if s := e.String(); s != "" && len(parts) < 4 {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// refusal is a 400's problem: what X said, and the parameters it named.
type refusal struct {
	said string
	p    problem
}

func (r *refusal) Error() string { return r.said }

// params maps each parameter the 400 names to what X said of it: from
// errors[].parameters, or a message such as "Invalid 'since_id':'…'".
func (r *refusal) params() map[string]string {
	out := map[string]string{}
	for _, e := range r.p.Errors {
		msg := e.Message
		if msg == "" {
			msg = e.String()
		}
		for k := range e.Parameters {
			out[k] = msg
		}
		for _, k := range []string{"start_time", "end_time", "since_id", "until_id", "next_token", "pagination_token"} {
			if _, ok := out[k]; !ok && strings.Contains(msg, "'"+k+"'") {
				out[k] = msg
			}
		}
	}
	return out
}

// NoAccessError is X's 403: the app may not use Endpoint (its access tier
// lacks it, or it is not attached to a Project). It rides inside the
// *collector.FatalError, so that a caller can fall back (serve --collect
// polls recent search when the stream is not the app's).
type NoAccessError struct{ Endpoint string }

func (e *NoAccessError) Error() string { return "no access to " + e.Endpoint }

// rateLimit is what a response's x-rate-limit-* headers say.
type rateLimit struct {
	remaining int       // -1 when not sent
	reset     time.Time // zero when not sent
}

func readRateLimit(h http.Header) rateLimit {
	rl := rateLimit{remaining: -1}
	if v, err := strconv.Atoi(strings.TrimSpace(h.Get("x-rate-limit-remaining"))); err == nil {
		rl.remaining = v
	}
	if v, err := strconv.ParseInt(strings.TrimSpace(h.Get("x-rate-limit-reset")), 10, 64); err == nil && v > 0 {
		rl.reset = time.Unix(v, 0)
	}
	return rl
}

// jitter is up to a second, added to waits for a stated reset so that
// clients do not all return on the same tick.
func jitter() time.Duration { return time.Duration(rand.Int64N(int64(time.Second))) }

// classifier reads X's answers for collector.HTTP. A 429 with
// x-rate-limit-reset waits until the reset; one without backs off from 60s,
// doubling while they come in a row. It is safe for concurrent use.
type classifier struct {
	endpoint string // "recent search", "the filtered stream", "stream rules"
	now      func() time.Time

	mu      sync.Mutex
	no429At time.Duration // the next wait for a 429 without a reset
	in429   int           // 429s in a row
}

// noResetWait is where waits for a 429 without a reset start.
const noResetWait = 60 * time.Second

func (c *classifier) classify(resp *http.Response, body []byte) error {
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		c.mu.Lock()
		c.no429At, c.in429 = 0, 0
		c.mu.Unlock()
		return nil
	}
	p := parseProblem(body)
	said := p.text()
	if said == "" {
		said = strings.TrimSpace(string(body))
		if len(said) > 200 {
			said = strings.ToValidUTF8(said[:200], "") + "…"
		}
	}
	if said == "" {
		said = http.StatusText(code)
	}
	switch {
	case code == http.StatusTooManyRequests:
		if p.kind() == "usage-capped" || strings.Contains(strings.ToLower(p.Title), "usagecap") {
			return &collector.FatalError{Msg: fmt.Sprintf("X says this app's post cap for the month is used up (429 usage-capped: %s): collecting resumes when the cap resets at the start of the next billing period, or with a higher access tier", said)}
		}
		rl := readRateLimit(resp.Header)
		now := time.Now()
		if c.now != nil {
			now = c.now()
		}
		c.mu.Lock()
		c.in429++
		again := c.in429 > 1
		c.mu.Unlock()
		// A reset already past on a 429 that follows a 429 (X's clock and
		// ours disagree) would have the client hammer: back off instead.
		if !rl.reset.IsZero() && (rl.reset.After(now) || !again) {
			wait := max(rl.reset.Sub(now), 0) + jitter()
			return &collector.RateLimitError{Wait: wait, Reset: rl.reset, Reason: "429 from " + c.endpoint + ", limit resets " + rl.reset.UTC().Format("15:04:05 UTC")}
		}
		if d, ok := collector.RetryAfter(resp.Header, now); ok {
			return &collector.RateLimitError{Wait: d + jitter(), Reason: "429 from " + c.endpoint + ", Retry-After " + collector.Round(d).String()}
		}
		c.mu.Lock()
		wait := c.no429At
		if wait == 0 {
			wait = noResetWait
		}
		c.no429At = min(2*wait, 15*time.Minute)
		c.mu.Unlock()
		return &collector.RateLimitError{Wait: wait + jitter(), Reason: "429 from " + c.endpoint + " with no reset time"}
	case code == http.StatusUnauthorized:
		return &collector.FatalError{Msg: fmt.Sprintf("X rejected the bearer token (401 from %s: %s): set X_BEARER_TOKEN to the app's Bearer Token from the X developer portal (not the API key or secret), and regenerate it if it was revoked", c.endpoint, said)}
	case code == http.StatusForbidden:
		return &collector.FatalError{Msg: fmt.Sprintf("X refused access to %s (403: %s): the app needs access to this endpoint — attach it to a Project in the developer portal and check that its access tier includes %s", c.endpoint, said, c.endpoint), Err: &NoAccessError{Endpoint: c.endpoint}}
	case code >= 500, code == http.StatusRequestTimeout:
		return collector.Retryable(fmt.Errorf("HTTP %d from %s: %s", code, c.endpoint, said))
	case code == http.StatusBadRequest:
		return &collector.FatalError{Msg: fmt.Sprintf("X refused the request to %s (400)", c.endpoint), Err: &refusal{said: said, p: p}}
	}
	return fmt.Errorf("HTTP %d from %s: %s", code, c.endpoint, said)
}
