package redis

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	gojson "github.com/goccy/go-json"
	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

var (
	//go:embed lua/submit.lua
	submitLua string
	//go:embed lua/tally.lua
	tallyLua string
	//go:embed lua/correct.lua
	correctLua string
	//go:embed lua/page.lua
	pageLua string
	//go:embed lua/forget.lua
	forgetLua string
)

// scripts are the Lua scripts, run by EVALSHA (EVAL when not loaded yet).
type scripts struct {
	submit, tally, correct, page, forget *goredis.Script
}

func newScripts() scripts {
	return scripts{
		submit:  goredis.NewScript(submitLua),
		tally:   goredis.NewScript(tallyLua),
		correct: goredis.NewScript(correctLua),
		page:    goredis.NewScript(pageLua),
		forget:  goredis.NewScript(forgetLua),
	}
}

// How often Read looks for new events, and the longest single blocking
// read (so that new events and ctx are noticed).
const (
	refreshEvery = 500 * time.Millisecond
	maxBlockStep = 500 * time.Millisecond
	// On a Cluster a blocking read watches one stream: keep it short so
	// that posts of other events wait little.
	clusterBlockStep = 100 * time.Millisecond
)

// Submit stores the new posts of a batch and queues them, in one Lua call.
func (s *Store) Submit(ctx context.Context, event string, posts []chorus.Post) (res chorus.SubmitResult, err error) {
	defer func() { err = classify(err) }()
	if err := s.exists(ctx, event); err != nil {
		return res, fmt.Errorf("submit: %w", err)
	}
	if len(posts) == 0 {
		return res, nil
	}
	args := make([]any, 0, 2*len(posts))
	for i := range posts {
		p := posts[i] // a copy: the caller's slice stays as it was
		p.Event = event
		b, err := json.Marshal(&p)
		if err != nil {
			return res, fmt.Errorf("submit to %s: post %s: %w", event, p.Key(), err)
		}
		args = append(args, p.Key(), b)
	}
	k := eventKeys(event)
	r, err := s.lua.submit.Run(ctx, s.rdb, []string{k.posts, k.queue}, args...).Int64Slice()
	if err != nil {
		return res, fmt.Errorf("submit %d posts to %s: %w", len(posts), event, err)
	}
	if len(r) != 2 {
		return res, fmt.Errorf("submit %d posts to %s: script answered %v", len(posts), event, r)
	}
	res.Accepted, res.Duplicates = int(r[0]), int(r[1])
	return res, nil
}

// Queued is how many posts of event wait for their tally.
func (s *Store) Queued(ctx context.Context, event string) (_ int64, err error) {
	defer func() { err = classify(err) }()
	if err := s.exists(ctx, event); err != nil {
		return 0, fmt.Errorf("queued: %w", err)
	}
	n, err := s.rdb.XLen(ctx, eventKeys(event).queue).Result()
	if err != nil {
		return 0, fmt.Errorf("queued of %s: %w", event, err)
	}
	return n, nil
}

// Read hands consumer up to max queued posts across all events, waiting up
// to block when there are none. Entries another consumer read and did not
// tally within ClaimIdle come first.
func (s *Store) Read(ctx context.Context, consumer string, max int, block time.Duration) (_ []chorus.Entry, err error) {
	defer func() { err = classify(err) }()
	if max <= 0 {
		max = 1
	}
	if out := s.takePending(consumer, max); len(out) > 0 {
		return out, nil
	}
	deadline := time.Now().Add(block)
	for {
		streams, err := s.queues(ctx)
		if err != nil {
			return nil, err
		}
		if len(streams) > 0 {
			out, err := s.claim(ctx, consumer, streams, max)
			if err != nil || len(out) > 0 {
				return out, err
			}
		}
		wait := min(time.Until(deadline), maxBlockStep)
		if len(streams) == 0 {
			if wait <= 0 {
				return nil, nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(min(wait, refreshEvery)):
			}
			continue
		}
		var out []chorus.Entry
		if s.cluster {
			out, err = s.readEach(ctx, consumer, streams, max, wait)
		} else {
			out, err = s.readAll(ctx, consumer, streams, max, wait)
		}
		if err != nil || len(out) > 0 || time.Until(deadline) <= 0 {
			return out, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// takePending hands out entries read earlier beyond a caller's max.
func (s *Store) takePending(consumer string, max int) []chorus.Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[consumer]
	if len(p) == 0 {
		return nil
	}
	n := min(max, len(p))
	out := slices.Clone(p[:n])
	if n == len(p) {
		delete(s.pending, consumer)
	} else {
		s.pending[consumer] = p[n:]
	}
	return out
}

// queues lists the queue stream of every event, refreshed at most every
// refreshEvery.
func (s *Store) queues(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	if time.Since(s.refreshed) < refreshEvery {
		defer s.mu.Unlock()
		return s.streams, nil
	}
	s.mu.Unlock()
	ids, err := s.rdb.HKeys(ctx, registryKey).Result()
	if err != nil {
		return nil, fmt.Errorf("read: list events: %w", err)
	}
	slices.Sort(ids)
	streams := make([]string, len(ids))
	for i, id := range ids {
		streams[i] = eventKeys(id).queue
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams, s.refreshed = streams, time.Now()
	return streams, nil
}

// claim takes over entries idle longer than ClaimIdle, when a claim round is
// due (at start and then every ClaimIdle/2).
func (s *Store) claim(ctx context.Context, consumer string, streams []string, max int) ([]chorus.Entry, error) {
	s.mu.Lock()
	due := time.Since(s.claimed) >= s.opts.ClaimIdle/2
	if due {
		s.claimed = time.Now()
	}
	s.mu.Unlock()
	if !due {
		return nil, nil
	}
	var out []chorus.Entry
	for _, stream := range streams {
		start := "0-0"
		for len(out) < max {
			msgs, next, err := s.rdb.XAutoClaim(ctx, &goredis.XAutoClaimArgs{
				Stream: stream, Group: group, Consumer: consumer,
				MinIdle: s.opts.ClaimIdle, Start: start, Count: int64(max - len(out)),
			}).Result()
			if goredis.HasErrorPrefix(err, "NOGROUP") {
				break
			}
			if err != nil {
				return out, fmt.Errorf("read: claim idle entries of %s: %w", stream, err)
			}
			out = append(out, s.entries(ctx, stream, msgs)...)
			if next == "0-0" || next == "" {
				break
			}
			start = next
		}
		if len(out) >= max {
			// More may be idle: look again on the next Read.
			s.mu.Lock()
			s.claimed = time.Time{}
			s.mu.Unlock()
			break
		}
	}
	if len(out) > 0 {
		s.log.Info("claimed idle entries", "consumer", consumer, "entries", len(out))
	}
	s.forgetConsumers(ctx, streams)
	return out, nil
}

// forgetAfter is how many ClaimIdle periods a consumer with nothing
// pending stays in a group after its last read.
const forgetAfter = 10

// forgetConsumers deletes the consumers that hold nothing and have been
// idle for forgetAfter ClaimIdle periods (dead workers' names). A live one
// that is deleted comes back with its next read, having lost nothing.
func (s *Store) forgetConsumers(ctx context.Context, streams []string) {
	idle := (forgetAfter * s.opts.ClaimIdle).Milliseconds()
	for _, stream := range streams {
		n, err := s.lua.forget.Run(ctx, s.rdb, []string{stream}, group, idle).Int()
		if err != nil && !goredis.HasErrorPrefix(err, "NOGROUP") && !goredis.HasErrorPrefix(err, "ERR no such key") {
			s.log.Warn("forget idle consumers", "stream", stream, "err", err)
		}
		if n > 0 {
			s.log.Debug("forgot idle consumers", "stream", stream, "consumers", n)
		}
	}
}

// readAll reads every stream in one XREADGROUP (a single node). COUNT is
// per stream, so entries beyond max wait in pending for the next Read.
func (s *Store) readAll(ctx context.Context, consumer string, streams []string, max int, wait time.Duration) ([]chorus.Entry, error) {
	args := make([]string, 0, 2*len(streams))
	args = append(args, streams...)
	for range streams {
		args = append(args, ">")
	}
	res, err := s.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: args, Count: int64(max), Block: blockArg(wait),
	}).Result()
	if goredis.HasErrorPrefix(err, "NOGROUP") {
		return nil, s.repairGroups(ctx, streams)
	}
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read queues: %w", err)
	}
	var out []chorus.Entry
	for _, st := range res {
		out = append(out, s.entries(ctx, st.Stream, st.Messages)...)
	}
	if len(out) > max {
		s.mu.Lock()
		s.pending[consumer] = append(s.pending[consumer], out[max:]...)
		s.mu.Unlock()
		out = out[:max]
	}
	return out, nil
}

// readEach reads stream by stream (Cluster: streams live in different
// slots), starting at a rotating stream so that no event starves, blocking
// on one stream only when a round found nothing.
func (s *Store) readEach(ctx context.Context, consumer string, streams []string, max int, wait time.Duration) ([]chorus.Entry, error) {
	s.mu.Lock()
	first := s.rotate % len(streams)
	s.rotate++
	s.mu.Unlock()
	var out []chorus.Entry
	for i := range streams {
		if len(out) >= max {
			break
		}
		stream := streams[(first+i)%len(streams)]
		msgs, err := s.readOne(ctx, consumer, stream, max-len(out), -1)
		if err != nil {
			return out, err
		}
		out = append(out, msgs...)
	}
	if len(out) > 0 || wait <= 0 {
		return out, nil
	}
	return s.readOne(ctx, consumer, streams[first], max, min(wait, clusterBlockStep))
}

func (s *Store) readOne(ctx context.Context, consumer, stream string, max int, block time.Duration) ([]chorus.Entry, error) {
	res, err := s.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: int64(max), Block: blockArg(block),
	}).Result()
	if goredis.HasErrorPrefix(err, "NOGROUP") {
		return nil, s.repairGroups(ctx, []string{stream})
	}
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read queue %s: %w", stream, err)
	}
	var out []chorus.Entry
	for _, st := range res {
		out = append(out, s.entries(ctx, st.Stream, st.Messages)...)
	}
	return out, nil
}

// blockArg maps a wait to go-redis's Block (where 0 means for ever and a
// negative value means no BLOCK).
func blockArg(wait time.Duration) time.Duration {
	if wait < time.Millisecond {
		return -1
	}
	return wait
}

// repairGroups recreates missing consumer groups (a stream deleted behind
// the store's back).
func (s *Store) repairGroups(ctx context.Context, streams []string) error {
	for _, st := range streams {
		if err := s.ensureGroup(ctx, st); err != nil {
			return fmt.Errorf("read: %w", err)
		}
	}
	return nil
}

// decodePost reads a post's JSON (as encoding/json wrote it) with
// goccy/go-json, four times faster than encoding/json on the read path that
// every queued post takes; TestDecodePostMatchesStd holds them equal.
func decodePost(s string, p *chorus.Post) error {
	return gojson.Unmarshal([]byte(s), p)
}

// entries turns stream messages into entries. A message that holds no
// readable post can never be tallied: it is logged, acked and deleted.
func (s *Store) entries(ctx context.Context, stream string, msgs []goredis.XMessage) []chorus.Entry {
	out := make([]chorus.Entry, 0, len(msgs))
	var bad []string
	for _, m := range msgs {
		v, _ := m.Values[entryField].(string)
		var e chorus.Entry
		if err := decodePost(v, &e.Post); err != nil || v == "" {
			s.log.Error("dropping unreadable queue entry", "stream", stream, "entry", m.ID, "err", err)
			bad = append(bad, m.ID)
			continue
		}
		e.Ref = m.ID
		out = append(out, e)
	}
	if len(bad) > 0 {
		if err := s.rdb.XAck(ctx, stream, group, bad...).Err(); err != nil {
			s.log.Error("ack unreadable entries", "stream", stream, "err", err)
		}
		if err := s.rdb.XDel(ctx, stream, bad...).Err(); err != nil {
			s.log.Error("delete unreadable entries", "stream", stream, "err", err)
		}
	}
	return out
}
