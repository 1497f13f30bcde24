// Package ingest moves posts from collectors into a store: Submit validates
// and queues them, Worker reads the queue, scores each post and tallies it.
// A worker acknowledges an entry only in the same step as its tally, so a
// crash replays the entry and the store's identity check keeps the count
// exact.
package ingest

import (
	"context"
	"fmt"

	"github.com/chorus-news/chorus"
)

// Queue takes validated posts of one event (Redis: a stream; embedded: a
// log bucket), and folds plain reposts (chorus.Post.RepostOf) into reach:
// each counted once, never scored or listed.
type Queue interface {
	Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)
	FoldReposts(ctx context.Context, event string, reposts []chorus.Post) (chorus.SubmitResult, error)
}

// BatchSize is how many posts go to the store in one step.
const BatchSize = 1024

// Rejected is one bad item of a submission.
type Rejected struct {
	Index int    `json:"index"`
	Error string `json:"error"`
}

// Result adds up a submission.
type Result struct {
	Accepted   int        `json:"accepted"`
	Duplicates int        `json:"duplicates"`
	Rejected   []Rejected `json:"rejected"`
	// Tickets are the store's tickets for what was queued (see
	// chorus.SubmitResult.Ticket).
	Tickets []string `json:"-"`
}

// Submit validates posts, sets their event, and queues the good ones in
// batches; plain reposts are folded into reach instead (and count as
// accepted or duplicates like posts). A bad post is listed in Rejected by
// its index and costs no other post. The error is the store's, after which
// nothing more was queued.
func Submit(ctx context.Context, q Queue, event string, posts []chorus.Post) (Result, error) {
	res := Result{Rejected: []Rejected{}}
	good := make([]chorus.Post, 0, min(len(posts), BatchSize))
	var folded []chorus.Post
	flush := func() error {
		if len(good) > 0 {
			r, err := q.Submit(ctx, event, good)
			if err != nil {
				return fmt.Errorf("submit %d posts to event %s: %w", len(good), event, err)
			}
			res.Accepted += r.Accepted
			res.Duplicates += r.Duplicates
			if r.Ticket != "" {
				res.Tickets = append(res.Tickets, r.Ticket)
			}
			good = good[:0]
		}
		if len(folded) > 0 {
			r, err := q.FoldReposts(ctx, event, folded)
			if err != nil {
				return fmt.Errorf("fold %d reposts into event %s: %w", len(folded), event, err)
			}
			res.Accepted += r.Accepted
			res.Duplicates += r.Duplicates
			folded = folded[:0]
		}
		return nil
	}
	for i := range posts {
		p := posts[i]
		p.Event = event
		p.Sentiment = nil // Chorus scores; a sentiment in input is not trusted
		if err := p.Validate(); err != nil {
			res.Rejected = append(res.Rejected, Rejected{Index: i, Error: err.Error()})
			continue
		}
		if p.IsRepost() {
			folded = append(folded, p)
		} else {
			good = append(good, p)
		}
		if len(good) == BatchSize || len(folded) == BatchSize {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	return res, flush()
}
