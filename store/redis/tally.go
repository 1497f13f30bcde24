package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/chorus-news/chorus"
)

// Tally records the items' sentiment, counts each post once and acks the
// queue entries: one Lua call per shard of an event. A queue entry (a
// submitted batch) is acknowledged by the call that tallies the last of
// its posts, so a caller may tally an entry's posts over several calls.
func (s *Store) Tally(ctx context.Context, items []chorus.Entry) (_ int, err error) {
	defer func() { err = classify(err) }()
	// Group by event and shard, keeping order.
	type part struct {
		event string
		shard int
	}
	var order []part
	byPart := map[part][]int{}
	shardsOf := map[string]int{}
	for i := range items {
		ev := items[i].Post.Event
		n, ok := shardsOf[ev]
		if !ok {
			if err := chorus.ValidateEventID(ev); err != nil {
				return 0, fmt.Errorf("tally: item %d (%s): %w", i, items[i].Post.Key(), err)
			}
			if n, err = s.exists(ctx, ev); err != nil {
				return 0, fmt.Errorf("tally: %w", err)
			}
			shardsOf[ev] = n
		}
		pt := part{ev, shardOf(items[i].Post.Key(), n)}
		if r, ok := parseRef(items[i].Ref); ok {
			pt.shard = r.shard
		}
		if _, ok := byPart[pt]; !ok {
			order = append(order, pt)
		}
		byPart[pt] = append(byPart[pt], i)
	}
	if len(order) == 1 {
		return s.tallyShard(ctx, order[0].event, order[0].shard, items, byPart[order[0]], group)
	}
	// Shards live in different slots (on a Cluster, on different nodes):
	// their steps run at once.
	counts := make([]int, len(order))
	var g errgroup.Group
	for i, pt := range order {
		g.Go(func() error {
			n, err := s.tallyShard(ctx, pt.event, pt.shard, items, byPart[pt], group)
			counts[i] = n
			return err
		})
	}
	err = g.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, err
}

// partialEntry is a queue entry some of whose posts this process has
// tallied: which ones, so that the call tallying the last acks it.
type partialEntry struct {
	done []bool
	at   time.Time
}

// acks works out which queue entries the tally of items[idx] completes,
// counting those tallied earlier in part, and returns them with a commit
// function that records the partial ones once the tally succeeded.
func (s *Store) acks(event string, shard int, items []chorus.Entry, idx []int) ([]string, func()) {
	type seen struct {
		n    int
		have map[int]bool
	}
	cur := map[string]*seen{}
	var order []string
	for _, i := range idx {
		r, ok := parseRef(items[i].Ref)
		if !ok {
			continue
		}
		e := cur[r.id]
		if e == nil {
			e = &seen{n: r.n, have: map[int]bool{}}
			cur[r.id] = e
			order = append(order, r.id)
		}
		e.have[r.i] = true
	}
	if len(order) == 0 {
		return nil, func() {}
	}
	prefix := shardTag(event, shard) + "/"
	var ids []string
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range order {
		e := cur[id]
		done := len(e.have)
		if p := s.partial[prefix+id]; p != nil {
			for i, d := range p.done {
				if d && !e.have[i] {
					done++
				}
			}
		}
		if done >= e.n {
			ids = append(ids, id)
		}
	}
	commit := func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, id := range order {
			e := cur[id]
			key := prefix + id
			if slices.Contains(ids, id) {
				delete(s.partial, key)
				continue
			}
			p := s.partial[key]
			if p == nil {
				p = &partialEntry{done: make([]bool, e.n)}
				s.partial[key] = p
			}
			p.at = time.Now()
			for i := range e.have {
				if i < len(p.done) {
					p.done[i] = true
				}
			}
		}
		// Forget what no one finished long ago (its entry went to
		// another consumer and was tallied there).
		if len(s.partial) > 1000 {
			for k, p := range s.partial {
				if time.Since(p.at) > forgetAfter*s.opts.ClaimIdle {
					delete(s.partial, k)
				}
			}
		}
	}
	return ids, commit
}

// kind is what a post is counted under: posts of one kind bump the same
// counters, so tally.lua adds them up per kind (and per kind and minute for
// the buckets, which it derives from created_at).
type kind struct {
	pi, li int
	lang   string
}

// Field counts of tally.lua's ARGV: per kind and per item.
const (
	kindFields = 9
	itemFields = 3
)

// SubmitScored stores and tallies the new posts of a batch that the caller
// has scored, in one Lua call per shard: what Submit and a worker's Tally
// do together, without the queue between them. A post already stored
// (tallied, or queued for a worker, which counts it then) is a duplicate,
// as in Submit. An importer that scores in-process takes this path: it
// saves Redis the stream entry, the read and the ack, about half its work
// per post.
func (s *Store) SubmitScored(ctx context.Context, event string, posts []chorus.Post) (res chorus.SubmitResult, err error) {
	defer func() { err = classify(err) }()
	shards, err := s.exists(ctx, event)
	if err != nil {
		return res, fmt.Errorf("submit: %w", err)
	}
	if len(posts) == 0 {
		return res, nil
	}
	items := make([]chorus.Entry, len(posts))
	byShard := make([][]int, shards)
	for i := range posts {
		items[i].Post = posts[i]
		items[i].Post.Event = event
		sh := shardOf(posts[i].Key(), shards)
		byShard[sh] = append(byShard[sh], i)
	}
	counts := make([]int, shards)
	var g errgroup.Group
	for sh, idx := range byShard {
		if len(idx) == 0 {
			continue
		}
		g.Go(func() error {
			n, err := s.tallyShard(ctx, event, sh, items, idx, "")
			counts[sh] = n
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return res, err
	}
	for _, n := range counts {
		res.Accepted += n
	}
	res.Duplicates = len(posts) - res.Accepted
	return res, nil
}

// tallyShard runs tally.lua over items[idx] of one shard of an event.
// group is the consumer group whose entries it acks, or "" for posts that
// come straight from SubmitScored.
func (s *Store) tallyShard(ctx context.Context, event string, shard int, items []chorus.Entry, idx []int, group string) (int, error) {
	k := s.keys(event, shard)
	nP, nL := len(chorus.Platforms), len(chorus.Labels)
	ks := make([]string, 0, 7+nP+nP*nL)
	ks = append(ks, k.posts, k.queue, k.counts, k.buckets[0], k.buckets[1], k.buckets[2], k.top)
	ks = append(ks, k.topP...)
	ks = append(ks, k.timePL...)
	const topPBase = 8 // KEYS position (1-based) of topP[0]; timePL[0] follows topP
	// The version keys the script moves when it counts something: the
	// shard's, and on one server (where a script may touch any key) the
	// one of all events.
	ks = append(ks, k.ver)
	if !s.cluster {
		ks = append(ks, versionKey)
	}
	nV := len(ks) - (7 + nP + nP*nL)

	var ackIDs []string
	commit := func() {}
	if group != "" {
		ackIDs, commit = s.acks(event, shard, items, idx)
	}
	// The kind of each item, then the items kind by kind (tally.lua takes
	// them so, with each kind's count: no kind argument per item).
	kinds := map[kind]int{} // → 1-based kind number
	kindArgs := make([]any, 0, 4*kindFields)
	num := make([]int, len(idx))
	var perKind []int
	for j, i := range idx {
		p := &items[i].Post
		label := chorus.Unscored
		if p.Sentiment != nil {
			label = p.Sentiment.Label
		}
		pi, li := platformIndex(p.Platform), labelIndex(label)
		if pi < 0 {
			return 0, fmt.Errorf("tally %s: post %s: %w", event, p.Key(), &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q", p.Platform)})
		}
		if li < 0 {
			return 0, fmt.Errorf("tally %s: post %s: %w", event, p.Key(), &chorus.FieldError{Field: "sentiment.label", Reason: fmt.Sprintf("unknown label %q", label)})
		}
		kd := kind{pi: pi, li: li, lang: p.Lang}
		if kd.lang == "" {
			kd.lang = noLang
		}
		c, ok := kinds[kd]
		if !ok {
			c = len(kinds) + 1
			kinds[kd] = c
			pl, l := string(p.Platform), string(label)
			kindArgs = append(kindArgs,
				topPBase+nP+pi*nL+li, topPBase+pi,
				"l|"+l, "p|"+pl, "g|"+kd.lang, "pl|"+pl+"|"+l, "pg|"+pl+"|"+kd.lang, "|"+pl+"|"+l, 0)
			perKind = append(perKind, 0)
		}
		num[j] = c
		perKind[c-1]++
	}
	for c, k := range perKind {
		kindArgs[c*kindFields+kindFields-1] = k
	}
	// Positions in idx, kind by kind (a counting sort).
	start := make([]int, len(perKind)+1)
	for c, k := range perKind {
		start[c+1] = start[c] + k
	}
	order := make([]int, len(idx))
	for j, c := range num {
		order[start[c-1]] = j
		start[c-1]++
	}
	itemArgs := make([]any, 0, itemFields*len(idx))
	blob := newPostLines(len(idx)) // the posts' final JSON
	for _, j := range order {
		p := items[idx[j]].Post
		if p.Sentiment == nil {
			p.Sentiment = &chorus.Sentiment{Label: chorus.Unscored}
		}
		if err := blob.add(&p); err != nil {
			return 0, fmt.Errorf("tally %s: post %s: %w", event, p.Key(), err)
		}
		itemArgs = append(itemArgs, p.Key(), p.CreatedAt.UnixMilli(), p.Metrics.Engagement())
	}
	args := make([]any, 0, 7+len(ackIDs)+len(kindArgs)+len(itemArgs))
	args = append(args, s.opts.TopN, group, nP, len(kinds), len(ackIDs), blob.bytes(), nV)
	for _, id := range ackIDs {
		args = append(args, id)
	}
	args = append(args, kindArgs...)
	args = append(args, itemArgs...)
	n, err := s.lua.tally.Run(ctx, s.rdb, ks, args...).Int()
	blob.release()
	if err != nil {
		return 0, fmt.Errorf("tally %d posts of %s: %w", len(idx), event, err)
	}
	commit()
	if len(ackIDs) > 0 {
		s.remember(k.queue, ackIDs)
	}
	if n > 0 && s.cluster {
		// The version of all events lives in a slot of its own.
		if err := s.rdb.Incr(context.WithoutCancel(ctx), versionKey).Err(); err != nil {
			s.log.Warn("bump version", "event", event, "err", err)
		}
	}
	return n, nil
}

// ackedFor is how long this process remembers the entries it acked, for
// TalliedHere.
const ackedFor = 30 * time.Second

// remember notes queue entries this process acked.
func (s *Store) remember(stream string, ids []string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		s.acked[stream+"/"+id] = now
	}
	if len(s.acked) > 20_000 {
		for k, at := range s.acked {
			if now.Sub(at) > ackedFor {
				delete(s.acked, k)
			}
		}
	}
}

// Correct sets a tallied post's label by hand; counters, buckets and label
// indexes move in one Lua call.
func (s *Store) Correct(ctx context.Context, event string, platform chorus.Platform, id string, label chorus.Label, note string) (_ chorus.Post, err error) {
	defer func() { err = classify(err) }()
	if labelIndex(label) < 0 {
		return chorus.Post{}, fmt.Errorf("correct: %w", &chorus.FieldError{Field: "label", Reason: fmt.Sprintf("unknown label %q", label)})
	}
	if len(note) > chorus.MaxFieldBytes {
		return chorus.Post{}, fmt.Errorf("correct: %w", &chorus.FieldError{Field: "note", Reason: fmt.Sprintf("%d bytes, over the %d byte limit", len(note), chorus.MaxFieldBytes)})
	}
	shards, err := s.exists(ctx, event)
	if err != nil {
		return chorus.Post{}, fmt.Errorf("correct: %w", err)
	}
	key := string(platform) + ":" + id
	k := s.keys(event, shardOf(key, shards))
	for range 10 {
		old, err := s.rdb.HGet(ctx, k.posts, key).Result()
		if errors.Is(err, goredis.Nil) {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: %w", key, event, chorus.ErrNotFound)
		}
		if err != nil {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: %w", key, event, err)
		}
		if placeholder(old) {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: not tallied yet: %w", key, event, chorus.ErrNotFound)
		}
		var p chorus.Post
		if err := json.Unmarshal([]byte(old), &p); err != nil {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: stored post: %w", key, event, err)
		}
		if p.Sentiment == nil {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: not tallied yet: %w", key, event, chorus.ErrNotFound)
		}
		was := p.Sentiment.Label
		if platformIndex(p.Platform) < 0 || labelIndex(was) < 0 {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: stored post has platform %q, label %q", key, event, p.Platform, was)
		}
		sent := *p.Sentiment
		sent.Label, sent.Corrected, sent.Note = label, true, note
		p.Sentiment = &sent
		b, err := json.Marshal(&p)
		if err != nil {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: %w", key, event, err)
		}
		t := p.CreatedAt
		pl := string(p.Platform)
		r, err := s.lua.correct.Run(ctx, s.rdb,
			[]string{k.posts, k.counts, k.buckets[0], k.buckets[1], k.buckets[2],
				k.timeIndexes(p.Platform, was)[0], k.timeIndexes(p.Platform, label)[0]},
			key, old, b, pl, string(was), string(label),
			chorus.Minute.Truncate(t).Unix(), chorus.Hour.Truncate(t).Unix(), chorus.Day.Truncate(t).Unix(),
			strconv.FormatInt(t.UnixMilli(), 10)).Int()
		if err != nil {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: %w", key, event, err)
		}
		switch r {
		case -1:
			return chorus.Post{}, fmt.Errorf("correct %s in %s: not tallied yet: %w", key, event, chorus.ErrNotFound)
		case 1:
			s.bump(ctx, event)
			return p, nil
		}
		// The post changed between the read and the script: read again.
	}
	return chorus.Post{}, fmt.Errorf("correct %s in %s: the post kept changing: %w", key, event, chorus.ErrConflict)
}
