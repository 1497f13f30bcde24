package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/chorus-news/chorus"
)

// Source is a store's side of the queue that workers consume.
type Source interface {
	Read(ctx context.Context, consumer string, max int, block time.Duration) ([]chorus.Entry, error)
	Tally(ctx context.Context, entries []chorus.Entry) (int, error)
}

// Analyzer detects a post's language and scores it (analysis.Engine).
type Analyzer interface {
	Analyze(text, hint string) (lang string, s chorus.Sentiment)
}

// Stats receives what workers did; nil-safe through noStats.
type Stats interface {
	Tallied(read, tallied int, d time.Duration)
}

// Worker reads queued posts, scores them and tallies them.
type Worker struct {
	Source   Source
	Analyzer Analyzer
	Logger   *slog.Logger
	Stats    Stats
	// Name is the consumer name; it must be unique among running workers.
	Name  string
	Batch int           // entries per read; BatchSize when 0
	Block time.Duration // how long one read waits; 1s when 0
}

// Run works until ctx ends. A store error is logged and retried after a
// pause that doubles up to 5 s: a worker outlives a Redis restart or a
// cluster failover and carries on by itself when the store is back.
func (w *Worker) Run(ctx context.Context) error {
	log := w.logger()
	backoff := minBackoff
	down := false // the store was unavailable at the last step
	for ctx.Err() == nil {
		_, err := w.Step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, chorus.ErrUnavailable) {
				if !down {
					log.Warn("store unavailable; retrying", "err", err, "wait", backoff)
				}
				down = true
			} else {
				log.Error("work step failed; retrying", "err", err, "wait", backoff)
			}
			sleep(ctx, backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		if down {
			log.Info("store available again")
			down = false
		}
		backoff = minBackoff
	}
	return nil
}

// Back-off bounds of a worker whose store fails.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (w *Worker) logger() *slog.Logger {
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return log.With("component", "worker", "consumer", w.Name)
}

// Step reads one batch, scores it and tallies it, returning how many
// entries it handled. When the store is unavailable at the tally, Step
// keeps the scored batch and tries again with back-off until it succeeds
// or ctx ends (the entries then stay queued and are handed out again).
// A panic while scoring (a poisoned post) is an error: the batch stays
// queued, and the store moves a post delivered too often to its dead
// letters.
func (w *Worker) Step(ctx context.Context) (int, error) {
	batch, block := w.Batch, w.Block
	if batch <= 0 {
		batch = BatchSize
	}
	if block <= 0 {
		block = time.Second
	}
	entries, err := w.Source.Read(ctx, w.Name, batch, block)
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return 0, nil
		}
		return 0, fmt.Errorf("read queue: %w", err)
	}
	if len(entries) == 0 {
		return 0, nil
	}
	start := time.Now()
	// Neither scoring nor the tally is cut short by shutdown once the batch
	// is read: a remote scorer has its own timeout, the tally is one atomic
	// step, and finishing saves a replay (and a batch scored by the fallback
	// only because the process was stopping).
	if err := safeScore(context.WithoutCancel(ctx), w.Analyzer, entries); err != nil {
		return 0, err
	}
	n, err := w.tally(ctx, entries)
	if err != nil {
		return 0, fmt.Errorf("tally %d entries: %w", len(entries), err)
	}
	if w.Stats != nil {
		w.Stats.Tallied(len(entries), n, time.Since(start))
	}
	return len(entries), nil
}

// tally tallies a scored batch, retrying while the store is unavailable.
func (w *Worker) tally(ctx context.Context, entries []chorus.Entry) (int, error) {
	backoff := minBackoff
	for {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		n, err := w.Source.Tally(tctx, entries)
		cancel()
		if err == nil || !errors.Is(err, chorus.ErrUnavailable) || ctx.Err() != nil {
			return n, err
		}
		w.logger().Debug("tally: store unavailable; retrying the batch in hand", "err", err, "wait", backoff)
		sleep(ctx, backoff)
		backoff = min(2*backoff, maxBackoff)
	}
}

// safeScore is Score that turns a panic of the analyzer into an error.
func safeScore(ctx context.Context, a Analyzer, entries []chorus.Entry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("scoring a batch of %d posts panicked: %v", len(entries), r)
		}
	}()
	Score(ctx, a, entries)
	return nil
}

// BatchAnalyzer scores many posts in one call (analysis.Engine: with a
// remote scorer, one request per batch instead of one per post).
type BatchAnalyzer interface {
	AnalyzeBatch(ctx context.Context, texts, hints, langs []string, out []chorus.Sentiment)
}

// Score sets each entry's language and sentiment.
func Score(ctx context.Context, a Analyzer, entries []chorus.Entry) {
	scorePosts(ctx, a, len(entries), func(i int) *chorus.Post { return &entries[i].Post })
}

// scorePosts sets the language (the platform's tag is the hint) and
// sentiment of the n posts post(i) returns, in one batch when a can.
func scorePosts(ctx context.Context, a Analyzer, n int, post func(i int) *chorus.Post) {
	if ba, ok := a.(BatchAnalyzer); ok {
		texts, hints, langs := make([]string, n), make([]string, n), make([]string, n)
		for i := range n {
			p := post(i)
			texts[i], hints[i] = p.Text, p.Lang
		}
		out := make([]chorus.Sentiment, n)
		parts := min(runtime.GOMAXPROCS(0), n/minPart)
		if parts <= 1 {
			ba.AnalyzeBatch(ctx, texts, hints, langs, out)
		} else {
			var wg sync.WaitGroup
			for k := range parts {
				lo, hi := k*n/parts, (k+1)*n/parts
				wg.Go(func() { ba.AnalyzeBatch(ctx, texts[lo:hi], hints[lo:hi], langs[lo:hi], out[lo:hi]) })
			}
			wg.Wait()
		}
		for i := range n {
			p := post(i)
			p.Lang = langs[i]
			p.Sentiment = &out[i]
		}
		return
	}
	for i := range n {
		p := post(i)
		lang, s := a.Analyze(p.Text, p.Lang)
		p.Lang = lang
		p.Sentiment = &s
	}
}

// minPart is the fewest posts worth a goroutine of their own when a batch
// is scored on several cores.
const minPart = 256

// RunWorkers runs n workers named prefix-0 … prefix-(n-1) until ctx ends.
func RunWorkers(ctx context.Context, n int, prefix string, proto Worker) {
	var wg sync.WaitGroup
	for i := range n {
		w := proto
		w.Name = fmt.Sprintf("%s-%d", prefix, i)
		wg.Go(func() { _ = w.Run(ctx) })
	}
	wg.Wait()
}
