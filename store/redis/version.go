package redis

import (
	"context"
	"errors"
	"fmt"

	goredis "github.com/redis/go-redis/v9"
)

// versionKey counts the changes of every event, for readers of the event
// list. Each shard of an event counts its own in its slot (keys.ver): a
// tally moves it in the same Lua step that counts, so that a reader who
// sees a queue entry acked also sees the new version. An event's version
// is the sum over its shards; changes other than tallies move shard 0's,
// chorus:{id}:ver.
const versionKey = "chorus:ver"

func eventVersionKey(event string) string { return "chorus:{" + event + "}:ver" }

// Version is a number that changes whenever what the readers of event see
// changes (tallies that counted something, corrections, a new event), and
// of every event's when event is "". Every process writing to this Redis
// bumps it, so a cache in one serve process sees what workers elsewhere
// tallied: one GET.
func (s *Store) Version(ctx context.Context, event string) (_ uint64, err error) {
	defer func() { err = classify(err) }()
	keys := []string{versionKey}
	if event != "" {
		keys[0] = eventVersionKey(event)
		if l, ok := s.known.Load(event); ok && len(l.(layout)) > 1 {
			keys = keys[:0]
			for _, tag := range l.(layout) {
				keys = append(keys, tagKeys(tag).ver)
			}
		}
	}
	if len(keys) == 1 {
		v, err := s.rdb.Get(ctx, keys[0]).Uint64()
		if errors.Is(err, goredis.Nil) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("version of %q: %w", event, err)
		}
		return v, nil
	}
	// A sharded event's shards live in different slots: one GET each,
	// pipelined (go-redis sends each to its node).
	cmds := make([]*goredis.StringCmd, len(keys))
	_, err = s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return 0, fmt.Errorf("version of %q: %w", event, err)
	}
	var sum uint64
	for i, c := range cmds {
		v, err := c.Uint64()
		if errors.Is(err, goredis.Nil) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("version of %q: shard %d: %w", event, i, err)
		}
		sum += v
	}
	return sum, nil
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
