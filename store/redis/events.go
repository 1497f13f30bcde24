package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// CreateEvent defines an event and its queue. An id that exists already is
// left as it is (created=false).
func (s *Store) CreateEvent(ctx context.Context, ev chorus.Event) (_ bool, err error) {
	defer func() { err = classify(err) }()
	if err := ev.Validate(); err != nil {
		return false, fmt.Errorf("create event: %w", err)
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = time.Now()
	}
	ev.CreatedAt = ev.CreatedAt.UTC()
	b, err := json.Marshal(ev)
	if err != nil {
		return false, fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	created, err := s.rdb.HSetNX(ctx, registryKey, ev.ID, b).Result()
	if err != nil {
		return false, fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	if err := s.ensureGroup(ctx, eventKeys(ev.ID).queue); err != nil {
		return false, fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	s.known.Store(ev.ID, struct{}{})
	if created {
		// Let Read see the new queue now rather than at its next refresh.
		s.mu.Lock()
		s.refreshed = time.Time{}
		s.mu.Unlock()
		s.bump(ctx, ev.ID)
	}
	return created, nil
}

// ensureGroup creates the stream and its consumer group if missing.
func (s *Store) ensureGroup(ctx context.Context, stream string) error {
	err := s.rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err()
	if err != nil && !goredis.HasErrorPrefix(err, "BUSYGROUP") {
		return fmt.Errorf("create consumer group on %s: %w", stream, err)
	}
	return nil
}

// Event returns one event.
func (s *Store) Event(ctx context.Context, id string) (_ chorus.Event, err error) {
	defer func() { err = classify(err) }()
	var ev chorus.Event
	b, err := s.rdb.HGet(ctx, registryKey, id).Bytes()
	if errors.Is(err, goredis.Nil) {
		return ev, fmt.Errorf("event %q: %w", id, chorus.ErrNotFound)
	}
	if err != nil {
		return ev, fmt.Errorf("read event %s: %w", id, err)
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return ev, fmt.Errorf("read event %s: %w", id, err)
	}
	return ev, nil
}

// Events lists every event, oldest created first.
func (s *Store) Events(ctx context.Context) (_ []chorus.Event, err error) {
	defer func() { err = classify(err) }()
	all, err := s.rdb.HGetAll(ctx, registryKey).Result()
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	evs := make([]chorus.Event, 0, len(all))
	for id, v := range all {
		var ev chorus.Event
		if err := json.Unmarshal([]byte(v), &ev); err != nil {
			return nil, fmt.Errorf("list events: event %s: %w", id, err)
		}
		evs = append(evs, ev)
	}
	slices.SortFunc(evs, func(a, b chorus.Event) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return evs, nil
}

// exists fails with chorus.ErrNotFound unless event is defined.
func (s *Store) exists(ctx context.Context, event string) error {
	if _, ok := s.known.Load(event); ok {
		return nil
	}
	if err := chorus.ValidateEventID(event); err != nil {
		return fmt.Errorf("event %q: %w", event, chorus.ErrNotFound)
	}
	ok, err := s.rdb.HExists(ctx, registryKey, event).Result()
	if err != nil {
		return fmt.Errorf("look up event %s: %w", event, err)
	}
	if !ok {
		return fmt.Errorf("event %q: %w", event, chorus.ErrNotFound)
	}
	s.known.Store(event, struct{}{})
	return nil
}
