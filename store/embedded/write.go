package embedded

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// Group commit. bbolt has one writer at a time and each commit pays for two
// fsyncs, which is most of a batch's cost on a laptop disk. Submit and Tally
// therefore hand their work to one writer goroutine; batches that arrive
// while a commit is under way are applied together in the next transaction
// and share its fsyncs. Each batch stays atomic: a group commits whole or
// not at all, and when one batch of a group fails the group is rolled back
// and each batch is run again alone, so that only the failing one fails.
// Batch functions must therefore be safe to run twice (they reset whatever
// they report at their start).

// maxGroup bounds how many batches share one transaction.
const maxGroup = 16

// When requests queued up during the last commit, several callers are
// writing at once, and one that was just answered is about to send its next
// batch: the writer then waits a little for it, a quarter of the last
// commit's time within these bounds, rather than commit a group of one.
const (
	minGather = 50 * time.Microsecond
	maxGather = 2 * time.Millisecond
)

// errClosed: a closed store is unavailable to whoever still holds it.
var errClosed = fmt.Errorf("store closed: %w", chorus.ErrUnavailable)

type writeReq struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// update runs fn in a write transaction, possibly shared with other
// batches, and returns once it is committed.
func (s *Store) update(fn func(*bolt.Tx) error) error {
	req := &writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-s.writerDone:
		return fmt.Errorf("data dir %s: %w", s.dir, errClosed)
	}
	select {
	case err := <-req.done:
		return err
	case <-s.writerDone:
		// The writer answers every request it took before it stops.
		select {
		case err := <-req.done:
			return err
		default:
			return fmt.Errorf("data dir %s: %w", s.dir, errClosed)
		}
	}
}

// writer commits groups of requests until the store closes.
func (s *Store) writer() {
	defer close(s.writerDone)
	var last time.Duration // how long the last commit took
	timer := time.NewTimer(0)
	<-timer.C
	for {
		busy := len(s.writes) > 0
		var group []*writeReq
		select {
		case <-s.closed:
			return
		case req := <-s.writes:
			group = append(group, req)
		}
	more:
		for len(group) < maxGroup {
			select {
			case req := <-s.writes:
				group = append(group, req)
			default:
				break more
			}
		}
		if busy && len(group) < maxGroup {
			timer.Reset(min(max(last/4, minGather), maxGather))
		gather:
			for len(group) < maxGroup {
				select {
				case req := <-s.writes:
					group = append(group, req)
				case <-timer.C:
					break gather
				}
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		start := time.Now()
		s.commit(group)
		last = time.Since(start)
		s.commits.Add(1)
		s.batches.Add(int64(len(group)))
	}
}

func (s *Store) commit(group []*writeReq) {
	if len(group) == 1 {
		group[0].done <- s.db.Update(group[0].fn)
		return
	}
	failed := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		for _, req := range group {
			if err := req.fn(tx); err != nil {
				failed = true
				return err
			}
		}
		return nil
	})
	if failed {
		for _, req := range group {
			req.done <- s.db.Update(req.fn)
		}
		return
	}
	for _, req := range group {
		req.done <- err
	}
}
