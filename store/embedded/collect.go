package embedded

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// What collectors keep, and the folded reposts:
//
//	checkpoints  event id, 0, key → value (opaque to the store)
//	collectors   event id, 0, name → chorus.CollectorStatus JSON
//	ev/<id>/reposts  "platform:id" → the original's id: every plain repost
//	             folded into reach, once; counted in counters reposts and
//	             reposts/P
var (
	bucketCheckpoints = []byte("checkpoints")
	bucketCollectors  = []byte("collectors")
	bucketReposts     = []byte("reposts")
)

func reposts() counterKey { return counterKey{kind: "reposts"} }
func platformReposts(p chorus.Platform) counterKey {
	return counterKey{"reposts", string(p), ""}
}

func scopedKey(event, key string) []byte {
	b := make([]byte, 0, len(event)+1+len(key))
	b = append(b, event...)
	b = append(b, 0)
	return append(b, key...)
}

// FoldReposts records plain reposts (Post.RepostOf set) of event as reach:
// a repost not seen before adds one to the event's and its platform's
// repost counts; a repeat is a duplicate. Posts are expected validated.
func (s *Store) FoldReposts(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error) {
	var res chorus.SubmitResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	err := s.update(func(tx *bolt.Tx) error {
		res = chorus.SubmitResult{}
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		rb, err := eb.CreateBucketIfNotExists(bucketReposts) // files written before reposts were folded lack it
		if err != nil {
			return err
		}
		byPlatform := map[chorus.Platform]int64{}
		for i := range posts {
			p := &posts[i]
			key := postKey(p.Platform, p.ID)
			if rb.Get(key) != nil {
				res.Duplicates++
				continue
			}
			if err := rb.Put(key, []byte(p.RepostOf)); err != nil {
				return err
			}
			byPlatform[p.Platform]++
			res.Accepted++
		}
		if res.Accepted == 0 {
			return nil
		}
		c := eb.Bucket(bucketCounters)
		if err := bumpVersion(tx, c); err != nil {
			return err
		}
		if err := addCounter(c, reposts(), int64(res.Accepted)); err != nil {
			return err
		}
		for p, n := range byPlatform {
			if err := addCounter(c, platformReposts(p), n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return chorus.SubmitResult{}, fmt.Errorf("fold %d reposts into event %s: %w", len(posts), event, err)
	}
	return res, nil
}

// Checkpoint returns the value saved under key for event, "" when none.
func (s *Store) Checkpoint(ctx context.Context, event, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var v string
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketCheckpoints); b != nil {
			v = string(b.Get(scopedKey(event, key)))
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("read checkpoint %s of event %s: %w", key, event, err)
	}
	return v, nil
}

// SaveCheckpoint keeps value under key for event, replacing what was there.
func (s *Store) SaveCheckpoint(ctx context.Context, event, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCheckpoints)
		if err != nil {
			return err
		}
		return b.Put(scopedKey(event, key), []byte(value))
	})
	if err != nil {
		return fmt.Errorf("save checkpoint %s of event %s: %w", key, event, err)
	}
	return nil
}

// SaveCollector keeps a collector's status, replacing the last one of the
// same event and name.
func (s *Store) SaveCollector(ctx context.Context, st chorus.CollectorStatus) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save collector %s of event %s: %w", st.Name, st.Event, err)
	}
	err = s.update(func(tx *bolt.Tx) error {
		cb, err := tx.CreateBucketIfNotExists(bucketCollectors)
		if err != nil {
			return err
		}
		return cb.Put(scopedKey(st.Event, st.Name), b)
	})
	if err != nil {
		return fmt.Errorf("save collector %s of event %s: %w", st.Name, st.Event, err)
	}
	return nil
}

// Collectors lists the statuses saved for event, by name. An event no
// collector ran for has none (an empty list, not an error).
func (s *Store) Collectors(ctx context.Context, event string) ([]chorus.CollectorStatus, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []chorus.CollectorStatus{}
	err := s.db.View(func(tx *bolt.Tx) error {
		if _, err := eventBucket(tx, event); err != nil {
			return err
		}
		cb := tx.Bucket(bucketCollectors)
		if cb == nil {
			return nil
		}
		prefix := scopedKey(event, "")
		c := cb.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var st chorus.CollectorStatus
			if err := json.Unmarshal(v, &st); err != nil {
				return fmt.Errorf("collector %q: %w", k[len(prefix):], err)
			}
			out = append(out, st)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list collectors of event %s: %w", event, err)
	}
	return out, nil
}
