// Package remote scores posts with an HTTP sentiment service, behind the same
// seam as the built-in models, and falls back to an in-process scorer when
// the service fails.
//
// Protocol: POST the batch as a JSON array of {"id","text","lang"}; the
// service answers 200 with a JSON array of {"id","label","score",
// "confidence","model"} (any order; label positive, neutral, negative or
// unscored). A post missing from the answer, or with a bad label, is scored
// by the fallback; so is the whole batch on a timeout, a network error, a
// non-2xx status or a body that is not that JSON.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// Scorer scores one text known to be in one language (analysis.Scorer).
type Scorer interface {
	Score(text, lang string) chorus.Sentiment
}

// Item is one post to score.
type Item struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Lang string `json:"lang"`
}

type result struct {
	ID         string       `json:"id"`
	Label      chorus.Label `json:"label"`
	Score      float64      `json:"score"`
	Confidence float64      `json:"confidence"`
	Model      string       `json:"model"`
}

// Options configure a Client.
type Options struct {
	Timeout  time.Duration // per request; 2 s if zero
	MaxBatch int           // posts per request; 256 if zero
	Client   *http.Client  // http.DefaultClient's transport if nil
	Logger   *slog.Logger  // nil discards
}

// Client posts batches to a scoring service. It is safe for concurrent use.
type Client struct {
	url      string
	fallback Scorer
	timeout  time.Duration
	maxBatch int
	http     *http.Client
	log      *slog.Logger
}

// MaxResponseBytes bounds a service's answer.
const MaxResponseBytes = 32 << 20

// New returns a client for the service at url that falls back to fallback.
func New(url string, fallback Scorer, opts Options) (*Client, error) {
	if url == "" {
		return nil, fmt.Errorf("remote scorer: empty URL")
	}
	if fallback == nil {
		return nil, fmt.Errorf("remote scorer: no fallback scorer")
	}
	c := &Client{url: url, fallback: fallback, timeout: opts.Timeout, maxBatch: opts.MaxBatch, http: opts.Client, log: opts.Logger}
	if c.timeout <= 0 {
		c.timeout = 2 * time.Second
	}
	if c.maxBatch <= 0 {
		c.maxBatch = 256
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("component", "remote_scorer")
	return c, nil
}

// Score scores one text as a batch of one.
func (c *Client) Score(text, lang string) chorus.Sentiment {
	return c.ScoreBatch(context.Background(), []Item{{ID: "0", Text: text, Lang: lang}})[0]
}

// ScoreBatch scores items, in requests of at most MaxBatch posts, and
// returns one Sentiment per item in order. It never fails: what the service
// does not answer well is scored by the fallback.
func (c *Client) ScoreBatch(ctx context.Context, items []Item) []chorus.Sentiment {
	out := make([]chorus.Sentiment, len(items))
	for start := 0; start < len(items); start += c.maxBatch {
		end := min(start+c.maxBatch, len(items))
		c.scoreChunk(ctx, items[start:end], out[start:end])
	}
	return out
}

func (c *Client) scoreChunk(ctx context.Context, items []Item, out []chorus.Sentiment) {
	// Ids must be unique inside a request to match answers; use positions.
	req := make([]Item, len(items))
	for i, it := range items {
		req[i] = Item{ID: strconv.Itoa(i), Text: it.Text, Lang: it.Lang}
	}
	got, err := c.post(ctx, req)
	if err != nil {
		c.log.Warn("remote scoring failed, using the built-in model", "posts", len(items), "err", err)
	}
	missing := 0
	for i, it := range items {
		if s, ok := got[strconv.Itoa(i)]; ok {
			out[i] = s
			continue
		}
		if err == nil {
			missing++
		}
		out[i] = c.fallback.Score(it.Text, it.Lang)
	}
	if missing > 0 {
		c.log.Warn("remote scorer left posts unanswered or invalid, used the built-in model", "posts", missing)
	}
}

// post sends one request and returns the valid answers by id.
func (c *Client) post(ctx context.Context, items []Item) (map[string]chorus.Sentiment, error) {
	body, err := json.Marshal(items)
	if err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("post %d posts: %w", len(items), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, fmt.Errorf("post %d posts: status %s", len(items), resp.Status)
	}
	var results []result
	dec := json.NewDecoder(io.LimitReader(resp.Body, MaxResponseBytes))
	if err := dec.Decode(&results); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	got := make(map[string]chorus.Sentiment, len(results))
	for _, r := range results {
		if s, ok := r.sentiment(); ok {
			got[r.ID] = s
		}
	}
	return got, nil
}

// sentiment validates one answer.
func (r result) sentiment() (chorus.Sentiment, bool) {
	label, ok := chorus.ParseLabel(string(r.Label))
	if !ok || math.IsNaN(r.Score) || math.IsNaN(r.Confidence) {
		return chorus.Sentiment{}, false
	}
	model := r.Model
	if model == "" {
		model = "remote"
	}
	if len(model) > 64 {
		model = strings.ToValidUTF8(model[:64], "")
	}
	return chorus.Sentiment{
		Label:      label,
		Score:      max(-1, min(1, r.Score)),
		Confidence: max(0, min(1, r.Confidence)),
		Model:      model,
	}, true
}
