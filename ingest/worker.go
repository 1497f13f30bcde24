package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
// pause: a worker outlives a Redis restart.
func (w *Worker) Run(ctx context.Context) error {
	log := w.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "worker", "consumer", w.Name)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		n, err := w.Step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			log.Error("work step failed; retrying", "err", err, "wait", backoff)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		_ = n
		backoff = 100 * time.Millisecond
	}
	return nil
}

// Step reads one batch, scores it and tallies it, returning how many
// entries it handled.
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
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
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
	Score(context.WithoutCancel(ctx), w.Analyzer, entries)
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	n, err := w.Source.Tally(tctx, entries)
	if err != nil {
		return 0, fmt.Errorf("tally %d entries: %w", len(entries), err)
	}
	if w.Stats != nil {
		w.Stats.Tallied(len(entries), n, time.Since(start))
	}
	return len(entries), nil
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
		ba.AnalyzeBatch(ctx, texts, hints, langs, out)
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
