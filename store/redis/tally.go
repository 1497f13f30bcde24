package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// Tally records the items' sentiment, counts each post once and acks the
// queue entries: one Lua call per event.
func (s *Store) Tally(ctx context.Context, items []chorus.Entry) (_ int, err error) {
	defer func() { err = classify(err) }()
	// Group by event, keeping order.
	var order []string
	byEvent := map[string][]int{}
	for i := range items {
		ev := items[i].Post.Event
		if _, ok := byEvent[ev]; !ok {
			if err := chorus.ValidateEventID(ev); err != nil {
				return 0, fmt.Errorf("tally: item %d (%s): %w", i, items[i].Post.Key(), err)
			}
			order = append(order, ev)
		}
		byEvent[ev] = append(byEvent[ev], i)
	}
	total := 0
	for _, ev := range order {
		n, err := s.tallyEvent(ctx, ev, items, byEvent[ev], group)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
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
	kindFields = 8
	itemFields = 6
)

// SubmitScored stores and tallies the new posts of a batch that the caller
// has scored, in one Lua call: what Submit and a worker's Tally do together,
// without the queue between them. A post already stored (tallied, or queued
// for a worker, which counts it then) is a duplicate, as in Submit. An
// importer that scores in-process takes this path: it saves Redis the
// stream entry, the read and the ack, about half its work per post.
func (s *Store) SubmitScored(ctx context.Context, event string, posts []chorus.Post) (res chorus.SubmitResult, err error) {
	defer func() { err = classify(err) }()
	if err := s.exists(ctx, event); err != nil {
		return res, fmt.Errorf("submit: %w", err)
	}
	if len(posts) == 0 {
		return res, nil
	}
	items := make([]chorus.Entry, len(posts))
	idx := make([]int, len(posts))
	for i := range posts {
		items[i].Post = posts[i]
		items[i].Post.Event = event
		idx[i] = i
	}
	n, err := s.tallyEvent(ctx, event, items, idx, "")
	if err != nil {
		return res, err
	}
	res.Accepted, res.Duplicates = n, len(posts)-n
	return res, nil
}

// tallyEvent runs tally.lua over items[idx] of one event. group is the
// consumer group whose entries it acks, or "" for posts that come straight
// from SubmitScored.
func (s *Store) tallyEvent(ctx context.Context, event string, items []chorus.Entry, idx []int, group string) (int, error) {
	k := eventKeys(event)
	nP, nL := len(chorus.Platforms), len(chorus.Labels)
	ks := make([]string, 0, 8+nP+nP*nL)
	ks = append(ks, k.posts, k.queue, k.tallied, k.counts, k.buckets[0], k.buckets[1], k.buckets[2], k.top)
	ks = append(ks, k.topP...)
	ks = append(ks, k.timePL...)
	const topPBase = 9 // KEYS position (1-based) of topP[0]; timePL[0] follows topP

	kinds := map[kind]int{} // → 1-based kind number
	kindArgs := make([]any, 0, 4*kindFields)
	itemArgs := make([]any, 0, itemFields*len(idx))
	for _, i := range idx {
		p := items[i].Post
		if p.Sentiment == nil {
			p.Sentiment = &chorus.Sentiment{Label: chorus.Unscored}
		}
		pi, li := platformIndex(p.Platform), labelIndex(p.Sentiment.Label)
		if pi < 0 {
			return 0, fmt.Errorf("tally %s: post %s: %w", event, p.Key(), &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q", p.Platform)})
		}
		if li < 0 {
			return 0, fmt.Errorf("tally %s: post %s: %w", event, p.Key(), &chorus.FieldError{Field: "sentiment.label", Reason: fmt.Sprintf("unknown label %q", p.Sentiment.Label)})
		}
		b, err := json.Marshal(&p)
		if err != nil {
			return 0, fmt.Errorf("tally %s: post %s: %w", event, p.Key(), err)
		}
		kd := kind{pi: pi, li: li, lang: p.Lang}
		if kd.lang == "" {
			kd.lang = noLang
		}
		num, ok := kinds[kd]
		if !ok {
			num = len(kinds) + 1
			kinds[kd] = num
			pl, l := string(p.Platform), string(p.Sentiment.Label)
			kindArgs = append(kindArgs,
				topPBase+nP+pi*nL+li, topPBase+pi,
				"l|"+l, "p|"+pl, "g|"+kd.lang, "pl|"+pl+"|"+l, "pg|"+pl+"|"+kd.lang, "|"+pl+"|"+l)
		}
		itemArgs = append(itemArgs, p.Key(), p.CreatedAt.UnixMilli(), num, p.Metrics.Engagement(), b, items[i].Ref)
	}
	args := make([]any, 0, 4+len(kindArgs)+len(itemArgs))
	args = append(args, s.opts.TopN, group, nP, len(kinds))
	args = append(args, kindArgs...)
	args = append(args, itemArgs...)
	n, err := s.lua.tally.Run(ctx, s.rdb, ks, args...).Int()
	if err != nil {
		return 0, fmt.Errorf("tally %d posts of %s: %w", len(idx), event, err)
	}
	if n > 0 {
		s.bump(ctx, event)
	}
	return n, nil
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
	if err := s.exists(ctx, event); err != nil {
		return chorus.Post{}, fmt.Errorf("correct: %w", err)
	}
	k := eventKeys(event)
	key := string(platform) + ":" + id
	for range 10 {
		old, err := s.rdb.HGet(ctx, k.posts, key).Result()
		if errors.Is(err, goredis.Nil) {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: %w", key, event, chorus.ErrNotFound)
		}
		if err != nil {
			return chorus.Post{}, fmt.Errorf("correct %s in %s: %w", key, event, err)
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
			[]string{k.posts, k.tallied, k.counts, k.buckets[0], k.buckets[1], k.buckets[2],
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
