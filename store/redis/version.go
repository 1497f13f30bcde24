package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// versionKey counts the changes of every event, for readers of the event
// list; each event's own count is chorus:{id}:ver, in the event's slot.
const versionKey = "chorus:ver"

func eventVersionKey(event string) string { return "chorus:{" + event + "}:ver" }

// Version is a number that changes whenever what the readers of event see
// changes (tallies that counted something, corrections, a new event), and
// of every event's when event is "". Every process writing to this Redis
// bumps it, so a cache in one serve process sees what workers elsewhere
// tallied: one GET.
func (s *Store) Version(ctx context.Context, event string) (_ uint64, err error) {
	defer func() { err = classify(err) }()
	key := versionKey
	if event != "" {
		key = eventVersionKey(event)
	}
	v, err := s.rdb.Get(ctx, key).Uint64()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("version of %q: %w", event, err)
	}
	return v, nil
}

// bump records a change of event after it is committed, so that a reader
// that reads the version and then the data never caches data older than
// the version it read. A failed bump is logged, not returned: the change
// itself is stored, and readers' caches also expire on their own.
func (s *Store) bump(ctx context.Context, event string) {
	ctx = context.WithoutCancel(ctx)
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		p.Incr(ctx, eventVersionKey(event))
		p.Incr(ctx, versionKey)
		return nil
	})
	if err != nil {
		s.log.Warn("bump version", "event", event, "err", err)
	}
}
