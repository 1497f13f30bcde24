package redis

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// DeadLetters lists the event's dead letters, oldest first in each shard.
func (s *Store) DeadLetters(ctx context.Context, event string) (_ []chorus.DeadLetter, err error) {
	defer func() { err = classify(err) }()
	shards, err := s.exists(ctx, event)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	var out []chorus.DeadLetter
	for sh := range shards {
		msgs, err := s.rdb.XRange(ctx, s.keys(event, sh).dlq, "-", "+").Result()
		if err != nil {
			return nil, fmt.Errorf("dead letters of %s: %w", event, err)
		}
		for _, m := range msgs {
			d := chorus.DeadLetter{ID: strconv.Itoa(sh) + "/" + m.ID, Event: event}
			d.Key, _ = m.Values["k"].(string)
			d.Reason, _ = m.Values["reason"].(string)
			raw, _ := m.Values["p"].(string)
			if at, err := strconv.ParseInt(fmt.Sprint(m.Values["at"]), 10, 64); err == nil {
				d.At = time.UnixMilli(at).UTC()
			}
			var p chorus.Post
			if err := decodePost(raw, &p); err == nil && raw != "" {
				p.Event = event
				d.Post = &p
			} else {
				d.Raw = raw
			}
			out = append(out, d)
		}
	}
	return out, nil
}

// DeadLetterCount is how many dead letters the event holds.
func (s *Store) DeadLetterCount(ctx context.Context, event string) (_ int64, err error) {
	defer func() { err = classify(err) }()
	shards, err := s.exists(ctx, event)
	if err != nil {
		return 0, fmt.Errorf("dead letters: %w", err)
	}
	cmds := make([]*goredis.IntCmd, shards)
	if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for sh := range shards {
			cmds[sh] = p.XLen(ctx, s.keys(event, sh).dlq)
		}
		return nil
	}); err != nil {
		return 0, fmt.Errorf("dead letters of %s: %w", event, err)
	}
	var n int64
	for _, c := range cmds {
		n += c.Val()
	}
	return n, nil
}

// RetryDeadLetters queues the named dead letters again (all when ids is
// empty), each post on its own, and returns how many.
func (s *Store) RetryDeadLetters(ctx context.Context, event string, ids []string) (int, error) {
	return s.handleDeadLetters(ctx, event, ids, "retry")
}

// DropDeadLetters deletes the named dead letters (all when ids is empty):
// their posts are forgotten, so the same post sent again is new.
func (s *Store) DropDeadLetters(ctx context.Context, event string, ids []string) (int, error) {
	return s.handleDeadLetters(ctx, event, ids, "drop")
}

func (s *Store) handleDeadLetters(ctx context.Context, event string, ids []string, verb string) (_ int, err error) {
	defer func() { err = classify(err) }()
	shards, err := s.exists(ctx, event)
	if err != nil {
		return 0, fmt.Errorf("dead letters: %w", err)
	}
	byShard := map[int][]any{}
	if len(ids) == 0 {
		all, err := s.DeadLetters(ctx, event)
		if err != nil {
			return 0, err
		}
		for _, d := range all {
			ids = append(ids, d.ID)
		}
	}
	for _, id := range ids {
		sh, sid, ok := strings.Cut(id, "/")
		n, err := strconv.Atoi(sh)
		if !ok || err != nil || n < 0 || n >= shards || sid == "" {
			return 0, fmt.Errorf("%s dead letter: %w", verb, &chorus.FieldError{Field: "id", Reason: fmt.Sprintf("%q is not a dead letter of event %s (chorus dlq list names them)", id, event)})
		}
		byShard[n] = append(byShard[n], sid)
	}
	total := 0
	shardList := make([]int, 0, len(byShard))
	for sh := range byShard {
		shardList = append(shardList, sh)
	}
	slices.Sort(shardList)
	for _, sh := range shardList {
		k := s.keys(event, sh)
		n, err := s.lua.retry.Run(ctx, s.rdb, []string{k.posts, k.queue, k.counts, k.dlq}, append([]any{verb}, byShard[sh]...)...).Int()
		if err != nil {
			return total, fmt.Errorf("%s dead letters of %s: %w", verb, event, err)
		}
		total += n
	}
	return total, nil
}
