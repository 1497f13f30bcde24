package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/chorus-news/chorus"
)

// Store is what the watcher reads.
type Store interface {
	Events(ctx context.Context) ([]chorus.Event, error)
	Version(ctx context.Context, event string) (uint64, error)
	Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) ([]chorus.Point, error)
}

// Watcher looks at every event's minute timeline whenever the event
// changed and POSTs one JSON Alert to URL when a spike starts.
//
// Once per spike: a spike is a run of spiking buckets, and a run is
// alerted once, however long it lasts and however its first bucket moves
// as late posts arrive. Spikes already there when the watcher starts are
// not news (a restart alerts nothing old), and only a run among the
// newest Recent buckets of its event is (a bulk import of last week's posts
// alerts at most its newest spike, not every one). With several serve
// processes on one Redis, give the webhook to one of them.
type Watcher struct {
	Store  Store
	URL    string // where alerts go
	Logger *slog.Logger
	Client *http.Client // 5 s timeout per attempt when nil
	// Every is how often the events are looked at; 2 s when zero.
	Every time.Duration
	// Attempts per alert (the first try and its retries, on network
	// errors, 5xx and 429); 4 when zero. Backoff doubles from 1 s.
	Attempts int
	Backoff  time.Duration
	// Dashboard, when set, is the dashboard's base URL for the alert's link.
	Dashboard string

	mu      sync.Mutex
	seen    map[string]uint64             // event → version looked at
	alerted map[string]map[time.Time]bool // event → buckets of alerted runs
	started bool
	sends   sync.WaitGroup
}

// Recent is how many of an event's newest buckets a spike must reach into
// to be alerted.
const Recent = 3

// Alert is the JSON body a webhook gets. Text is for chat webhooks (Slack,
// Mattermost and the like show it as the message).
type Alert struct {
	Type     string             `json:"type"` // "spike"
	Event    string             `json:"event"`
	Title    string             `json:"title"`
	Bucket   chorus.Bucket      `json:"bucket"`
	Start    time.Time          `json:"start"` // the first spiking bucket
	Posts    int64              `json:"posts"` // in the spike's buckets so far
	Baseline float64            `json:"baseline"`
	Ratio    float64            `json:"ratio"` // first bucket's posts over the baseline
	ByLabel  chorus.LabelCounts `json:"by_label"`
	Rule     string             `json:"rule"`
	Link     string             `json:"link"`
	Text     string             `json:"text"`
	SentAt   time.Time          `json:"sent_at"`
}

// Run watches until ctx ends, then waits for alerts in flight.
func (w *Watcher) Run(ctx context.Context) error {
	if _, err := parseURL(w.URL); err != nil {
		return err
	}
	every := w.Every
	if every <= 0 {
		every = 2 * time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	defer w.sends.Wait()
	for {
		if err := w.Scan(ctx); err != nil && ctx.Err() == nil {
			w.log().Warn("spike watch", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

func (w *Watcher) log() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger.With("component", "alert")
}

// Scan looks at every event once, starting the sends of new spikes. The
// first scan only notes the spikes already there.
func (w *Watcher) Scan(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen, w.alerted = map[string]uint64{}, map[string]map[time.Time]bool{}
	}
	first := !w.started
	events, err := w.Store.Events(ctx)
	if err != nil {
		return fmt.Errorf("list events: %w", err)
	}
	for _, ev := range events {
		v, err := w.Store.Version(ctx, ev.ID)
		if err != nil {
			return fmt.Errorf("version of %s: %w", ev.ID, err)
		}
		if old, ok := w.seen[ev.ID]; ok && old == v {
			continue
		}
		points, err := w.Store.Timeline(ctx, ev.ID, chorus.Minute, "")
		if err != nil {
			return fmt.Errorf("timeline of %s: %w", ev.ID, err)
		}
		w.seen[ev.ID] = v
		for _, a := range w.check(ev, points, first) {
			w.sends.Go(func() { w.send(context.WithoutCancel(ctx), a) })
		}
	}
	w.started = true
	return nil
}

// check returns the alerts of the event's runs not alerted before, and
// marks every run it saw.
func (w *Watcher) check(ev chorus.Event, points []chorus.Point, quiet bool) []Alert {
	filled, _ := Fill(points, chorus.Minute, 24*60+SpikeWindow) // a day is plenty of history
	marks := w.alerted[ev.ID]
	if marks == nil {
		marks = map[time.Time]bool{}
		w.alerted[ev.ID] = marks
	}
	var out []Alert
	sp := Spikes(filled)
	for i := 0; i < len(sp); {
		j := i + 1
		for j < len(sp) && sp[j].Index == sp[j-1].Index+1 {
			j++
		}
		run := sp[i:j]
		i = j
		known := false
		for _, s := range run {
			known = known || marks[filled[s.Index].T]
		}
		for _, s := range run {
			marks[filled[s.Index].T] = true
		}
		if known || quiet || run[len(run)-1].Index < len(filled)-Recent {
			continue
		}
		out = append(out, w.alert(ev, filled, run))
	}
	return out
}

func (w *Watcher) alert(ev chorus.Event, points []chorus.Point, run []Spike) Alert {
	first := run[0]
	a := Alert{Type: "spike", Event: ev.ID, Title: ev.Title, Bucket: chorus.Minute, Start: points[first.Index].T,
		Baseline: first.Baseline, Ratio: float64(first.Count) / max(first.Baseline, 1),
		Rule: fmt.Sprintf("a minute with at least %d posts and %g× the median of the %d minutes before", SpikeMinPosts, SpikeFactor, SpikeWindow),
		Link: "/events/" + url.PathEscape(ev.ID) + "?bucket=1m#timeline", SentAt: time.Now().UTC()}
	if w.Dashboard != "" {
		a.Link = w.Dashboard + a.Link
	}
	for _, s := range run {
		p := points[s.Index]
		a.Posts += s.Count
		a.ByLabel.Positive += p.Positive
		a.ByLabel.Neutral += p.Neutral
		a.ByLabel.Negative += p.Negative
		a.ByLabel.Unscored += p.Unscored
	}
	a.Text = fmt.Sprintf("Spike in “%s”: %d posts from %s UTC, %.1f× the usual %.1f a minute (%d positive, %d neutral, %d negative). %s",
		ev.Title, a.Posts, a.Start.Format("Jan 2 15:04"), a.Ratio, a.Baseline, a.ByLabel.Positive, a.ByLabel.Neutral, a.ByLabel.Negative, a.Link)
	return a
}

// send POSTs the alert, retrying network errors, 5xx and 429 with a
// doubling back-off (a 429's Retry-After, up to a minute, is honoured).
// The URL is never logged (a chat webhook's URL is its secret): its host is.
func (w *Watcher) send(ctx context.Context, a Alert) {
	body, _ := json.Marshal(a)
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	attempts, wait := w.Attempts, w.Backoff
	if attempts <= 0 {
		attempts = 4
	}
	if wait <= 0 {
		wait = time.Second
	}
	u, _ := parseURL(w.URL)
	log := w.log().With("event", a.Event, "spike", a.Start, "webhook_host", u.Host)
	for i := 1; ; i++ {
		retry, after, err := w.post(ctx, client, body)
		if err == nil {
			log.Info("spike alert sent", "posts", a.Posts, "attempt", i)
			return
		}
		if !retry || i >= attempts {
			log.Warn("spike alert not sent", "attempts", i, "err", err)
			return
		}
		d := wait << (i - 1)
		if after > 0 {
			d = min(after, time.Minute)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d):
		}
	}
}

var errStatus = errors.New("webhook answered")

func (w *Watcher) post(ctx context.Context, client *http.Client, body []byte) (retry bool, after time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return false, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "chorus-alert/1")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the url.Error would print the URL
		}
		return true, 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode/100 == 2:
		return false, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		s, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return true, time.Duration(s) * time.Second, fmt.Errorf("%w %s", errStatus, resp.Status)
	case resp.StatusCode >= 500:
		return true, 0, fmt.Errorf("%w %s", errStatus, resp.Status)
	}
	return false, 0, fmt.Errorf("%w %s", errStatus, resp.Status)
}

// parseURL checks a webhook URL: http or https with a host.
func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("want an http:// or https:// URL with a host")
	}
	return u, nil
}

// CheckURL says whether s can be a webhook URL, naming what is wrong.
func CheckURL(s string) error {
	_, err := parseURL(s)
	return err
}

// Wait returns when the alerts in flight are sent or given up.
func (w *Watcher) Wait() { w.sends.Wait() }
