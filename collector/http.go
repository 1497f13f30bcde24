package collector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTP fetches platform pages, applying the fault rules every collector
// shares: a *RateLimitError is waited out, a retryable fault (5xx, a network
// error, a throttle without a stated reset) is retried after exponential
// back-off capped by BackoffMax, anything else is returned. A platform says
// which is which through its Classifier. Waits and faults are recorded in
// Run. URLs in errors have their credentials removed.
type HTTP struct {
	Client     *http.Client  // nil: a client with a 60s timeout
	BackoffMax time.Duration // caps each back-off wait (--backoff-max); 5m when zero
	// BackoffInitial is the first back-off wait; 1s when zero.
	BackoffInitial time.Duration
	// MaxRetries bounds retries of transient faults in a row; 0 means 10.
	// Stated rate-limit waits do not count.
	MaxRetries int
	MaxBody    int64 // a response body over this is an error; 32 MiB when zero
	UserAgent  string
	Run        *Run // may be nil
	Now        func() time.Time
}

// Classifier reads a response (its body read whole) and returns nil when it
// is a good page, a *RateLimitError, an error marked Retryable, or another
// error (returned to the caller as it is, *FatalError to stop at once).
type Classifier func(resp *http.Response, body []byte) error

// DefaultClassify is the rule where a platform has none of its own: 2xx is
// good; 429 waits for Retry-After (or backs off); 5xx, 408 and 425 are
// retried; 401 and 403 are fatal; other statuses are errors.
func DefaultClassify(resp *http.Response, body []byte) error {
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusTooManyRequests:
		if d, ok := RetryAfter(resp.Header, time.Now()); ok {
			return &RateLimitError{Wait: d, Reason: resp.Status}
		}
		return Retryable(StatusError(resp, body))
	case code >= 500, code == http.StatusRequestTimeout, code == http.StatusTooEarly:
		return Retryable(StatusError(resp, body))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return &FatalError{Msg: "access refused", Err: StatusError(resp, body)}
	default:
		return StatusError(resp, body)
	}
}

// StatusError describes an unwanted answer: status and the start of the
// body.
func StatusError(resp *http.Response, body []byte) error {
	snippet := strings.Join(strings.Fields(string(body)), " ")
	if len(snippet) > 200 {
		cut := 200
		for cut > 0 && snippet[cut]&0xc0 == 0x80 {
			cut--
		}
		snippet = snippet[:cut] + "…"
	}
	if snippet == "" {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return fmt.Errorf("HTTP %s: %s", resp.Status, snippet)
}

// Get fetches rawURL with the headers in hdr until classify accepts the
// answer, waiting and retrying as the answer says. It returns the body and
// the response (its body already read and closed).
func (h *HTTP) Get(ctx context.Context, rawURL string, hdr http.Header, classify Classifier) ([]byte, *http.Response, error) {
	return h.Do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		for k, vs := range hdr {
			req.Header[k] = vs
		}
		return req, nil
	}, classify)
}

// Do is Get for any request: newReq makes a fresh request for each try.
func (h *HTTP) Do(ctx context.Context, newReq func(ctx context.Context) (*http.Request, error), classify Classifier) ([]byte, *http.Response, error) {
	if classify == nil {
		classify = DefaultClassify
	}
	bo := Backoff{Initial: h.BackoffInitial, Max: h.BackoffMax}
	maxRetries := h.MaxRetries
	if maxRetries <= 0 {
		maxRetries = 10
	}
	retries := 0
	for {
		req, err := newReq(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("build request: %w", err)
		}
		where := req.Method + " " + RedactURL(req.URL.Scheme+"://"+req.URL.Host+req.URL.Path) // the query is long and may hold a token
		body, resp, err := h.once(req)
		if err == nil {
			err = classify(resp, body)
		}
		if err == nil {
			return body, resp, nil
		}
		if ctx.Err() != nil {
			return nil, resp, ctx.Err()
		}
		var rl *RateLimitError
		switch {
		case errors.As(err, &rl):
			wait := rl.Wait
			if wait <= 0 && !rl.Reset.IsZero() {
				wait = rl.Reset.Sub(h.now())
			}
			wait = max(wait, 0) + time.Second/2 // the reset is rounded down to the second
			h.Run.RateLimited(ctx, wait, rl.Reason)
			if err := Sleep(ctx, wait); err != nil {
				return nil, resp, err
			}
			h.Run.Resume(ctx)
		case IsRetryable(err):
			retries++
			if retries > maxRetries {
				return nil, resp, fmt.Errorf("%s: gave up after %d tries: %w", where, retries, err)
			}
			wait := bo.Next()
			h.Run.Retrying(ctx, fmt.Errorf("%s: %w", where, err), wait)
			if err := Sleep(ctx, wait); err != nil {
				return nil, resp, err
			}
			h.Run.Resume(ctx)
		default:
			return nil, resp, fmt.Errorf("%s: %w", where, err)
		}
	}
}

func (h *HTTP) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// once makes one request and reads its body whole, up to MaxBody.
func (h *HTTP) once(req *http.Request) ([]byte, *http.Response, error) {
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	if h.UserAgent != "" && req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", h.UserAgent)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, Retryable(redactErr(err)) // the network: retry
	}
	defer resp.Body.Close()
	limit := h.MaxBody
	if limit <= 0 {
		limit = 32 << 20
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, resp, Retryable(fmt.Errorf("read answer (%d bytes so far): %w", n, redactErr(err)))
	}
	if n > limit {
		return nil, resp, fmt.Errorf("answer is over the %d byte limit", limit)
	}
	return buf.Bytes(), resp, nil
}

// secretParams are query parameters that carry credentials.
var secretParams = []string{"access_token", "token", "bearer_token", "cookie", "sub", "subp", "key", "api_key", "client_secret", "password"}

// RedactURL removes credentials from a URL before it is shown: user info
// and the values of query parameters that carry tokens.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("xxxxx")
	}
	q := u.Query()
	changed := false
	for k := range q {
		for _, s := range secretParams {
			if strings.EqualFold(k, s) {
				q.Set(k, "xxxxx")
				changed = true
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactErr removes credentials from the URL a *url.Error names.
func redactErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: RedactURL(ue.URL), Err: ue.Err}
	}
	return err
}
