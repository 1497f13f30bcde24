package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// Dead letters: a queued post handed out MaxDeliveries times without a
// tally leaves the queue for its event's dead bucket, so that it no
// longer comes back with every read:
//
//	ev/<id>/dead  sequence (8 bytes) → JSON {key, reason, at}
//
// Its post record stays (the same post sent again is a duplicate) until
// the dead letter is retried (queued again) or dropped (forgotten).
var bucketDead = []byte("dead")

type deadRecord struct {
	Key    string    `json:"key"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// bury moves queue entries to their events' dead letters.
func (s *Store) bury(seqs []uint64) error {
	var moved []uint64
	err := s.update(func(tx *bolt.Tx) error {
		moved = moved[:0]
		queue := tx.Bucket(bucketQueue)
		for _, seq := range seqs {
			v := queue.Get(queueKey(seq))
			if v == nil {
				continue // tallied meanwhile
			}
			event, key, ok := bytes.Cut(v, []byte{0})
			if !ok {
				continue
			}
			eb := tx.Bucket(eventBucketName(string(event)))
			if eb == nil {
				continue
			}
			db, err := eb.CreateBucketIfNotExists(bucketDead)
			if err != nil {
				return err
			}
			rec, _ := json.Marshal(deadRecord{Key: string(key), Reason: fmt.Sprintf("delivered %d times without a tally", s.maxDel), At: time.Now().UTC()})
			if err := db.Put(queueKey(seq), rec); err != nil {
				return err
			}
			if err := queue.Delete(queueKey(seq)); err != nil {
				return err
			}
			if err := addCounter(eb.Bucket(bucketCounters), ckQueued, -1); err != nil {
				return err
			}
			moved = append(moved, seq)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("move posts to the dead letters: %w", err)
	}
	s.mu.Lock()
	for _, seq := range seqs {
		delete(s.pending, seq)
	}
	s.mu.Unlock()
	if len(moved) > 0 {
		s.log.Warn("posts moved to the dead letters", "posts", len(moved), "reason", fmt.Sprintf("delivered %d times without a tally", s.maxDel))
	}
	return nil
}

// DeadLetters lists the event's dead letters, oldest first.
func (s *Store) DeadLetters(ctx context.Context, event string) ([]chorus.DeadLetter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []chorus.DeadLetter
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		db := eb.Bucket(bucketDead)
		if db == nil {
			return nil
		}
		posts := eb.Bucket(bucketPosts)
		return db.ForEach(func(k, v []byte) error {
			var r deadRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("dead letter %x: %w", k, err)
			}
			d := chorus.DeadLetter{ID: strconv.FormatUint(binary.BigEndian.Uint64(k), 10), Event: event, Key: r.Key, Reason: r.Reason, At: r.At}
			if p, err := decodeRecord(event, posts.Get([]byte(r.Key))); err == nil {
				d.Post = &p
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("dead letters of %s: %w", event, err)
	}
	return out, nil
}

// DeadLetterCount is how many dead letters the event holds.
func (s *Store) DeadLetterCount(ctx context.Context, event string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		if db := eb.Bucket(bucketDead); db != nil {
			n = int64(db.Stats().KeyN)
		}
		return nil
	})
	return n, err
}

// RetryDeadLetters queues the named dead letters again (all when ids is
// empty) and returns how many.
func (s *Store) RetryDeadLetters(ctx context.Context, event string, ids []string) (int, error) {
	n, err := s.handleDead(ctx, event, ids, true)
	if n > 0 {
		s.mu.Lock()
		close(s.wake)
		s.wake = make(chan struct{})
		s.mu.Unlock()
	}
	return n, err
}

// DropDeadLetters deletes the named dead letters (all when ids is empty):
// their posts are forgotten, so the same post sent again is new.
func (s *Store) DropDeadLetters(ctx context.Context, event string, ids []string) (int, error) {
	return s.handleDead(ctx, event, ids, false)
}

func (s *Store) handleDead(ctx context.Context, event string, ids []string, retry bool) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var seqs [][]byte
	for _, id := range ids {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return 0, &chorus.FieldError{Field: "id", Reason: fmt.Sprintf("%q is not a dead letter of event %s (chorus dlq list names them)", id, event)}
		}
		seqs = append(seqs, queueKey(n))
	}
	done := 0
	err := s.update(func(tx *bolt.Tx) error {
		done = 0
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		db := eb.Bucket(bucketDead)
		if db == nil {
			return nil
		}
		keys := seqs
		if len(keys) == 0 {
			if err := db.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil }); err != nil {
				return err
			}
		}
		queue := tx.Bucket(bucketQueue)
		for _, k := range keys {
			v := db.Get(k)
			if v == nil {
				continue
			}
			var r deadRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			tallied := eb.Bucket(bucketScores).Get([]byte(r.Key)) != nil
			switch {
			case tallied:
			case retry:
				seq, err := queue.NextSequence()
				if err != nil {
					return err
				}
				if err := queue.Put(queueKey(seq), append(append([]byte(event), 0), r.Key...)); err != nil {
					return err
				}
				if err := addCounter(eb.Bucket(bucketCounters), ckQueued, 1); err != nil {
					return err
				}
			default:
				if err := eb.Bucket(bucketPosts).Delete([]byte(r.Key)); err != nil {
					return err
				}
			}
			if err := db.Delete(k); err != nil {
				return err
			}
			done++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("dead letters of %s: %w", event, err)
	}
	return done, nil
}
