package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// arena hands out byte slices for keys and values that must stay valid
// until a transaction commits (bbolt keeps the slices given to Put). Growing
// it never moves what was handed out: old slices keep the old array alive.
type arena struct{ buf []byte }

func (a *arena) take(start int) []byte { return a.buf[start:len(a.buf):len(a.buf)] }

func queueKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// Submit stores the new posts of event and queues them, in one transaction.
// A post already stored, or repeated in the batch, is a duplicate. The
// stored post has no sentiment until it is tallied.
func (s *Store) Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error) {
	var res chorus.SubmitResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// Encode outside the transaction, which the writer runs for everyone:
	// per post its key, its record and its queue entry (event, 0, key).
	type prepared struct{ key, rec, ref []byte }
	prep := make([]prepared, len(posts))
	a := arena{buf: make([]byte, 0, 512*len(posts))}
	for i := range posts {
		p := &posts[i]
		start := len(a.buf)
		a.buf = append(a.buf, event...)
		a.buf = append(a.buf, 0)
		keyAt := len(a.buf)
		a.buf = append(a.buf, p.Platform...)
		a.buf = append(a.buf, ':')
		a.buf = append(a.buf, p.ID...)
		prep[i].ref = a.take(start)
		prep[i].key = prep[i].ref[keyAt-start:]
		start = len(a.buf)
		a.buf = appendRecord(a.buf, p) // leaves the sentiment out
		prep[i].rec = a.take(start)
	}
	seqs := make([]byte, 0, 8*len(posts))
	err := s.update(func(tx *bolt.Tx) error {
		res = chorus.SubmitResult{}
		seqs := seqs[:0]
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		if s.cap > 0 {
			if q := decodeInt(eb.Bucket(bucketCounters).Get([]byte(ckQueued.name()))); q >= s.cap {
				return &chorus.BusyError{Wait: time.Second,
					Reason: fmt.Sprintf("event %s has %d posts queued, at its cap of %d (--queue-cap)", event, q, s.cap)}
			}
		}
		stored := eb.Bucket(bucketPosts)
		stored.FillPercent = appendFill
		storedC := stored.Cursor()
		queue := tx.Bucket(bucketQueue)
		queue.FillPercent = 1 // append only: keep its pages full
		for _, p := range prep {
			if get(storedC, p.key) != nil {
				res.Duplicates++
				continue
			}
			if err := stored.Put(p.key, p.rec); err != nil {
				return err
			}
			seq, err := queue.NextSequence()
			if err != nil {
				return err
			}
			seqs = binary.BigEndian.AppendUint64(seqs, seq)
			if err := queue.Put(seqs[len(seqs)-8:], p.ref); err != nil {
				return err
			}
			res.Accepted++
		}
		if res.Accepted == 0 {
			return nil
		}
		return addCounter(eb.Bucket(bucketCounters), ckQueued, int64(res.Accepted))
	})
	if err != nil {
		return chorus.SubmitResult{}, fmt.Errorf("submit %d posts to event %s: %w", len(posts), event, err)
	}
	if res.Accepted > 0 {
		s.mu.Lock()
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
	}
	return res, nil
}

// Read hands consumer up to max queued entries (100 when max <= 0): first
// those whose claim expired, then those never handed out by this process,
// in submission order. With none, it waits up to block for a Submit.
func (s *Store) Read(ctx context.Context, consumer string, max int, block time.Duration) ([]chorus.Entry, error) {
	if max <= 0 {
		max = defaultReadMax
	}
	deadline := time.Now().Add(block)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		wake := s.wake
		now := time.Now()
		entries, nextExpiry, dead, err := s.readLocked(consumer, max, now)
		s.mu.Unlock()
		if len(dead) > 0 {
			if err := s.bury(dead); err != nil {
				return nil, err
			}
		}
		if err != nil || len(entries) > 0 {
			return entries, err
		}
		wait := deadline.Sub(now)
		if !nextExpiry.IsZero() && nextExpiry.Before(deadline) {
			wait = nextExpiry.Sub(now)
		}
		if wait <= 0 {
			return nil, nil
		}
		t := time.NewTimer(wait)
		select {
		case <-wake:
		case <-t.C:
		case <-s.closed:
			t.Stop()
			return nil, nil
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
	}
}

// readLocked does one pass of Read with s.mu held. It also returns when the
// earliest claim still running expires (zero when none runs), and the
// entries handed out MaxDeliveries times without a tally, for bury. An
// entry handed out twice without a tally is suspect: it goes out alone, so
// that one post no worker gets through fails by itself.
func (s *Store) readLocked(consumer string, max int, now time.Time) ([]chorus.Entry, time.Time, []uint64, error) {
	var out []chorus.Entry
	var nextExpiry time.Time
	var dead []uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		queue := tx.Bucket(bucketQueue)
		posts := map[string]*bolt.Cursor{}
		load := func(seq uint64, v []byte) bool {
			event, key, ok := bytes.Cut(v, []byte{0})
			if !ok {
				s.log.Error("skipping corrupt queue entry", "seq", seq)
				return false
			}
			pc, seen := posts[string(event)]
			if !seen {
				if eb := tx.Bucket(eventBucketName(string(event))); eb != nil {
					pc = eb.Bucket(bucketPosts).Cursor()
				}
				posts[string(event)] = pc
			}
			var rec []byte
			if pc != nil {
				rec = get(pc, key)
			}
			p, err := decodeRecord(string(event), rec)
			if err != nil {
				s.log.Error("skipping queue entry without a readable post", "seq", seq, "event", string(event), "post", string(key), "err", err)
				return false
			}
			out = append(out, chorus.Entry{Ref: strconv.FormatUint(seq, 10), Post: p})
			s.pending[seq] = claim{consumer: consumer, until: now.Add(s.claim), deliveries: s.pending[seq].deliveries + 1}
			return true
		}

		var expired []uint64
		for seq, c := range s.pending {
			if c.until.After(now) {
				if nextExpiry.IsZero() || c.until.Before(nextExpiry) {
					nextExpiry = c.until
				}
				continue
			}
			expired = append(expired, seq)
		}
		slices.Sort(expired)
		for _, seq := range expired {
			if len(out) == max {
				break
			}
			v := queue.Get(queueKey(seq))
			if v == nil { // tallied meanwhile
				delete(s.pending, seq)
				continue
			}
			d := s.pending[seq].deliveries
			if d >= s.maxDel {
				dead = append(dead, seq)
				continue
			}
			if d >= 2 {
				if len(out) > 0 {
					continue // a suspect goes alone, at a later Read
				}
				if !load(seq, v) {
					delete(s.pending, seq)
				}
				return nil
			}
			if !load(seq, v) {
				delete(s.pending, seq)
			}
		}

		c := queue.Cursor()
		for k, v := c.Seek(queueKey(s.next)); k != nil && len(out) < max; k, v = c.Next() {
			seq := binary.BigEndian.Uint64(k)
			s.next = seq + 1
			load(seq, v)
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, nil, fmt.Errorf("read queue: %w", err)
	}
	return out, nextExpiry, dead, nil
}

// Tally records the scored posts and acknowledges their queue entries, in
// one transaction. Items are entries handed out by Read (their Ref names the
// queue entry; one that names another post is an error wrapping
// chorus.ErrInvalid). An item whose entry was acknowledged before is not
// counted again. See the package doc for what is counted.
func (s *Store) Tally(ctx context.Context, items []chorus.Entry) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(items) == 0 {
		return 0, nil
	}
	seqs := make([]uint64, len(items))
	for i, it := range items {
		if it.Post.Sentiment == nil {
			return 0, fmt.Errorf("tally post %s of event %s: %w", it.Post.Key(), it.Post.Event, &chorus.FieldError{Field: "sentiment", Reason: "missing"})
		}
		if _, ok := chorus.ParseLabel(string(it.Post.Sentiment.Label)); !ok {
			return 0, fmt.Errorf("tally post %s of event %s: %w", it.Post.Key(), it.Post.Event, &chorus.FieldError{Field: "sentiment.label", Reason: fmt.Sprintf("unknown label %q", it.Post.Sentiment.Label)})
		}
		seq, err := strconv.ParseUint(it.Ref, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("tally: %w", &chorus.FieldError{Field: "ref", Reason: fmt.Sprintf("not a queue entry of this store: %q", it.Ref)})
		}
		seqs[i] = seq
	}
	// Encode outside the transaction, which the writer runs for everyone.
	prep := make([]tallyItem, len(items))
	a := arena{buf: make([]byte, 0, 256*len(items))}
	for i := range items {
		prep[i] = prepareTally(&a, &items[i].Post)
	}
	newly := 0
	err := s.update(func(tx *bolt.Tx) error {
		newly = 0
		queue := tx.Bucket(bucketQueue).Cursor()
		events := map[string]*tallyTx{}
		for i := range items {
			p := &items[i].Post
			ev := events[p.Event]
			if ev == nil {
				eb, err := eventBucket(tx, p.Event)
				if err != nil {
					return err
				}
				ev = newTallyTx(eb, s.topN)
				events[p.Event] = ev
			}
			// The queue entry is the "not tallied yet" mark: Tally
			// deletes it in the transaction that counts the post, and
			// Submit queues a post only once.
			qk := queueKey(seqs[i])
			k, v := queue.Seek(qk)
			if !bytes.Equal(k, qk) {
				continue // tallied before: acknowledged already
			}
			if !bytes.Equal(v, prep[i].ref) {
				return fmt.Errorf("queue entry %d is %q, not post %s of event %s: %w", seqs[i], v, p.Key(), p.Event, chorus.ErrInvalid)
			}
			if err := queue.Delete(); err != nil {
				return err
			}
			ev.deltas[ckQueued]--
			if err := ev.add(&prep[i]); err != nil {
				return err
			}
			ev.changed = true
			newly++
		}
		for _, ev := range events {
			if err := ev.flush(s.flushAt); err != nil {
				return err
			}
			if ev.changed {
				if err := bumpVersion(tx, ev.counters); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("tally %d posts: %w", len(items), err)
	}
	s.mu.Lock()
	for _, seq := range seqs {
		delete(s.pending, seq)
	}
	s.mu.Unlock()
	return newly, nil
}

// Queued is how many posts of event wait in the queue.
func (s *Store) Queued(ctx context.Context, event string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		n = decodeInt(eb.Bucket(bucketCounters).Get([]byte(ckQueued.name())))
		return nil
	})
	return n, err
}
