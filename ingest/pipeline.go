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

// Store is a store's whole ingest side: queueing, consuming and the queue
// depth that tells when an import is fully tallied.
type Store interface {
	Queue
	Source
	Queued(ctx context.Context, event string) (int64, error)
}

// Direct is a store that takes posts its caller has scored straight to the
// tallies, in one step per batch, with Submit's rule for duplicates
// (store/redis). An import into it scores in-process and skips the queue.
type Direct interface {
	SubmitScored(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)
}

// Counts adds up an import.
type Counts struct {
	Accepted   int64
	Duplicates int64
}

// Pipeline imports a stream of posts into one event: it submits them in
// batches while Workers in-process workers score and tally, and returns
// once every post of the event is tallied, so that counts read afterwards
// include them. Workers of other processes (chorus serve, chorus worker)
// may take part; the wait covers their work too. Into a Direct store,
// Workers goroutines score the batches and hand them over scored; the
// in-process workers then only drain what other paths queued.
type Pipeline struct {
	Store    Store
	Analyzer Analyzer
	Workers  int
	Logger   *slog.Logger
	Consumer string // consumer name prefix, unique per process
	// Progress, if set, is called after each submitted batch.
	Progress func(Counts)
}

// Run submits every post produce emits (their Event must be event) and
// waits until the event's queue is empty.
func (p *Pipeline) Run(ctx context.Context, event string, produce func(emit func(chorus.Post) error) error) (Counts, error) {
	wctx, stopWorkers := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		RunWorkers(wctx, max(1, p.Workers), p.Consumer, Worker{Source: p.Store, Analyzer: p.Analyzer, Logger: p.Logger, Block: 50 * time.Millisecond})
	})
	defer func() { stopWorkers(); wg.Wait() }()

	var counts Counts
	batches := make(chan []chorus.Post, 4)
	var mu sync.Mutex // counts, submitErr, Progress
	var submitErr error
	submit := p.Store.Submit
	submitters := 1
	if d, ok := p.Store.(Direct); ok {
		submit = func(ctx context.Context, event string, b []chorus.Post) (chorus.SubmitResult, error) {
			scorePosts(ctx, p.Analyzer, len(b), func(i int) *chorus.Post { return &b[i] })
			return d.SubmitScored(ctx, event, b)
		}
		submitters = max(1, p.Workers)
	}
	var sub sync.WaitGroup
	for range submitters {
		sub.Go(func() {
			for b := range batches {
				mu.Lock()
				failed := submitErr != nil
				mu.Unlock()
				if failed {
					continue // drain so that produce never blocks
				}
				res, err := p.patiently(ctx, func() (chorus.SubmitResult, error) {
					return submitOrFold(ctx, p.Store, submit, event, b)
				})
				mu.Lock()
				if err != nil {
					if submitErr == nil {
						submitErr = fmt.Errorf("submit %d posts: %w", len(b), err)
					}
				} else {
					counts.Accepted += int64(res.Accepted)
					counts.Duplicates += int64(res.Duplicates)
					if p.Progress != nil {
						p.Progress(counts)
					}
				}
				mu.Unlock()
			}
		})
	}
	batch := make([]chorus.Post, 0, BatchSize)
	err := produce(func(post chorus.Post) error {
		batch = append(batch, post)
		if len(batch) == BatchSize {
			batches <- batch
			batch = make([]chorus.Post, 0, BatchSize)
		}
		return nil
	})
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	sub.Wait()
	if err == nil {
		err = submitErr
	}
	if err != nil {
		return counts, err
	}
	for {
		n, err := p.Store.Queued(ctx, event)
		if err != nil {
			return counts, fmt.Errorf("check queue of %s: %w", event, err)
		}
		if n == 0 {
			return counts, nil
		}
		select {
		case <-ctx.Done():
			return counts, fmt.Errorf("interrupted with %d posts of %s still queued (a worker or the next run tallies them): %w", n, event, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// submitOrFold hands the plain reposts of batch b to the store's fold path
// and the rest to submit, adding up both results.
func submitOrFold(ctx context.Context, q Queue, submit func(context.Context, string, []chorus.Post) (chorus.SubmitResult, error), event string, b []chorus.Post) (chorus.SubmitResult, error) {
	var folded []chorus.Post
	posts := b[:0:0]
	for i := range b {
		if b[i].IsRepost() {
			if folded == nil {
				// Only a batch with reposts pays for the split.
				posts = make([]chorus.Post, 0, len(b))
				posts = append(posts, b[:i]...)
			}
			folded = append(folded, b[i])
		} else if folded != nil {
			posts = append(posts, b[i])
		}
	}
	if folded == nil {
		return submit(ctx, event, b)
	}
	var res chorus.SubmitResult
	if len(posts) > 0 {
		r, err := submit(ctx, event, posts)
		if err != nil {
			return res, err
		}
		res = r
	}
	r, err := q.FoldReposts(ctx, event, folded)
	if err != nil {
		return res, fmt.Errorf("fold %d reposts: %w", len(folded), err)
	}
	res.Accepted += r.Accepted
	res.Duplicates += r.Duplicates
	return res, nil
}

// patiently runs a submit until it goes through: while the store is busy
// (an event's queue at its cap: the workers are behind) it waits what the
// store says, and while it is unavailable it backs off, a few times, as
// a collector does. The same batch sent again is harmless: identity makes
// what went in the first time duplicates.
func (p *Pipeline) patiently(ctx context.Context, submit func() (chorus.SubmitResult, error)) (chorus.SubmitResult, error) {
	backoff, faults := minBackoff, 0
	for {
		res, err := submit()
		wait, retry := chorus.RetryAfter(err, backoff)
		if err == nil || !retry || ctx.Err() != nil {
			return res, err
		}
		if errors.Is(err, chorus.ErrBusy) {
			// The workers draining the queue run here too: look again
			// soon rather than wait out a wait meant for remote clients.
			wait = min(wait, 100*time.Millisecond)
		} else {
			if faults++; faults > 8 {
				return res, err
			}
			backoff = min(2*backoff, maxBackoff)
		}
		if p.Logger != nil {
			p.Logger.Debug("import waits for the store", "err", err, "wait", wait)
		}
		sleep(ctx, wait)
	}
}
