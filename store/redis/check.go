package redis

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// tallies is every tally of one shard, as stored or as recounted from the
// stored posts.
type tallies struct {
	counts  map[string]int64            // the counters hash
	buckets [3]map[string]int64         // minute, hour, day
	zsets   map[string]map[string]int64 // index key → member → score (time indexes and top sets)
	posts   int64
}

func newTallies() *tallies {
	t := &tallies{counts: map[string]int64{}, zsets: map[string]map[string]int64{}}
	for i := range t.buckets {
		t.buckets[i] = map[string]int64{}
	}
	return t
}

func (t *tallies) zadd(key, member string, score int64) {
	z := t.zsets[key]
	if z == nil {
		z = map[string]int64{}
		t.zsets[key] = z
	}
	z[member] = score
}

// Check recounts the event's stored posts, shard by shard, and compares
// every tally with the recount: counters (total, labels, platforms,
// languages, their products, queued posts, folded reposts), the minute,
// hour and day buckets, the created_at indexes and the top lists. With
// repair it rewrites each shard's tallies from the recount, in one MULTI
// that fails (and is tried again) if a tally or submit touched the shard
// meanwhile. A check that keeps seeing the event change says so: run it
// while nothing is pushed.
func (s *Store) Check(ctx context.Context, event string, repair bool) (_ chorus.CheckReport, err error) {
	defer func() { err = classify(err) }()
	rep := chorus.CheckReport{Event: event, Drifts: []chorus.Drift{}}
	shards, err := s.exists(ctx, event)
	if err != nil {
		return rep, fmt.Errorf("check: %w", err)
	}
	for sh := range shards {
		var drifts []chorus.Drift
		var counted *tallies
		ok := false
		for range 5 {
			k := s.keys(event, sh)
			// The whole counters hash before and after, not the total
			// alone: a submit (queued), a dead letter, a correction or a
			// fold changes the tallies without a tally.
			var before, after map[string]string
			before, err = s.rdb.HGetAll(ctx, k.counts).Result()
			if err != nil {
				return rep, fmt.Errorf("check %s: %w", event, err)
			}
			counted, err = s.recount(ctx, event, sh, k)
			if err != nil {
				return rep, fmt.Errorf("check %s: %w", event, err)
			}
			var stored *tallies
			stored, err = s.storedTallies(ctx, k)
			if err != nil {
				return rep, fmt.Errorf("check %s: %w", event, err)
			}
			after, err = s.rdb.HGetAll(ctx, k.counts).Result()
			if err != nil {
				return rep, fmt.Errorf("check %s: %w", event, err)
			}
			if !maps.Equal(before, after) {
				continue // changed meanwhile: look again
			}
			drifts = compareTallies(stored, counted, k, sh, shards)
			ok = true
			break
		}
		if !ok {
			return rep, fmt.Errorf("check %s: %w", event, &chorus.BusyError{Wait: 5 * time.Second, Reason: "the event kept changing while it was recounted; check it while nothing is pushed"})
		}
		rep.Posts += counted.posts
		rep.Drifts = append(rep.Drifts, drifts...)
		if repair && len(drifts) > 0 {
			if err := s.rewrite(ctx, event, sh, s.keys(event, sh), counted); err != nil {
				return rep, fmt.Errorf("repair %s: %w", event, err)
			}
			s.bump(ctx, event)
			rep.Repaired = true
		}
	}
	return rep, nil
}

// recount rebuilds a shard's tallies from its posts hash (and the reposts
// hash, on shard 0).
func (s *Store) recount(ctx context.Context, event string, shard int, k keys) (*tallies, error) {
	t := newTallies()
	type top struct {
		member string
		eng    int64
	}
	tops := map[string][]top{}
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, k.posts, cursor, "", 1000).Result()
		if err != nil {
			return nil, err
		}
		for i := 0; i+1 < len(kv); i += 2 {
			key, v := kv[i], kv[i+1]
			if v == "q" {
				t.counts["q"]++
				continue
			}
			if v == "d" {
				continue
			}
			var p chorus.Post
			if err := decodePost(v, &p); err != nil {
				return nil, fmt.Errorf("post %s: %w", key, err)
			}
			if p.Sentiment == nil || platformIndex(p.Platform) < 0 || labelIndex(p.Sentiment.Label) < 0 {
				return nil, fmt.Errorf("post %s: stored without a platform or label it could be counted under", key)
			}
			t.posts++
			pl, l, lang := string(p.Platform), string(p.Sentiment.Label), p.Lang
			if lang == "" {
				lang = noLang
			}
			for _, f := range []string{"n", "l|" + l, "p|" + pl, "g|" + lang, "pl|" + pl + "|" + l, "pg|" + pl + "|" + lang} {
				t.counts[f]++
			}
			for i, b := range chorus.Buckets {
				t.buckets[i][strconv.FormatInt(b.Truncate(p.CreatedAt).Unix(), 10)+"|"+pl+"|"+l]++
			}
			t.zadd(k.timeIndexes(p.Platform, p.Sentiment.Label)[0], key, p.CreatedAt.UnixMilli())
			eng := p.Metrics.Engagement()
			tops[k.top] = append(tops[k.top], top{key, eng})
			tops[k.topIndex(p.Platform)] = append(tops[k.topIndex(p.Platform)], top{key, eng})
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	for idx, list := range tops {
		// The stored set keeps the TopN highest by (score, member).
		slices.SortFunc(list, func(a, b top) int {
			if c := cmp.Compare(b.eng, a.eng); c != 0 {
				return c
			}
			return strings.Compare(b.member, a.member)
		})
		for _, e := range list[:min(len(list), s.opts.TopN)] {
			t.zadd(idx, e.member, e.eng)
		}
	}
	if shard == 0 {
		all, err := s.rdb.HKeys(ctx, eventKey(event, "reposts")).Result()
		if err != nil {
			return nil, err
		}
		for _, key := range all {
			pl, _, _ := strings.Cut(key, ":")
			t.counts["r"]++
			t.counts["rp|"+pl]++
		}
	}
	return t, nil
}

// storedTallies reads a shard's tallies as they are.
func (s *Store) storedTallies(ctx context.Context, k keys) (*tallies, error) {
	t := newTallies()
	read := func(key string, into map[string]int64) error {
		all, err := s.rdb.HGetAll(ctx, key).Result()
		if err != nil {
			return err
		}
		for f, v := range all {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return fmt.Errorf("%s field %s: %w", key, f, err)
			}
			into[f] = n
		}
		return nil
	}
	if err := read(k.counts, t.counts); err != nil {
		return nil, err
	}
	for i := range t.buckets {
		if err := read(k.buckets[i], t.buckets[i]); err != nil {
			return nil, err
		}
	}
	for _, idx := range append(append([]string{k.top}, k.topP...), k.timePL...) {
		zs, err := s.rdb.ZRangeWithScores(ctx, idx, 0, -1).Result()
		if err != nil {
			return nil, err
		}
		for _, z := range zs {
			t.zadd(idx, z.Member.(string), int64(z.Score))
		}
	}
	return t, nil
}

// compareTallies names every difference, in a stable order.
func compareTallies(stored, counted *tallies, k keys, shard, shards int) []chorus.Drift {
	var out []chorus.Drift
	where := ""
	if shards > 1 {
		where = fmt.Sprintf(" (shard %d)", shard)
	}
	diff := func(what string, a, b map[string]int64, name func(string) string) {
		for _, f := range slices.Sorted(maps.Keys(union(a, b))) {
			if a[f] != b[f] {
				out = append(out, chorus.Drift{What: what + name(f) + where, Stored: a[f], Counted: b[f]})
			}
		}
	}
	diff("", stored.counts, counted.counts, counterName)
	for i, b := range chorus.Buckets {
		diff("timeline "+string(b)+" ", stored.buckets[i], counted.buckets[i], bucketName)
	}
	for _, idx := range append(append([]string{k.top}, k.topP...), k.timePL...) {
		a, b := stored.zsets[idx], counted.zsets[idx]
		name := strings.TrimPrefix(idx[strings.Index(idx, "}:")+2:], "")
		var missing, extra, moved int64
		for m, sc := range b {
			if have, ok := a[m]; !ok {
				missing++
			} else if have != sc {
				moved++
			}
		}
		for m := range a {
			if _, ok := b[m]; !ok {
				extra++
			}
		}
		if missing+extra+moved > 0 {
			out = append(out, chorus.Drift{
				What:   fmt.Sprintf("index %s%s: %d posts missing, %d not belonging, %d at the wrong score", name, where, missing, extra, moved),
				Stored: int64(len(a)), Counted: int64(len(b)),
			})
		}
	}
	return out
}

func union(a, b map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(a)+len(b))
	for k := range a {
		out[k] = 0
	}
	for k := range b {
		out[k] = 0
	}
	return out
}

// counterName spells a counters field the way the API names it.
func counterName(f string) string {
	kind, rest, _ := strings.Cut(f, "|")
	a, b, _ := strings.Cut(rest, "|")
	switch kind {
	case "n":
		return "total"
	case "q":
		return "queued"
	case "r":
		return "reposts_folded"
	case "l":
		return "by_label." + a
	case "p":
		return "by_platform." + a + ".total"
	case "g":
		return "by_lang." + a
	case "pl":
		return "by_platform." + a + ".by_label." + b
	case "pg":
		return "by_platform." + a + ".by_lang." + b
	case "rp":
		return "by_platform." + a + ".reposts_folded"
	}
	return f
}

// bucketName spells a bucket field "<unix s>|platform|label".
func bucketName(f string) string {
	parts := strings.Split(f, "|")
	if len(parts) != 3 {
		return f
	}
	sec, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return f
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339) + " " + parts[1] + " " + parts[2]
}

// rewrite replaces a shard's tallies with t, atomically, unless the shard's
// posts or counters changed since they were recounted.
func (s *Store) rewrite(ctx context.Context, event string, shard int, k keys, t *tallies) error {
	for range 5 {
		err := s.rdb.Watch(ctx, func(tx *goredis.Tx) error {
			again, err := s.recount(ctx, event, shard, k)
			if err != nil {
				return err
			}
			t = again
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.Del(ctx, k.tallyKeys()...)
				if len(t.counts) > 0 {
					p.HSet(ctx, k.counts, flatten(t.counts)...)
				}
				for i, b := range t.buckets {
					if len(b) > 0 {
						p.HSet(ctx, k.buckets[i], flatten(b)...)
					}
				}
				for idx, z := range t.zsets {
					members := make([]goredis.Z, 0, len(z))
					for m, sc := range z {
						members = append(members, goredis.Z{Score: float64(sc), Member: m})
					}
					for i := 0; i < len(members); i += 1000 {
						p.ZAdd(ctx, idx, members[i:min(i+1000, len(members))]...)
					}
				}
				return nil
			})
			return err
		}, k.posts, k.counts)
		if !errors.Is(err, goredis.TxFailedErr) {
			return err
		}
	}
	return &chorus.BusyError{Wait: 5 * time.Second, Reason: "the event kept changing while it was repaired; repair it while nothing is pushed"}
}

func flatten(m map[string]int64) []any {
	out := make([]any, 0, 2*len(m))
	for f, v := range m {
		out = append(out, f, v)
	}
	return out
}
