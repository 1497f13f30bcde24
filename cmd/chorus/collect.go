package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/ingest"
)

// platform is one platform's collector as chorus collect and chorus serve
// --collect see it. Each platform's file (collect_x.go, collect_weibo.go)
// makes one; platforms lists them.
type platform struct {
	Name string // as typed: chorus collect NAME
	// Query is the event's query for this platform ("" when it has none).
	Query func(ev chorus.Event) string
	// Flags registers the platform's own flags, if any, on the collect
	// command.
	Flags func(fs *flag.FlagSet)
	// Collect runs one `chorus collect` for ev: until done, or with
	// o.Follow or o.Poll until ctx ends. It reports on run and hands posts
	// (Event set) to sink; st keeps its checkpoints.
	Collect func(ctx context.Context, o collectOptions, ev chorus.Event, run *collector.Run, st collector.Store, sink collector.Sink) error
	// Status is the initial status of a run for ev (Name, Platform, Mode).
	Status func(o collectOptions, ev chorus.Event) chorus.CollectorStatus
	// Jobs is what serve --collect keeps running for events, each of which
	// has a query for this platform and is inside its window.
	Jobs func(o collectOptions, events []chorus.Event, st collector.Store, sink collector.Sink) []collector.Job
}

// platforms are the collectors in this build, in help order.
func platforms() []platform {
	return []platform{xPlatform(), weiboPlatform()}
}

func platformNamed(name string) (platform, bool) {
	for _, p := range platforms() {
		if p.Name == name {
			return p, true
		}
	}
	return platform{}, false
}

func platformNames() string {
	var names []string
	for _, p := range platforms() {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		return "none in this build"
	}
	return strings.Join(names, ", ")
}

// collectOptions are the settings every collector takes.
type collectOptions struct {
	Query      string        // --query, else the event's
	Follow     bool          // --follow: keep collecting (stream, or polling)
	Poll       time.Duration // --poll: repeat the search this often instead of a stream
	APIBase    string        // --api-base: scheme and host of the platform's API ("" for the real one)
	BackoffMax time.Duration // --backoff-max
	// Start and End bound the posts asked for: --start/--end within the
	// event's window (zero: open).
	Start, End time.Time
	DryRun     bool
	Logger     *slog.Logger
	Progress   *collector.Progress
}

// collectFlags registers the settings every collector takes.
func collectFlags(fs *flag.FlagSet, o *collectOptions, start, end *string) {
	fs.StringVar(&o.Query, "query", "", "search query; default: the event's query for the platform")
	fs.BoolVar(&o.Follow, "follow", false, "keep collecting new posts until stopped (X: the filtered stream)")
	fs.DurationVar(&o.Poll, "poll", 0, "repeat the search this often instead (e.g. 1m); implies --follow")
	fs.StringVar(&o.APIBase, "api-base", "", "scheme and host of the platform's API, e.g. http://127.0.0.1:9000 (default: the platform's own)")
	fs.DurationVar(&o.BackoffMax, "backoff-max", envDuration("CHORUS_BACKOFF_MAX", 5*time.Minute), "longest back-off wait where the platform names no reset time (env CHORUS_BACKOFF_MAX)")
	fs.StringVar(start, "start", "", "oldest post time wanted, RFC 3339 (within the event's window)")
	fs.StringVar(end, "end", "", "newest post time wanted, RFC 3339 (within the event's window)")
}

// window sets o.Start and o.End from the flags and the event's window.
func (o *collectOptions) window(ev chorus.Event, start, end string) error {
	o.Start, o.End = ev.Start, ev.End
	for _, f := range []struct {
		name, v string
		later   bool
	}{{"start", start, true}, {"end", end, false}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, f.v)
		if err != nil {
			return usagef("collect: --%s: not RFC 3339: %q", f.name, f.v)
		}
		t = t.UTC()
		if f.later && (o.Start.IsZero() || t.After(o.Start)) {
			o.Start = t
		}
		if !f.later && (o.End.IsZero() || t.Before(o.End)) {
			o.End = t
		}
	}
	if !o.Start.IsZero() && !o.End.IsZero() && !o.End.After(o.Start) {
		return usagef("collect: the window %s … %s is empty (--start/--end and the event's own window)", o.Start.Format(time.RFC3339), o.End.Format(time.RFC3339))
	}
	return nil
}

func runCollect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usagef("collect: want a platform: chorus collect PLATFORM --event ID (platforms: %s)", platformNames())
	}
	pl, ok := platformNamed(args[0])
	if !ok {
		return usagef("collect: unknown platform %q (platforms: %s)", args[0], platformNames())
	}
	fs := flag.NewFlagSet("collect "+pl.Name, flag.ContinueOnError)
	var cfg Config
	cfg.storeFlags(fs)
	cfg.workerFlags(fs)
	var o collectOptions
	var start, end string
	event := fs.String("event", "", "event id the posts belong to (required; created when missing and --query is given)")
	collectFlags(fs, &o, &start, &end)
	fs.BoolVar(&o.DryRun, "dry-run", false, "collect and score without storing (no checkpoint moves); print the canonical posts as JSON lines")
	if pl.Flags != nil {
		pl.Flags(fs)
	}
	if err := parse(fs, args[1:], stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("collect %s: unexpected argument %q", pl.Name, fs.Arg(0))
	}
	if *event == "" {
		return usagef("collect %s: --event is required", pl.Name)
	}
	if err := chorus.ValidateEventID(*event); err != nil {
		return usagef("collect %s: --event: %v", pl.Name, err)
	}
	if o.Poll < 0 {
		return usagef("collect %s: --poll: %v is negative", pl.Name, o.Poll)
	}
	if o.Poll > 0 {
		o.Follow = true
	}
	if err := cfg.Validate(false); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	o.Logger = log
	o.Progress = collector.NewProgress(stderr, isTerminal(stderr))
	an, err := cfg.analyzer(log)
	if err != nil {
		return err
	}

	var (
		st    appStore
		ev    chorus.Event
		store collector.Store = collector.NopStore{}
	)
	if o.DryRun {
		ev = chorus.Event{ID: *event}
		if o.Query == "" {
			return usagef("collect %s: --dry-run needs --query (no store is opened to read the event's)", pl.Name)
		}
	} else {
		st, err = cfg.openStore(ctx, log)
		if err != nil {
			return err
		}
		defer st.Close()
		store = st
		ev, err = st.Event(ctx, *event)
		switch {
		case errors.Is(err, chorus.ErrNotFound) && o.Query != "":
			ev = chorus.Event{ID: *event, Title: *event, CreatedAt: time.Now().UTC()}
			if _, err := st.CreateEvent(ctx, ev); err != nil {
				return fmt.Errorf("create event %s: %w", *event, err)
			}
			log.Info("event created", "event", *event)
		case errors.Is(err, chorus.ErrNotFound):
			return usagef("collect %s: event %q does not exist: create it with chorus event create --id %s --title … --query-%s …, or pass --query", pl.Name, *event, *event, pl.Name)
		case err != nil:
			return err
		}
	}
	if o.Query == "" {
		o.Query = pl.Query(ev)
	}
	if o.Query == "" {
		return usagef("collect %s: event %s has no %s query: pass --query or set it with chorus event create --query-%s", pl.Name, ev.ID, pl.Name, pl.Name)
	}
	if err := o.window(ev, start, end); err != nil {
		return err
	}

	status := pl.Status(o, ev)
	status.Event, status.Query = ev.ID, o.Query
	run := collector.NewRun(status, collector.RunOptions{Store: store, Logger: log, Progress: o.Progress})
	var sink *postSink
	wctx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	defer func() { stopWorkers(); wg.Wait() }()
	if o.DryRun {
		sink = &postSink{progress: o.Progress, dryRun: an, out: stdout}
	} else {
		sink = &postSink{progress: o.Progress, queue: st}
		// Workers in this process tally what the collector queues (those
		// of a running serve or worker may help, on Redis).
		wg.Go(func() {
			ingest.RunWorkers(wctx, max(1, cfg.Workers), consumerName("collect"), ingest.Worker{Source: st, Analyzer: an, Logger: log, Block: 50 * time.Millisecond})
		})
	}
	o.Progress.Start(func() string { return "collect " + run.Line() })
	run.Start(ctx)
	err = run.Finish(ctx, pl.Collect(ctx, o, ev, run, store, sink))
	if err == nil && !o.DryRun {
		err = sink.drain(ctx, st)
	}
	o.Progress.Stop()
	sum := sink.summary()
	return sum.finish(stdout, stderr, fmt.Sprintf("collect %s: %s; read %d, accepted %d, duplicates %d, rejected %d",
		pl.Name, run.Line(), sum.Read, sum.Accepted, sum.Duplicates, sum.Rejected), err)
}

// postSink hands collected posts to ingest: validated, queued (plain
// reposts folded) and, once queued, safe for a checkpoint to pass them.
// Bad posts are named on the progress output. In a dry run it scores and
// prints them instead.
type postSink struct {
	progress *collector.Progress
	queue    ingest.Queue
	dryRun   ingest.Analyzer
	out      io.Writer

	mu     sync.Mutex
	events map[string]bool // events touched, for drain
	seen   map[string]bool // dry run: keys printed

	read, accepted, duplicates, rejected atomic.Int64
}

// Reject counts n records a collector read but could not make a post of
// (it names them on the progress output): they are read and rejected in
// the summary, as import counts its bad records.
func (s *postSink) Reject(n int) {
	s.read.Add(int64(n))
	s.rejected.Add(int64(n))
}

func (s *postSink) summary() importSummary {
	return importSummary{s.read.Load(), s.accepted.Load(), s.duplicates.Load(), s.rejected.Load()}
}

// Put queues posts, grouped by their events, retrying while the store
// says it is busy.
func (s *postSink) Put(ctx context.Context, posts []chorus.Post) error {
	s.read.Add(int64(len(posts)))
	if s.dryRun != nil {
		return s.print(posts)
	}
	var order []string
	byEvent := map[string][]chorus.Post{}
	for _, p := range posts {
		if _, ok := byEvent[p.Event]; !ok {
			order = append(order, p.Event)
		}
		byEvent[p.Event] = append(byEvent[p.Event], p)
	}
	for _, event := range order {
		batch := byEvent[event]
		res, err := s.submit(ctx, event, batch)
		s.accepted.Add(int64(res.Accepted))
		s.duplicates.Add(int64(res.Duplicates))
		s.rejected.Add(int64(len(res.Rejected)))
		for _, r := range res.Rejected {
			s.progress.Printf("%s post %s: %s", batch[r.Index].Platform, batch[r.Index].ID, r.Error)
		}
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.events == nil {
			s.events = map[string]bool{}
		}
		s.events[event] = true
		s.mu.Unlock()
	}
	return nil
}

// submit queues one event's posts, waiting while the store is busy (its
// queue at the cap: the collector slows down to what the workers tally)
// and backing off while it is unreachable, a few times. A repeat after a
// partial batch is harmless: identity makes the resent posts duplicates.
func (s *postSink) submit(ctx context.Context, event string, batch []chorus.Post) (ingest.Result, error) {
	bo := collector.Backoff{Initial: 500 * time.Millisecond, Max: 30 * time.Second}
	faults := 0
	for {
		res, err := ingest.Submit(ctx, s.queue, event, batch)
		wait, retry := chorus.RetryAfter(err, 0)
		if err == nil || !retry || ctx.Err() != nil {
			return res, err
		}
		if !errors.Is(err, chorus.ErrBusy) {
			if faults++; faults > 8 {
				return res, err
			}
			wait = bo.Next()
		}
		s.progress.Printf("%s; waiting %s before sending %d posts of %s again", err, collector.Round(wait), len(batch), event)
		if err := collector.Sleep(ctx, wait); err != nil {
			return res, err
		}
	}
}

// print scores posts and prints them as canonical JSON lines (plain
// reposts as they are: reach, not scored).
func (s *postSink) print(posts []chorus.Post) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	var keep []chorus.Post
	for _, p := range posts {
		if err := p.Validate(); err != nil {
			s.rejected.Add(1)
			s.progress.Printf("%s post %s: %v", p.Platform, p.ID, err)
			continue
		}
		if key := p.Event + "/" + p.Key(); s.seen[key] {
			s.duplicates.Add(1)
			continue
		} else {
			s.seen[key] = true
		}
		s.accepted.Add(1)
		keep = append(keep, p)
	}
	var toScore []chorus.Entry
	var at []int
	for i := range keep {
		if !keep[i].IsRepost() {
			toScore = append(toScore, chorus.Entry{Post: keep[i]})
			at = append(at, i)
		}
	}
	ingest.Score(context.Background(), s.dryRun, toScore)
	for j, i := range at {
		keep[i] = toScore[j].Post
	}
	enc := json.NewEncoder(s.out)
	enc.SetEscapeHTML(false)
	for i := range keep {
		if err := enc.Encode(keep[i]); err != nil {
			return err
		}
	}
	return nil
}

// drain waits until every post the sink queued is tallied, so that counts
// read after the command include them. Interrupted, it gives the workers a
// few seconds and then says what is left for the next run.
func (s *postSink) drain(ctx context.Context, q interface {
	Queued(ctx context.Context, event string) (int64, error)
}) error {
	s.mu.Lock()
	events := make([]string, 0, len(s.events))
	for e := range s.events {
		events = append(events, e)
	}
	s.mu.Unlock()
	slices.Sort(events)
	wait := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		wait, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
	}
	for _, e := range events {
		for {
			n, err := q.Queued(wait, e)
			if err != nil {
				return fmt.Errorf("check queue of %s: %w", e, err)
			}
			if n == 0 {
				break
			}
			if collector.Sleep(wait, 10*time.Millisecond) != nil {
				return fmt.Errorf("stopped with %d posts of %s queued (a worker or the next run tallies them)", n, e)
			}
		}
	}
	return nil
}
