package weibo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
)

// Collector names, as the health records show them.
const (
	NameMobile = "weibo-mobile"
	NameAPI    = "weibo-api"
)

// Options configure a Weibo collector. Plain values: cmd/chorus fills them
// from flags, the environment and the event.
type Options struct {
	Event string
	Query string
	// Start and End bound the search (the event's window); zero Start
	// searches back as far as Weibo pages, zero End is now.
	Start, End time.Time
	Cookie     Secret // WEIBO_COOKIE: the mobile web
	Token      Secret // WEIBO_ACCESS_TOKEN: the open API
	// Base replaces https://m.weibo.cn (or https://api.weibo.com for the
	// open API): a local server speaking Weibo's format.
	Base       string
	BackoffMax time.Duration // caps each back-off (--backoff-max)
	Follow     bool          // poll for new posts until stopped
	Poll       time.Duration // between polls; 2m when zero, with up to a quarter more at random
	// Delay is the pause between pages, with up to as much again at
	// random; with Base unset and Delay zero, 3s.
	Delay    time.Duration
	MaxPages int           // pages per query or slice; MaxPages (50) when zero
	Slice    time.Duration // the first cut of a long window; 24h when zero
	// Now is the clock (time.Now when nil). Relative times ("5分钟前") are
	// read against the Date of the answer they came in, else this clock;
	// with FixedNow set, against Now always (replaying recorded pages).
	Now      func() time.Time
	FixedNow bool
	Client   *http.Client // nil: one with a 60s timeout that does not follow redirects
	Logger   *slog.Logger
}

// Collector searches Weibo for one event's query: the mobile web JSON
// (NameMobile) or the open API (NameAPI).
type Collector struct {
	opts     Options
	api      bool
	http     *collector.HTTP
	conv     *Converter
	throttle collector.Backoff
	log      *slog.Logger
	rng      *rand.Rand

	rejected, expanded int
	capped             []string
	sink               collector.Sink
}

// NewMobile returns the mobile web search collector.
func NewMobile(o Options) *Collector { return newCollector(o, false) }

// NewAPI returns the open API collector (search/topics).
func NewAPI(o Options) *Collector { return newCollector(o, true) }

func newCollector(o Options, api bool) *Collector {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPages <= 0 {
		o.MaxPages = MaxPages
	}
	if o.Slice <= 0 {
		o.Slice = 24 * time.Hour
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Minute
	}
	if o.Delay <= 0 && o.Base == "" {
		o.Delay = 3 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 60 * time.Second}
	}
	// A redirect is an answer: Weibo sends an expired cookie to its login.
	c2 := *client
	c2.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Collector{opts: o, api: api, rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))}
	c.http = &collector.HTTP{Client: &c2, BackoffMax: o.BackoffMax, Now: o.Now}
	c.throttle = collector.Backoff{Initial: 5 * time.Second, Max: o.BackoffMax}
	source := SourceMobile
	if api {
		source = SourceAPI
	}
	c.conv = NewConverter(source, o.Now())
	c.log = o.Logger.With("component", "collector", "collector", c.name(), "event", o.Event)
	return c
}

func (c *Collector) name() string {
	if c.api {
		return NameAPI
	}
	return NameMobile
}

// Status is the health record a run of c starts from.
func (c *Collector) Status() chorus.CollectorStatus {
	mode := "once"
	if c.opts.Follow {
		mode = "follow"
	}
	return chorus.CollectorStatus{Event: c.opts.Event, Name: c.name(), Platform: chorus.Weibo, Query: c.opts.Query, Mode: mode}
}

// Rejected is how many posts could not be read; Expanded how many long
// posts were fetched whole; Capped the slices that hit the page cap.
func (c *Collector) Rejected() int    { return c.rejected }
func (c *Collector) Expanded() int    { return c.expanded }
func (c *Collector) Capped() []string { return c.capped }
func (c *Collector) now() time.Time   { return c.opts.Now() }

// outsideWindow tells a post created before the window's start or after
// its end (a minute's grace): its card is not kept. (An original a repost
// in the window carries is kept however old.) A post that names only its
// day is kept when that day reaches into the window.
func (c *Collector) outsideWindow(t time.Time) bool {
	return !c.opts.End.IsZero() && t.After(c.opts.End.Add(time.Minute)) ||
		!c.opts.Start.IsZero() && latest(t).Before(c.opts.Start.Add(-time.Minute))
}

// fetchTime is when an answer was made: its Date header (the server's
// clock, against which it wrote "5分钟前"), else the local clock.
func (c *Collector) fetchTime(resp *http.Response) time.Time {
	if !c.opts.FixedNow && resp != nil {
		if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			return t
		}
	}
	return c.now()
}
func (c *Collector) checkpointKey() string {
	return collector.CheckpointKey(c.name(), c.opts.Query)
}

// checkpoint is what a run keeps per (event, query): everything created
// before Through has been collected.
type checkpoint struct {
	Through time.Time `json:"through"`
}

// maxSeen bounds the ids a following run remembers.
const maxSeen = 200_000

// overlap is how far before the checkpoint a rerun looks again: Weibo's
// search index is not instant.
const overlap = 10 * time.Minute

// Run collects until done (or, with Follow, until ctx ends, returning
// nil), handing posts to sink and keeping the checkpoint in store; run
// (started and finished by the caller, as chorus collect and the
// Supervisor do) gets the pages, posts, waits and faults. A fault that
// retrying cannot mend (a rejected cookie or token) is a
// *collector.FatalError saying what to fix; a malformed page stops the
// run naming the page, everything before it handed over.
func (c *Collector) Run(ctx context.Context, run *collector.Run, store collector.Store, sink collector.Sink) error {
	if strings.TrimSpace(c.opts.Query) == "" {
		return collector.Fatalf("no query: give --query or set the event's --query-weibo")
	}
	if c.api && !c.opts.Token.Set() {
		return collector.Fatalf("no token: set WEIBO_ACCESS_TOKEN")
	}
	for _, cred := range []struct {
		name string
		s    Secret
	}{{"WEIBO_COOKIE", c.opts.Cookie}, {"WEIBO_ACCESS_TOKEN", c.opts.Token}} {
		if strings.ContainsFunc(cred.s.Reveal(), func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return collector.Fatalf("%s holds a line break or another control character: copy it again, on one line", cred.name)
		}
	}
	c.http.Run = run
	c.sink = sink
	for {
		if c.conv.seenCount() > maxSeen {
			c.conv.forget() // a long follow: what is older than a pass ago is the store's to dedupe
		}
		err := c.pass(ctx, run, store, sink)
		if err != nil && ctx.Err() != nil && c.opts.Follow {
			return nil
		}
		if err != nil && (!c.opts.Follow || collector.IsFatal(err)) {
			return err
		}
		if !c.opts.Follow || (!c.opts.End.IsZero() && c.now().After(c.opts.End)) {
			return nil
		}
		wait := c.opts.Poll + time.Duration(c.rng.Int64N(int64(c.opts.Poll/4)+1))
		if err != nil {
			// Following, a malformed page or a fault that outlasted its
			// retries costs this poll, not the run: the next poll starts
			// again from the checkpoint.
			run.Retrying(ctx, c.scrub(err), wait)
			if err := collector.Sleep(ctx, wait); err != nil {
				return nil
			}
			run.Resume(ctx)
			continue
		}
		run.Pausing(ctx, wait)
		if err := collector.Sleep(ctx, wait); err != nil {
			return nil
		}
		run.Resume(ctx)
	}
}

// slice is a span of creation times searched as one query; zero from is
// no bound (the search as Weibo pages it).
type slice struct{ from, to time.Time }

func (s slice) String() string {
	if s.from.IsZero() {
		return "the whole search"
	}
	return fmt.Sprintf("slice %s–%s", s.from.UTC().Format("2006-01-02T15:04Z"), s.to.UTC().Format("2006-01-02T15:04Z"))
}

// pass searches once: from the checkpoint (or the window's start) to now.
func (c *Collector) pass(ctx context.Context, run *collector.Run, store collector.Store, sink collector.Sink) error {
	started := c.now()
	var cp checkpoint
	if raw, err := store.Checkpoint(ctx, c.opts.Event, c.checkpointKey()); err != nil {
		return fmt.Errorf("read checkpoint: %w", err)
	} else if raw != "" {
		if err := json.Unmarshal([]byte(raw), &cp); err != nil {
			c.log.Warn("checkpoint unreadable; searching from the start", "err", err)
			cp = checkpoint{}
		}
	}
	from := c.opts.Start
	if !cp.Through.IsZero() && cp.Through.Add(-overlap).After(from) {
		from = cp.Through.Add(-overlap)
	}
	save := func(through time.Time) error {
		if !through.After(cp.Through) {
			return nil
		}
		cp.Through = through
		b, _ := json.Marshal(cp)
		if err := store.SaveCheckpoint(ctx, c.opts.Event, c.checkpointKey(), string(b)); err != nil {
			return fmt.Errorf("save checkpoint: %w", err)
		}
		return nil
	}
	// One query first, newest first, down to what the last run had (or the
	// window's start). Most searches end there. A window that ended is
	// asked as a time range, so the pages do not start with what came
	// after it.
	first := slice{}
	if !c.api && !from.IsZero() && !c.opts.End.IsZero() && c.opts.End.Before(started) && from.Before(c.opts.End) {
		first = slice{from, c.opts.End}
	}
	res, err := c.search(ctx, run, sink, first, from)
	if err == nil && res.ignoresTime {
		res, err = c.search(ctx, run, sink, slice{}, from)
	}
	if err != nil {
		return err
	}
	if !res.capped {
		return save(started)
	}
	if c.api || from.IsZero() || !res.oldest.After(from) {
		c.noteCap(ctx, run, slice{}, from.IsZero())
		return save(started)
	}
	// It hit the page cap: what it did not reach, from the start to the
	// oldest post it saw, is searched in slices, oldest first, each cut in
	// two while it still hits the cap (down to an hour, timescope's grain).
	rest := slice{from, res.oldest.Add(time.Minute)}
	var todo []slice
	for t := rest.from; t.Before(rest.to); t = t.Add(c.opts.Slice) {
		todo = append(todo, slice{t, minTime(t.Add(c.opts.Slice), rest.to)})
	}
	for len(todo) > 0 {
		sl := todo[0]
		todo = todo[1:]
		res, err := c.search(ctx, run, sink, sl, sl.from)
		if err != nil {
			return err
		}
		if res.ignoresTime {
			c.log.Info("search ignores the time range; the page cap stands")
			c.noteCap(ctx, run, slice{}, false)
			return save(started)
		}
		if res.capped {
			if sl.to.Sub(sl.from) > time.Hour {
				mid := sl.from.Add(sl.to.Sub(sl.from) / 2).Truncate(time.Hour)
				if !mid.After(sl.from) {
					mid = sl.from.Add(time.Hour)
				}
				todo = append([]slice{{sl.from, mid}, {mid, sl.to}}, todo...)
				continue
			}
			c.noteCap(ctx, run, sl, false)
		}
	}
	return save(started)
}

// noteCap says that a search (or a slice of it) hit the page cap.
func (c *Collector) noteCap(ctx context.Context, run *collector.Run, sl slice, unbounded bool) {
	note := fmt.Sprintf("%s hit the %d-page cap: older posts in it were not reached", sl, c.opts.MaxPages)
	if unbounded {
		note += " (give the event a --start to search it in time slices)"
	}
	c.capped = append(c.capped, note)
	run.Note(ctx, strings.Join(c.capped, "; "))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// searchResult says how a search ended.
type searchResult struct {
	capped      bool      // stopped at MaxPages with more to come
	ignoresTime bool      // a slice's answers were outside it: timescope not honoured
	oldest      time.Time // the oldest post seen
}

// search pages through one query (one slice), newest first, handing each
// page's posts to sink, until the results end, the page cap, or a page
// whose posts are all older than stop (what an earlier run collected).
func (c *Collector) search(ctx context.Context, run *collector.Run, sink collector.Sink, sl slice, stop time.Time) (searchResult, error) {
	var res searchResult
	cid := containerID(c.opts.Query, sl)
	repeats := 0 // pages in a row with nothing this search had not served
	served := map[string]bool{}
	for page := 1; ; page++ {
		if page > c.opts.MaxPages {
			res.capped = true
			return res, nil
		}
		if page > 1 {
			if err := c.pause(ctx); err != nil {
				return res, err
			}
		}
		var pr pageResult
		var err error
		if c.api {
			pr, err = c.fetchAPIPage(ctx, run, page)
		} else {
			pr, err = c.fetchPage(ctx, run, cid, page, sl)
		}
		if err != nil {
			var pe *pageError
			if errors.As(err, &pe) {
				return res, fmt.Errorf("%s, page %d: %w", sl, page, err)
			}
			return res, err
		}
		if len(pr.posts) > 0 {
			if err := sink.Put(ctx, pr.posts); err != nil {
				return res, fmt.Errorf("hand over %d posts: %w", len(pr.posts), err)
			}
			newest := time.Time{}
			for _, p := range pr.posts {
				if p.CreatedAt.After(newest) {
					newest = p.CreatedAt
				}
			}
			run.Posted(ctx, len(pr.posts), newest)
		}
		if !pr.oldest.IsZero() && (res.oldest.IsZero() || pr.oldest.Before(res.oldest)) {
			res.oldest = pr.oldest
		}
		if !sl.from.IsZero() && page == 1 && pr.cards > 0 && pr.outside*2 > pr.cards {
			res.ignoresTime = true
			return res, nil
		}
		if pr.last {
			return res, nil
		}
		fresh := false
		for _, id := range pr.ids {
			if !served[id] {
				served[id], fresh = true, true
			}
		}
		if repeats++; fresh {
			repeats = 0
		}
		if repeats >= 2 {
			return res, nil // the search serves what it served already: its end
		}
		if !stop.IsZero() && !pr.newest.IsZero() && pr.newest.Before(stop) {
			// A whole page older than what the last run had (or the
			// window's start): the rest is older still. (One old post
			// among new ones, as Weibo pins, does not stop it.)
			return res, nil
		}
	}
}

// pause waits between pages: Delay plus up to as much again at random.
func (c *Collector) pause(ctx context.Context) error {
	d := c.opts.Delay
	if d <= 0 {
		return ctx.Err()
	}
	return collector.Sleep(ctx, d+time.Duration(c.rng.Int64N(int64(d)+1)))
}

// scrub removes the credentials from an error's text, should any part of
// an answer have echoed them.
func (c *Collector) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := msg
	for _, s := range []Secret{c.opts.Cookie, c.opts.Token} {
		if v := s.Reveal(); len(v) >= 4 {
			clean = strings.ReplaceAll(clean, v, redacted)
		}
	}
	if clean == msg {
		return err
	}
	var fe *collector.FatalError
	if errors.As(err, &fe) {
		return &collector.FatalError{Msg: clean}
	}
	return errors.New(clean)
}
