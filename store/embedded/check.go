package embedded

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// recount is an event's tallies rebuilt from its stored posts: what every
// counter, timeline row, time index and top list should hold.
type recount struct {
	posts    int64
	counters map[string]int64
	rows     map[string][4]int64        // timelineKey → counts by label
	indexes  map[string]map[string]bool // time index name → time keys
	tops     map[string][][]byte        // top list name → its keys, highest first
}

func (s *Store) recount(tx *bolt.Tx, event string, eb *bolt.Bucket) (*recount, error) {
	r := &recount{counters: map[string]int64{}, rows: map[string][4]int64{}, indexes: map[string]map[string]bool{}, tops: map[string][][]byte{}}
	posts, scores := eb.Bucket(bucketPosts), eb.Bucket(bucketScores)
	err := scores.ForEach(func(key, score []byte) error {
		rec := posts.Get(key)
		if rec == nil {
			return fmt.Errorf("post %s has a score but no record", key)
		}
		p, err := decodePost(event, rec, score)
		if err != nil {
			return fmt.Errorf("post %s: %w", key, err)
		}
		r.posts++
		pl, l, lang := p.Platform, p.Sentiment.Label, langOf(&p)
		for _, k := range []counterKey{ckTotal, labelCounter(l), platformCounter(pl), {"lang", lang, ""}, platformLabelCounter(pl, l), {"plang", string(pl), lang}} {
			r.counters[k.name()]++
		}
		for _, b := range chorus.Buckets {
			tk := timelineKey(b, pl, b.Truncate(p.CreatedAt))
			row := r.rows[tk]
			row[labelIndex(l)]++
			r.rows[tk] = row
		}
		name := string(timeIndex(pl, l))
		if r.indexes[name] == nil {
			r.indexes[name] = map[string]bool{}
		}
		r.indexes[name][string(appendTimeKey(nil, p.CreatedAt, key))] = true
		top := appendTopKey(nil, p.Metrics.Engagement(), p.CreatedAt, bytes.Clone(key))
		r.tops[topAll] = append(r.tops[topAll], top)
		r.tops[topPlatform(pl)] = append(r.tops[topPlatform(pl)], top)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for name, keys := range r.tops {
		slices.SortFunc(keys, func(x, y []byte) int { return bytes.Compare(y, x) })
		r.tops[name] = keys[:min(len(keys), s.topN)]
		r.counters[counterKey{"topn", name, ""}.name()] = int64(len(r.tops[name]))
	}
	// Queued: the event's entries in the shared queue.
	prefix := append([]byte(event), 0)
	if err := tx.Bucket(bucketQueue).ForEach(func(_, v []byte) error {
		if bytes.HasPrefix(v, prefix) {
			r.counters[ckQueued.name()]++
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if rb := eb.Bucket(bucketReposts); rb != nil {
		if err := rb.ForEach(func(k, _ []byte) error {
			pl, _, _ := strings.Cut(string(k), ":")
			r.counters[reposts().name()]++
			r.counters[platformReposts(chorus.Platform(pl)).name()]++
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// stored reads the event's tallies as readers see them: the write-behind
// pending entries count as moved (pending.go).
func stored(eb *bolt.Bucket) (*recount, error) {
	r := &recount{counters: map[string]int64{}, rows: map[string][4]int64{}, indexes: map[string]map[string]bool{}, tops: map[string][][]byte{}}
	if err := eb.Bucket(bucketCounters).ForEach(func(k, v []byte) error {
		if string(k) != ckPending.name() && string(k) != ckVersion.name() { // bookkeeping, not tallies
			r.counters[string(k)] = decodeInt(v)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := eb.Bucket(bucketTimeline).ForEach(func(k, v []byte) error {
		r.rows[string(k)] = decodeCounts(v)
		return nil
	}); err != nil {
		return nil, err
	}
	addIndex := func(name string, key []byte) {
		if r.indexes[name] == nil {
			r.indexes[name] = map[string]bool{}
		}
		r.indexes[name][string(key)] = true
	}
	if err := eb.Bucket(bucketIdx).ForEachBucket(func(name []byte) error {
		return eb.Bucket(bucketIdx).Bucket(name).ForEach(func(k, _ []byte) error {
			addIndex(string(name), k)
			return nil
		})
	}); err != nil {
		return nil, err
	}
	pend, err := readPending(eb, "", "")
	if err != nil {
		return nil, err
	}
	for _, e := range pend {
		addIndex(string(timeIndex(e.p, e.l)), e.key)
		at := time.Unix(minuteOf(e.key), 0).UTC()
		for _, b := range chorus.Buckets {
			tk := timelineKey(b, e.p, b.Truncate(at))
			row := r.rows[tk]
			row[labelIndex(e.l)]++
			r.rows[tk] = row
		}
	}
	if err := eb.Bucket(bucketTop).ForEachBucket(func(name []byte) error {
		c := eb.Bucket(bucketTop).Bucket(name).Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			r.tops[string(name)] = append(r.tops[string(name)], bytes.Clone(k))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// Check recounts the event's stored posts and compares every tally with the
// recount (counters, timeline rows, time indexes, top lists), in one read
// transaction. With repair it rebuilds them from the recount in one write
// transaction: a crash part way leaves the old tallies whole.
func (s *Store) Check(ctx context.Context, event string, repair bool) (chorus.CheckReport, error) {
	rep := chorus.CheckReport{Event: event, Drifts: []chorus.Drift{}}
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	check := func(tx *bolt.Tx) (*recount, error) {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return nil, err
		}
		want, err := s.recount(tx, event, eb)
		if err != nil {
			return nil, err
		}
		have, err := stored(eb)
		if err != nil {
			return nil, err
		}
		rep.Posts = want.posts
		rep.Drifts = append([]chorus.Drift{}, compare(have, want)...)
		return want, nil
	}
	if err := s.db.View(func(tx *bolt.Tx) error { _, err := check(tx); return err }); err != nil {
		return rep, fmt.Errorf("check event %s: %w", event, err)
	}
	if !repair || len(rep.Drifts) == 0 {
		return rep, nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		want, err := check(tx) // again, inside the write: what it rebuilds is exact
		if err != nil {
			return err
		}
		eb := tx.Bucket(eventBucketName(event))
		version := eb.Bucket(bucketCounters).Get([]byte(ckVersion.name()))
		if err := rebuild(eb, want); err != nil {
			return err
		}
		// The version survives the rebuild and moves: readers' caches
		// hold the drifted tallies.
		c := eb.Bucket(bucketCounters)
		if err := c.Put([]byte(ckVersion.name()), encodeInt(decodeInt(version))); err != nil {
			return err
		}
		return bumpVersion(tx, c)
	})
	if err != nil {
		return rep, fmt.Errorf("repair event %s: %w", event, err)
	}
	rep.Repaired = true
	return rep, nil
}

func compare(have, want *recount) []chorus.Drift {
	var out []chorus.Drift
	for _, k := range slices.Sorted(maps.Keys(unionKeys(have.counters, want.counters))) {
		if have.counters[k] != want.counters[k] {
			out = append(out, chorus.Drift{What: counterDisplay(k), Stored: have.counters[k], Counted: want.counters[k]})
		}
	}
	for _, k := range slices.Sorted(maps.Keys(unionKeys(have.rows, want.rows))) {
		h, w := have.rows[k], want.rows[k]
		for i, l := range chorus.Labels {
			if h[i] != w[i] {
				out = append(out, chorus.Drift{What: "timeline " + rowDisplay(k) + " " + string(l), Stored: h[i], Counted: w[i]})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(unionKeys(have.indexes, want.indexes))) {
		h, w := have.indexes[name], want.indexes[name]
		var missing, extra int64
		for k := range w {
			if !h[k] {
				missing++
			}
		}
		for k := range h {
			if !w[k] {
				extra++
			}
		}
		if missing+extra > 0 {
			out = append(out, chorus.Drift{What: fmt.Sprintf("index %s: %d posts missing, %d not belonging", name, missing, extra), Stored: int64(len(h)), Counted: int64(len(w))})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(unionKeys(have.tops, want.tops))) {
		h, w := have.tops[name], want.tops[name]
		if !slices.EqualFunc(h, w, bytes.Equal) {
			out = append(out, chorus.Drift{What: "index top " + name + ": not the top posts by engagement", Stored: int64(len(h)), Counted: int64(len(w))})
		}
	}
	return out
}

func unionKeys[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// counterDisplay spells a counter the way the API names it.
func counterDisplay(k string) string {
	parts := strings.Split(k, "/")
	switch {
	case k == "total", k == "queued":
		return k
	case k == "reposts":
		return "reposts_folded"
	case len(parts) == 2 && parts[0] == "label":
		return "by_label." + parts[1]
	case len(parts) == 2 && parts[0] == "platform":
		return "by_platform." + parts[1] + ".total"
	case len(parts) == 2 && parts[0] == "lang":
		return "by_lang." + parts[1]
	case len(parts) == 2 && parts[0] == "reposts":
		return "by_platform." + parts[1] + ".reposts_folded"
	case len(parts) == 3 && parts[0] == "pl":
		return "by_platform." + parts[1] + ".by_label." + parts[2]
	case len(parts) == 3 && parts[0] == "plang":
		return "by_platform." + parts[1] + ".by_lang." + parts[2]
	}
	return k
}

// rowDisplay spells a timeline key: granularity, start, platform.
func rowDisplay(k string) string {
	parts := strings.SplitN(k, "/", 3)
	if len(parts) != 3 || len(parts[2]) != 8 {
		return k
	}
	at := time.Unix(unsortable(binary.BigEndian.Uint64([]byte(parts[2]))), 0).UTC()
	return parts[0] + " " + at.Format(time.RFC3339) + " " + parts[1]
}

// rebuild replaces the event's tallies with want: counters, timeline, time
// indexes and top lists are written afresh, nothing is left pending.
func rebuild(eb *bolt.Bucket, want *recount) error {
	for _, name := range [][]byte{bucketCounters, bucketTimeline, bucketIdx, bucketTop, bucketPending} {
		if eb.Bucket(name) != nil {
			if err := eb.DeleteBucket(name); err != nil {
				return err
			}
		}
		if _, err := eb.CreateBucket(name); err != nil {
			return err
		}
	}
	c := eb.Bucket(bucketCounters)
	for k, v := range want.counters {
		if err := c.Put([]byte(k), encodeInt(v)); err != nil {
			return err
		}
	}
	tl := eb.Bucket(bucketTimeline)
	for k, row := range want.rows {
		if err := tl.Put([]byte(k), encodeCounts(row)); err != nil {
			return err
		}
	}
	for name, keys := range want.indexes {
		b, err := eb.Bucket(bucketIdx).CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		for k := range keys {
			if err := b.Put([]byte(k), nil); err != nil {
				return err
			}
		}
	}
	for name, keys := range want.tops {
		b, err := eb.Bucket(bucketTop).CreateBucket([]byte(name))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := b.Put(k, nil); err != nil {
				return err
			}
		}
	}
	return nil
}
