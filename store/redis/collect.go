package redis

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// What collectors keep, and the folded reposts, all under the event's hash
// tag:
//
//	chorus:{e}:reposts      hash  "platform:id" → original id: every plain repost folded into reach, once
//	chorus:{e}:checkpoints  hash  key → value, opaque to the store
//	chorus:{e}:collectors   hash  name → chorus.CollectorStatus JSON
//
// A folded repost counts in the event's counters hash as r and rp|<platform>.

//go:embed lua/fold.lua
var foldLua string

var foldScript = goredis.NewScript(foldLua)

func eventKey(event, name string) string { return "chorus:{" + event + "}:" + name }

// FoldReposts records plain reposts (Post.RepostOf set) of event as reach,
// in one Lua step: a repost not seen before adds one to the event's and its
// platform's repost counts; a repeat is a duplicate.
func (s *Store) FoldReposts(ctx context.Context, event string, posts []chorus.Post) (res chorus.SubmitResult, err error) {
	defer func() { err = classify(err) }()
	if _, err := s.exists(ctx, event); err != nil {
		return res, fmt.Errorf("fold reposts: %w", err)
	}
	if len(posts) == 0 {
		return res, nil
	}
	args := make([]any, 0, 3*len(posts))
	for i := range posts {
		args = append(args, posts[i].Key(), posts[i].RepostOf, string(posts[i].Platform))
	}
	r, err := foldScript.Run(ctx, s.rdb, []string{eventKey(event, "reposts"), eventKeys(event).counts}, args...).Int64Slice()
	if err != nil {
		return res, fmt.Errorf("fold %d reposts into %s: %w", len(posts), event, err)
	}
	if len(r) != 2 {
		return res, fmt.Errorf("fold %d reposts into %s: script answered %v", len(posts), event, r)
	}
	res.Accepted, res.Duplicates = int(r[0]), int(r[1])
	if res.Accepted > 0 {
		s.bump(ctx, event)
	}
	return res, nil
}

// Checkpoint returns the value saved under key for event, "" when none.
func (s *Store) Checkpoint(ctx context.Context, event, key string) (_ string, err error) {
	defer func() { err = classify(err) }()
	v, err := s.rdb.HGet(ctx, eventKey(event, "checkpoints"), key).Result()
	if err == goredis.Nil {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read checkpoint %s of event %s: %w", key, event, err)
	}
	return v, nil
}

// SaveCheckpoint keeps value under key for event, replacing what was there.
func (s *Store) SaveCheckpoint(ctx context.Context, event, key, value string) (err error) {
	defer func() { err = classify(err) }()
	if err := s.rdb.HSet(ctx, eventKey(event, "checkpoints"), key, value).Err(); err != nil {
		return fmt.Errorf("save checkpoint %s of event %s: %w", key, event, err)
	}
	return nil
}

// SaveCollector keeps a collector's status, replacing the last one of the
// same event and name.
func (s *Store) SaveCollector(ctx context.Context, st chorus.CollectorStatus) (err error) {
	defer func() { err = classify(err) }()
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("save collector %s of event %s: %w", st.Name, st.Event, err)
	}
	if err := s.rdb.HSet(ctx, eventKey(st.Event, "collectors"), st.Name, b).Err(); err != nil {
		return fmt.Errorf("save collector %s of event %s: %w", st.Name, st.Event, err)
	}
	return nil
}

// Collectors lists the statuses saved for event, by name.
func (s *Store) Collectors(ctx context.Context, event string) (_ []chorus.CollectorStatus, err error) {
	defer func() { err = classify(err) }()
	if _, err := s.exists(ctx, event); err != nil {
		return nil, fmt.Errorf("collectors: %w", err)
	}
	all, err := s.rdb.HGetAll(ctx, eventKey(event, "collectors")).Result()
	if err != nil {
		return nil, fmt.Errorf("list collectors of event %s: %w", event, err)
	}
	out := make([]chorus.CollectorStatus, 0, len(all))
	for name, v := range all {
		var st chorus.CollectorStatus
		if err := json.Unmarshal([]byte(v), &st); err != nil {
			return nil, fmt.Errorf("list collectors of event %s: %s: %w", event, name, err)
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b chorus.CollectorStatus) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
