package redis

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

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
	//go:embed lua/split.lua
	splitLua string
	//go:embed lua/dead.lua
	deadLua string
	//go:embed lua/retry.lua
	retryLua string
	//go:embed lua/tallied.lua
	talliedLua string
)

// scripts are the Lua scripts, run by EVALSHA (EVAL when not loaded yet).
type scripts struct {
	submit, tally, correct, page, forget, split, dead, retry, tallied *goredis.Script
}

func newScripts() scripts {
	return scripts{
		submit:  goredis.NewScript(submitLua),
		tally:   goredis.NewScript(tallyLua),
		correct: goredis.NewScript(correctLua),
		page:    goredis.NewScript(pageLua),
		forget:  goredis.NewScript(forgetLua),
		split:   goredis.NewScript(splitLua),
		dead:    goredis.NewScript(deadLua),
		retry:   goredis.NewScript(retryLua),
		tallied: goredis.NewScript(talliedLua),
	}
}

// How Read finds new events, and the longest single blocking read. Events
// are only ever added, so the registry's length says whether one came: Read
// asks for it (one HLEN) every lookEvery and reads the registry again when
// it grew, or every refreshEvery whatever it says. A blocking read watches
// the queues known when it began, so its step bounds how long the first
// posts of an event created by another process wait: a read that comes
// back empty after maxBlockStep costs Redis next to nothing.
const (
	lookEvery    = 50 * time.Millisecond
	refreshEvery = 5 * time.Second
	maxBlockStep = 100 * time.Millisecond
	// On a Cluster a blocking read watches one stream: keep it short so
	// that posts of other events wait little.
	clusterBlockStep = 100 * time.Millisecond
)

// busyWait is the wait a *chorus.BusyError names when a queue is at its cap.
const busyWait = time.Second

// stream is the queue of one shard of an event.
type stream struct {
	event string
	shard int
	key   string
}

// Submit stores the new posts of a batch and queues them: one Lua call per
// shard the batch touches, each atomic, the new posts of each queued as
// one stream entry. Past the event's queue cap it stores nothing and fails
// with a *chorus.BusyError.
func (s *Store) Submit(ctx context.Context, event string, posts []chorus.Post) (res chorus.SubmitResult, err error) {
	defer func() { err = classify(err) }()
	n, err := s.exists(ctx, event)
	if err != nil {
		return res, fmt.Errorf("submit: %w", err)
	}
	if len(posts) == 0 {
		return res, nil
	}
	limit := s.opts.QueueCap
	if limit > 0 {
		limit = max(1, (limit+int64(n)-1)/int64(n)) // the event's cap, shared by its shards
	}
	// Per shard: the cap, the posts' JSON as lines in one argument, then
	// their keys (submit.lua).
	args := make([][]any, n)
	blobs := make([]*postLines, n)
	for i := range posts {
		p := posts[i] // a copy: the caller's slice stays as it was
		p.Event = event
		key := p.Key()
		sh := shardOf(key, n)
		if args[sh] == nil {
			per := len(posts)/n + 1
			args[sh] = make([]any, 2, 2+per)
			args[sh][0] = limit
			blobs[sh] = newPostLines(per)
		}
		args[sh] = append(args[sh], key)
		if err := blobs[sh].add(&p); err != nil {
			return res, fmt.Errorf("submit to %s: post %s: %w", event, key, err)
		}
	}
	for sh := range args {
		if args[sh] != nil {
			args[sh][1] = blobs[sh].bytes()
		}
	}
	type result struct {
		accepted, duplicates int64
		id                   string
	}
	results := make([]*result, n)
	g, gctx := errgroup.WithContext(ctx)
	for sh := range n {
		if args[sh] == nil {
			continue
		}
		g.Go(func() error {
			k := s.keys(event, sh)
			r, err := s.lua.submit.Run(gctx, s.rdb, []string{k.posts, k.queue, k.counts}, args[sh]...).Slice()
			if err != nil {
				return fmt.Errorf("submit %d posts to %s: %w", len(args[sh])-2, event, err)
			}
			var res result
			if len(r) >= 2 {
				res.accepted, _ = r[0].(int64)
				res.duplicates, _ = r[1].(int64)
			}
			if len(r) == 3 {
				res.id, _ = r[2].(string)
			}
			if len(r) < 2 || len(r) > 3 {
				return fmt.Errorf("submit to %s: script answered %v", event, r)
			}
			results[sh] = &res
			return nil
		})
	}
	err = g.Wait()
	for _, b := range blobs {
		if b != nil {
			b.release()
		}
	}
	if err != nil {
		return res, err
	}
	var tickets []string
	for sh, r := range results {
		if r == nil {
			continue
		}
		if r.accepted < 0 {
			return res, fmt.Errorf("submit to %s: %w", event, &chorus.BusyError{Wait: busyWait,
				Reason: fmt.Sprintf("event %s has about %d posts queued, at its cap of %d (--queue-cap)", event, r.duplicates*int64(n), s.opts.QueueCap)})
		}
		res.Accepted += int(r.accepted)
		res.Duplicates += int(r.duplicates)
		if r.id != "" {
			tickets = append(tickets, strconv.Itoa(sh)+"/"+r.id)
		}
	}
	res.Ticket = strings.Join(tickets, ",")
	return res, nil
}

// TalliedHere says whether this process's own tallies acked every queue
// entry of ticket: no call to Redis, so a caller may ask it often (serve's
// pushes wait on the workers of the same process). false says nothing:
// another process's worker may have tallied them (ask Tallied).
func (s *Store) TalliedHere(event, ticket string) bool {
	if ticket == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range strings.SplitSeq(ticket, ",") {
		sh, id, ok := strings.Cut(t, "/")
		n, err := strconv.Atoi(sh)
		if !ok || err != nil || n < 0 || n >= chorus.MaxEventShards {
			return false
		}
		if _, ok := s.acked[s.keys(event, n).queue+"/"+id]; !ok {
			return false
		}
	}
	return true
}

// Tallied says whether the posts a Submit queued (its SubmitResult.Ticket)
// are all tallied, without reading them back.
func (s *Store) Tallied(ctx context.Context, event string, ticket string) (_ bool, err error) {
	defer func() { err = classify(err) }()
	if ticket == "" {
		return true, nil
	}
	byShard := map[int][]any{}
	for t := range strings.SplitSeq(ticket, ",") {
		sh, id, ok := strings.Cut(t, "/")
		n, err := strconv.Atoi(sh)
		if !ok || err != nil || n < 0 || n >= chorus.MaxEventShards {
			return false, fmt.Errorf("tallied: %w", &chorus.FieldError{Field: "ticket", Reason: fmt.Sprintf("not a ticket of this store: %q", t)})
		}
		byShard[n] = append(byShard[n], id)
	}
	for sh, ids := range byShard {
		ok, err := s.lua.tallied.Run(ctx, s.rdb, []string{s.keys(event, sh).queue}, append([]any{group}, ids...)...).Int()
		if err != nil {
			return false, fmt.Errorf("tallied of %s: %w", event, err)
		}
		if ok == 0 {
			return false, nil
		}
	}
	return true, nil
}

// Queued is how many posts of event wait for their tally.
func (s *Store) Queued(ctx context.Context, event string) (_ int64, err error) {
	defer func() { err = classify(err) }()
	n, err := s.exists(ctx, event)
	if err != nil {
		return 0, fmt.Errorf("queued: %w", err)
	}
	vals, err := s.shardFields(ctx, event, n, "q")
	if err != nil {
		return 0, fmt.Errorf("queued of %s: %w", event, err)
	}
	var total int64
	for _, v := range vals {
		total += v
	}
	return total, nil
}

// shardFields reads one counter of every shard (0 when unset).
func (s *Store) shardFields(ctx context.Context, event string, n int, field string) ([]int64, error) {
	cmds := make([]*goredis.StringCmd, n)
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i := range n {
			cmds[i] = p.HGet(ctx, s.keys(event, i).counts, field)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return nil, err
	}
	out := make([]int64, n)
	for i, c := range cmds {
		v, err := c.Int64()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// Read hands consumer up to max queued posts across all events, waiting up
// to block when there are none. Entries another consumer read and did not
// tally within ClaimIdle come first. A queue entry holds a batch of posts:
// what does not fit in max waits in this process for the consumer's next
// Read.
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
				return s.fit(consumer, out, max), err
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
			case <-time.After(min(wait, lookEvery)):
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
			return s.fit(consumer, out, max), err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

// fit hands out max entries and keeps the rest for the consumer's next Read.
func (s *Store) fit(consumer string, out []chorus.Entry, max int) []chorus.Entry {
	if len(out) <= max {
		return out
	}
	s.mu.Lock()
	s.pending[consumer] = append(s.pending[consumer], out[max:]...)
	s.mu.Unlock()
	return out[:max]
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

// queues lists the queue stream of every shard of every event: read again
// when the registry grew (looked at every lookEvery) and every
// refreshEvery.
func (s *Store) queues(ctx context.Context) ([]stream, error) {
	s.mu.Lock()
	fresh := !s.refreshed.IsZero() && time.Since(s.refreshed) < refreshEvery
	if fresh && time.Since(s.looked) < lookEvery {
		defer s.mu.Unlock()
		return s.streams, nil
	}
	s.mu.Unlock()
	if fresh {
		n, err := s.rdb.HLen(ctx, registryKey).Result()
		if err != nil {
			return nil, fmt.Errorf("read: count events: %w", err)
		}
		s.mu.Lock()
		if n == int64(s.events) {
			defer s.mu.Unlock()
			s.looked = time.Now()
			return s.streams, nil
		}
		s.mu.Unlock()
	}
	all, err := s.rdb.HGetAll(ctx, registryKey).Result()
	if err != nil {
		return nil, fmt.Errorf("read: list events: %w", err)
	}
	ids := make([]string, 0, len(all))
	for id := range all {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var streams []stream
	for _, id := range ids {
		var rec registered
		if err := json.Unmarshal([]byte(all[id]), &rec); err != nil {
			s.log.Error("unreadable event definition", "event", id, "err", err)
			continue
		}
		l := rec.layout()
		s.known.Store(id, l)
		for sh, tag := range l {
			streams = append(streams, stream{event: id, shard: sh, key: tagKeys(tag).queue})
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.streams, s.events = streams, len(all)
	s.refreshed, s.looked = time.Now(), time.Now()
	return streams, nil
}

// count is the XREADGROUP COUNT that brings about max posts, by the moving
// average of posts per entry (an entry holds one submitted batch).
func (s *Store) count(n int) int64 {
	s.mu.Lock()
	per := s.perEntry
	s.mu.Unlock()
	if per < 1 {
		per = 1
	}
	return int64(max(1, min(n, int(float64(n)/per+0.5))))
}

// observe feeds the posts-per-entry average.
func (s *Store) observe(entries, posts int) {
	if entries == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	per := float64(posts) / float64(entries)
	if s.perEntry == 0 {
		s.perEntry = per
	} else {
		s.perEntry = 0.7*s.perEntry + 0.3*per
	}
}

// claim takes over entries idle longer than ClaimIdle, when a claim round is
// due (at start and then every ClaimIdle/2). Entries whose reader died come
// back as they were. An entry delivered twice without a tally is suspect:
// one holding several posts is split into one entry per post, and a
// suspect single post is handed out alone, so that one post no worker gets
// through fails by itself; delivered MaxDeliveries times, it moves to the
// dead letters (triage).
func (s *Store) claim(ctx context.Context, consumer string, streams []stream, max int) ([]chorus.Entry, error) {
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
	again := false // look again at the next Read rather than in ClaimIdle/2
	for _, st := range streams {
		plain, suspects, err := s.triage(ctx, st)
		if err != nil {
			return out, err
		}
		for len(plain) > 0 && len(out) < max {
			take := plain[:min(len(plain), int(s.count(max-len(out))))]
			plain = plain[len(take):]
			msgs, err := s.rdb.XClaim(ctx, &goredis.XClaimArgs{
				Stream: st.key, Group: group, Consumer: consumer, MinIdle: s.opts.ClaimIdle, Messages: take,
			}).Result()
			if err != nil && !errors.Is(err, goredis.Nil) {
				return out, fmt.Errorf("read: claim idle entries of %s: %w", st.key, err)
			}
			out = append(out, s.entries(ctx, st, msgs)...)
		}
		if len(plain) > 0 || len(suspects) > 0 {
			again = true
		}
		if len(out) == 0 && len(suspects) > 0 {
			msgs, err := s.rdb.XClaim(ctx, &goredis.XClaimArgs{
				Stream: st.key, Group: group, Consumer: consumer, MinIdle: s.opts.ClaimIdle, Messages: suspects[:1],
			}).Result()
			if err != nil && !errors.Is(err, goredis.Nil) {
				return out, fmt.Errorf("read: claim a suspect entry of %s: %w", st.key, err)
			}
			if out = s.entries(ctx, st, msgs); len(out) > 0 {
				break // a suspect goes alone
			}
		}
		if len(out) >= max {
			break
		}
	}
	if again {
		s.mu.Lock()
		s.claimed = time.Time{}
		s.mu.Unlock()
	}
	if len(out) > 0 {
		s.log.Info("claimed idle entries", "consumer", consumer, "posts", len(out))
	}
	keys := make([]string, len(streams))
	for i, st := range streams {
		keys[i] = st.key
	}
	s.forgetConsumers(ctx, keys)
	return out, nil
}

// triage sorts the entries of st idle past ClaimIdle: one delivered
// MaxDeliveries times or more goes to the dead letters; one delivered twice
// or more is split when it holds several posts (its posts come back as new
// entries) and is a suspect when it holds one; the others are plain
// (their reader died) and are claimed as they are.
func (s *Store) triage(ctx context.Context, st stream) (plain, suspects []string, err error) {
	pend, err := s.rdb.XPendingExt(ctx, &goredis.XPendingExtArgs{
		Stream: st.key, Group: group, Idle: s.opts.ClaimIdle, Start: "-", End: "+", Count: 1000,
	}).Result()
	if goredis.HasErrorPrefix(err, "NOGROUP") || errors.Is(err, goredis.Nil) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read: pending entries of %s: %w", st.key, err)
	}
	var dead []any
	var twice []string
	for _, p := range pend {
		switch {
		case p.RetryCount >= int64(s.opts.MaxDeliveries):
			dead = append(dead, p.ID, fmt.Sprintf("delivered %d times without a tally (last to %s)", p.RetryCount, p.Consumer))
		case p.RetryCount >= 2:
			twice = append(twice, p.ID)
		default:
			plain = append(plain, p.ID)
		}
	}
	k := s.keys(st.event, st.shard)
	if len(dead) > 0 {
		n, err := s.lua.dead.Run(ctx, s.rdb, []string{k.posts, k.queue, k.counts, k.dlq},
			append([]any{group, time.Now().UnixMilli()}, dead...)...).Int()
		if err != nil {
			return nil, nil, fmt.Errorf("read: move entries of %s to the dead letters: %w", st.key, err)
		}
		s.log.Warn("posts moved to the dead letters", "event", st.event, "posts", n, "reason", dead[1])
	}
	if len(twice) > 0 {
		args := []any{group}
		for _, id := range twice {
			args = append(args, id)
		}
		split, err := s.lua.split.Run(ctx, s.rdb, []string{k.queue}, args...).StringSlice()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, nil, fmt.Errorf("read: split entries of %s: %w", st.key, err)
		}
		if len(split) > 0 {
			s.log.Info("split failing batches into single posts", "event", st.event, "entries", len(split))
		}
		for _, id := range twice {
			if !slices.Contains(split, id) {
				suspects = append(suspects, id)
			}
		}
	}
	return plain, suspects, nil
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

// readAll reads every stream in one XREADGROUP (a single node).
func (s *Store) readAll(ctx context.Context, consumer string, streams []stream, max int, wait time.Duration) ([]chorus.Entry, error) {
	args := make([]string, 0, 2*len(streams))
	byKey := make(map[string]stream, len(streams))
	for _, st := range streams {
		args = append(args, st.key)
		byKey[st.key] = st
	}
	for range streams {
		args = append(args, ">")
	}
	res, err := s.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: args, Count: s.count(max), Block: blockArg(wait),
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
	for _, r := range res {
		out = append(out, s.entries(ctx, byKey[r.Stream], r.Messages)...)
	}
	return out, nil
}

// readEach reads the streams of a Cluster (they live in different slots,
// so on different nodes): one XREADGROUP per stream without blocking, sent
// together in a pipeline that go-redis splits by node, starting at a
// rotating stream so that no event starves; it blocks on one stream only
// when a round found nothing.
func (s *Store) readEach(ctx context.Context, consumer string, streams []stream, max int, wait time.Duration) ([]chorus.Entry, error) {
	s.mu.Lock()
	first := s.rotate % len(streams)
	s.rotate++
	s.mu.Unlock()
	count := s.count(max)
	cmds := make([]*goredis.XStreamSliceCmd, len(streams))
	_, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i := range streams {
			st := streams[(first+i)%len(streams)]
			cmds[i] = p.XReadGroup(ctx, &goredis.XReadGroupArgs{
				Group: group, Consumer: consumer, Streams: []string{st.key, ">"}, Count: count, Block: -1,
			})
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) && !goredis.HasErrorPrefix(err, "NOGROUP") {
		return nil, fmt.Errorf("read queues: %w", err)
	}
	var out []chorus.Entry
	for i, c := range cmds {
		st := streams[(first+i)%len(streams)]
		res, err := c.Result()
		if goredis.HasErrorPrefix(err, "NOGROUP") {
			if err := s.repairGroups(ctx, []stream{st}); err != nil {
				return out, err
			}
			continue
		}
		if err != nil && !errors.Is(err, goredis.Nil) {
			return out, fmt.Errorf("read queue %s: %w", st.key, err)
		}
		for _, r := range res {
			out = append(out, s.entries(ctx, st, r.Messages)...)
		}
	}
	if len(out) > 0 || wait <= 0 {
		return out, nil
	}
	return s.readOne(ctx, consumer, streams[first], max, min(wait, clusterBlockStep))
}

func (s *Store) readOne(ctx context.Context, consumer string, st stream, max int, block time.Duration) ([]chorus.Entry, error) {
	res, err := s.rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{st.key, ">"}, Count: s.count(max), Block: blockArg(block),
	}).Result()
	if goredis.HasErrorPrefix(err, "NOGROUP") {
		return nil, s.repairGroups(ctx, []stream{st})
	}
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read queue %s: %w", st.key, err)
	}
	var out []chorus.Entry
	for _, r := range res {
		out = append(out, s.entries(ctx, st, r.Messages)...)
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
func (s *Store) repairGroups(ctx context.Context, streams []stream) error {
	for _, st := range streams {
		if err := s.ensureGroup(ctx, st.key); err != nil {
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

// postLines is posts' JSON, a line each ("\n" after every line), as
// submit.lua and tally.lua take them: encoded straight into one buffer
// sized for the batch, without a slice per post to copy and collect. The
// buffers are reused (release): a batch's is most of a megabyte, which Go
// would otherwise allocate and clear for every call.
type postLines struct {
	buf bytes.Buffer
	enc *gojson.Encoder
}

// lineGuess is about the bytes of one post's JSON line.
const lineGuess = 640

var linesPool = sync.Pool{New: func() any {
	l := &postLines{}
	l.enc = gojson.NewEncoder(&l.buf)
	return l
}}

func newPostLines(n int) *postLines {
	l := linesPool.Get().(*postLines)
	l.buf.Reset()
	l.buf.Grow(n * lineGuess)
	return l
}

// release hands the buffer back once nothing refers to its bytes (the
// script call that sent them has returned).
func (l *postLines) release() {
	if l.buf.Cap() <= maxPooledLines {
		linesPool.Put(l)
	}
}

// maxPooledLines bounds the buffers kept: a rare huge batch's is dropped.
const maxPooledLines = 8 << 20

// add appends p's line, written with goccy/go-json, which encoding/json
// reads back as the same post (TestDecodePostMatchesStd), in a fraction of
// the time, on the path every submitted and tallied post takes.
func (l *postLines) add(p *chorus.Post) error { return l.enc.Encode(p) }

// bytes is the lines so far.
func (l *postLines) bytes() []byte { return l.buf.Bytes() }

// ref names post i of the n in queue entry id of a shard: what Tally
// acknowledges once all n are tallied.
type ref struct {
	shard int
	id    string
	i, n  int
}

func (r ref) String() string { return fmt.Sprintf("%d/%s/%d/%d", r.shard, r.id, r.i, r.n) }

func parseRef(s string) (ref, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 4 {
		return ref{}, false
	}
	sh, err1 := strconv.Atoi(parts[0])
	i, err2 := strconv.Atoi(parts[2])
	n, err3 := strconv.Atoi(parts[3])
	if errors.Join(err1, err2, err3) != nil || parts[1] == "" || sh < 0 || i < 0 || n < 1 || i >= n {
		return ref{}, false
	}
	return ref{shard: sh, id: parts[1], i: i, n: n}, true
}

// entries turns stream messages into entries, one per post. An entry that
// holds a post that cannot be read can never be tallied whole: it goes to
// the dead letters at once.
func (s *Store) entries(ctx context.Context, st stream, msgs []goredis.XMessage) []chorus.Entry {
	out := make([]chorus.Entry, 0, len(msgs))
	var bad []any
	posts := 0
	for _, m := range msgs {
		lines := entryLines(m.Values)
		got := make([]chorus.Entry, 0, len(lines))
		var failed error
		for i, line := range lines {
			var e chorus.Entry
			if err := decodePost(line, &e.Post); err != nil || line == "" {
				failed = fmt.Errorf("post %d of %d: %v", i+1, len(lines), err)
				break
			}
			e.Post.Event = st.event
			e.Ref = ref{shard: st.shard, id: m.ID, i: i, n: len(lines)}.String()
			got = append(got, e)
		}
		if failed != nil || len(lines) == 0 {
			s.log.Error("unreadable queue entry: moving it to the dead letters", "stream", st.key, "entry", m.ID, "err", failed)
			bad = append(bad, m.ID, fmt.Sprintf("unreadable: %v", failed))
			continue
		}
		out = append(out, got...)
		posts += len(got)
	}
	s.observe(len(msgs), posts)
	if len(bad) > 0 {
		k := s.keys(st.event, st.shard)
		if err := s.lua.dead.Run(ctx, s.rdb, []string{k.posts, k.queue, k.counts, k.dlq}, append([]any{group, time.Now().UnixMilli()}, bad...)...).Err(); err != nil {
			s.log.Error("move unreadable entries to the dead letters", "stream", st.key, "err", err)
		}
	}
	return out
}

// entryLines are the posts' JSON of a stream entry: the lines of b (a
// batch), or p (one post, as older builds queued them).
func entryLines(v map[string]any) []string {
	if b, ok := v["b"].(string); ok {
		return strings.Split(b, "\n")
	}
	if p, ok := v["p"].(string); ok {
		return []string{p}
	}
	return nil
}
