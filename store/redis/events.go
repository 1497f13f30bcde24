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

// CreateEvent defines an event and its queues. An id that exists already
// is left as it is (created=false). An event without Shards gets
// Options.Shards; the number is fixed from then on.
func (s *Store) CreateEvent(ctx context.Context, ev chorus.Event) (_ bool, err error) {
	defer func() { err = classify(err) }()
	if err := ev.Validate(); err != nil {
		return false, fmt.Errorf("create event: %w", err)
	}
	if ev.CreatedAt.IsZero() {
		ev.CreatedAt = time.Now()
	}
	ev.CreatedAt = ev.CreatedAt.UTC()
	if ev.Shards <= 0 {
		ev.Shards = s.opts.Shards
	}
	if ev.Shards == 1 {
		ev.Shards = 0 // one is the default: the event reads as it always did
	}
	rec := registered{Event: ev, Tags: s.spread(ctx, ev.ID, ev.Shards)}
	b, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	created, err := s.rdb.HSetNX(ctx, registryKey, ev.ID, b).Result()
	if err != nil {
		return false, fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	if !created {
		// The stored definition rules (its shards above all).
		if rec, err = s.record(ctx, ev.ID); err != nil {
			return false, fmt.Errorf("create event %s: %w", ev.ID, err)
		}
	}
	l := rec.layout()
	for _, tag := range l {
		if err := s.ensureGroup(ctx, tagKeys(tag).queue); err != nil {
			return false, fmt.Errorf("create event %s: %w", ev.ID, err)
		}
	}
	s.known.Store(ev.ID, l)
	if created {
		// Let Read see the new queues now rather than at their next refresh.
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

// exists fails with chorus.ErrNotFound unless event is defined, and
// returns its number of shards.
func (s *Store) exists(ctx context.Context, event string) (int, error) {
	if l, ok := s.known.Load(event); ok {
		return len(l.(layout)), nil
	}
	if err := chorus.ValidateEventID(event); err != nil {
		return 0, fmt.Errorf("event %q: %w", event, chorus.ErrNotFound)
	}
	rec, err := s.record(ctx, event)
	if err != nil {
		return 0, err
	}
	l := rec.layout()
	s.known.Store(event, l)
	return len(l), nil
}
