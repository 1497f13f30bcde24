package embedded

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// storedEvent is an event as kept in the events bucket: the order number
// keeps Events stable for events created within the same instant.
type storedEvent struct {
	chorus.Event
	Order uint64 `json:"order"`
}

// CreateEvent defines an event; an existing id is left as it is
// (created=false). A zero CreatedAt is set to now.
func (s *Store) CreateEvent(ctx context.Context, ev chorus.Event) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := chorus.ValidateEventID(ev.ID); err != nil {
		return false, fmt.Errorf("create event: %w", err)
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = time.Now().UTC()
	}
	ev.Shards = 0 // one file, one writer: nothing to spread
	created := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		events := tx.Bucket(bucketEvents)
		if events.Get([]byte(ev.ID)) != nil {
			return nil
		}
		order, err := events.NextSequence()
		if err != nil {
			return err
		}
		b, err := json.Marshal(storedEvent{Event: ev, Order: order})
		if err != nil {
			return err
		}
		if err := events.Put([]byte(ev.ID), b); err != nil {
			return err
		}
		eb, err := tx.CreateBucket(eventBucketName(ev.ID))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketPosts, bucketScores, bucketPending, bucketCounters, bucketTimeline, bucketIdx, bucketTop} {
			if _, err := eb.CreateBucket(name); err != nil {
				return err
			}
		}
		created = true
		return bumpVersion(tx, nil)
	})
	if err != nil {
		return false, fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	return created, nil
}

// Event returns one event or an error wrapping chorus.ErrNotFound.
func (s *Store) Event(ctx context.Context, id string) (chorus.Event, error) {
	if err := ctx.Err(); err != nil {
		return chorus.Event{}, err
	}
	var se storedEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents).Get([]byte(id))
		if b == nil {
			return fmt.Errorf("event %q: %w", id, chorus.ErrNotFound)
		}
		return json.Unmarshal(b, &se)
	})
	if err != nil {
		return chorus.Event{}, err
	}
	return se.Event, nil
}

// Events lists every event, oldest created first.
func (s *Store) Events(ctx context.Context) ([]chorus.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var all []storedEvent
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, v []byte) error {
			var se storedEvent
			if err := json.Unmarshal(v, &se); err != nil {
				return fmt.Errorf("event %q: %w", k, err)
			}
			all = append(all, se)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.Before(all[j].CreatedAt)
		}
		return all[i].Order < all[j].Order
	})
	events := make([]chorus.Event, len(all))
	for i, se := range all {
		events[i] = se.Event
	}
	return events, nil
}
