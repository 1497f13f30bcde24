package article

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// Fetcher gets articles over HTTP: one GET with a timeout and a size
// limit, redirects followed (at most ten, http and https only).
type Fetcher struct {
	Client    *http.Client  // nil: a client of its own
	Timeout   time.Duration // the whole request, body included; 0: 30s
	MaxBytes  int64         // 0: MaxBytes
	UserAgent string        // "" : chorus
}

// Fetched is an article as a server sent it.
type Fetched struct {
	URL         string // after redirects
	ContentType string
	Body        []byte
}

// Fetch gets the article at rawURL. Errors name the URL and say what went
// wrong: a status, a timeout, a body over the limit, a type that is not
// HTML or text. A refused or malformed URL wraps chorus.ErrInvalid.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string) (*Fetched, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &chorus.FieldError{Field: "url", Reason: fmt.Sprintf("%q is not an http or https URL", rawURL)}
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	limit := f.MaxBytes
	if limit <= 0 {
		limit = MaxBytes
	}
	client := f.Client
	if client == nil {
		client = &http.Client{}
	}
	c := *client
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("more than 10 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirected to %s, not http or https", req.URL.Scheme)
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", rawURL, err)
	}
	ua := f.UserAgent
	if ua == "" {
		ua = "chorus (+https://github.com/chorus-news/chorus)"
	}
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept", "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1")
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("fetch %s: no answer within %s", rawURL, timeout)
		}
		return nil, fmt.Errorf("fetch %s: %w", rawURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("fetch %s: HTTP %s", rawURL, resp.Status)
	}
	ct := resp.Header.Get("Content-Type")
	if ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if !(strings.HasPrefix(mt, "text/") || strings.Contains(mt, "html") || strings.Contains(mt, "xml")) {
			return nil, fmt.Errorf("fetch %s: the server sent %s, not HTML or text", rawURL, mt)
		}
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("fetch %s: %d bytes, over the %s limit", rawURL, resp.ContentLength, size(limit))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return nil, fmt.Errorf("fetch %s: body not read within %s", rawURL, timeout)
		}
		return nil, fmt.Errorf("fetch %s: read body: %w", rawURL, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("fetch %s: over the %s limit", rawURL, size(limit))
	}
	return &Fetched{URL: resp.Request.URL.String(), ContentType: ct, Body: body}, nil
}

// unwrapURLError drops the "Get URL:" that net/http puts before the cause,
// since the caller names the URL already.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// size writes a byte count for a message.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d byte", n)
}
