package embedded

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// undetermined is the language tally of a post whose language is not known
// (BCP 47 "und").
const undetermined = "und"

func langOf(p *chorus.Post) string {
	if p.Lang == "" {
		return undetermined
	}
	return p.Lang
}

// Counter, index and top-list names.
func labelCounter(l chorus.Label) string { return "label/" + string(l) }
func platformCounter(p chorus.Platform) string {
	return "platform/" + string(p)
}
func platformLabelCounter(p chorus.Platform, l chorus.Label) string {
	return "pl/" + string(p) + "/" + string(l)
}

const idxAll = "all"

func idxPlatform(p chorus.Platform) string { return "p/" + string(p) }
func idxLabel(l chorus.Label) string       { return "l/" + string(l) }
func idxPlatformLabel(p chorus.Platform, l chorus.Label) string {
	return "pl/" + string(p) + "/" + string(l)
}

// tallyTx is one event's part of a write transaction: counter and timeline
// deltas are summed in memory and each written once by flush.
type tallyTx struct {
	posts, counters, timeline, idx, top *bolt.Bucket
	topN                                int64
	deltas                              map[string]int64
	rows                                map[string][4]int64
	indexes                             map[string]*bolt.Bucket
	tops                                map[string]*topList
}

func newTallyTx(eb *bolt.Bucket, topN int) *tallyTx {
	return &tallyTx{
		posts:    eb.Bucket(bucketPosts),
		counters: eb.Bucket(bucketCounters),
		timeline: eb.Bucket(bucketTimeline),
		idx:      eb.Bucket(bucketIdx),
		top:      eb.Bucket(bucketTop),
		topN:     int64(topN),
		deltas:   map[string]int64{},
		rows:     map[string][4]int64{},
		indexes:  map[string]*bolt.Bucket{},
		tops:     map[string]*topList{},
	}
}

// add tallies p unless it was tallied before; it reports whether it did.
func (t *tallyTx) add(a *arena, p *chorus.Post) (bool, error) {
	start := len(a.buf)
	a.buf = append(a.buf, p.Platform...)
	a.buf = append(a.buf, ':')
	a.buf = append(a.buf, p.ID...)
	key := a.take(start)
	if recordTallied(t.posts.Get(key)) {
		return false, nil
	}
	start = len(a.buf)
	a.buf = appendRecord(a.buf, p, true)
	if err := t.posts.Put(key, a.take(start)); err != nil {
		return false, err
	}

	pl, l, lang := p.Platform, p.Sentiment.Label, langOf(p)
	t.deltas["total"]++
	t.deltas[labelCounter(l)]++
	t.deltas[platformCounter(pl)]++
	t.deltas["lang/"+lang]++
	t.deltas[platformLabelCounter(pl, l)]++
	t.deltas["plang/"+string(pl)+"/"+lang]++
	li := labelIndex(l)
	for _, b := range chorus.Buckets {
		k := timelineKey(b, pl, b.Truncate(p.CreatedAt))
		row := t.rows[k]
		row[li]++
		t.rows[k] = row
	}

	start = len(a.buf)
	a.buf = appendTimeKey(a.buf, p.CreatedAt, key)
	tk := a.take(start)
	for _, name := range []string{idxAll, idxPlatform(pl), idxLabel(l), idxPlatformLabel(pl, l)} {
		b, err := t.index(name)
		if err != nil {
			return false, err
		}
		if err := b.Put(tk, nil); err != nil {
			return false, err
		}
	}

	start = len(a.buf)
	a.buf = appendTopKey(a.buf, p.Metrics.Engagement(), p.CreatedAt, key)
	topKey := a.take(start)
	for _, name := range []string{idxAll, idxPlatform(pl)} {
		tl, err := t.topList(name)
		if err != nil {
			return false, err
		}
		if err := tl.insert(topKey, t.topN); err != nil {
			return false, err
		}
	}
	return true, nil
}

// index returns the named time index, creating it on first use.
func (t *tallyTx) index(name string) (*bolt.Bucket, error) {
	if b := t.indexes[name]; b != nil {
		return b, nil
	}
	b, err := t.idx.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, err
	}
	t.indexes[name] = b
	return b, nil
}

func (t *tallyTx) topList(name string) (*topList, error) {
	if tl := t.tops[name]; tl != nil {
		return tl, nil
	}
	b, err := t.top.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, err
	}
	n := decodeInt(t.counters.Get([]byte("topn/" + name)))
	tl := &topList{b: b, n: n, n0: n}
	t.tops[name] = tl
	return tl, nil
}

// flush writes the summed deltas.
func (t *tallyTx) flush() error {
	for name, tl := range t.tops {
		if tl.n != tl.n0 {
			t.deltas["topn/"+name] += tl.n - tl.n0
		}
	}
	if err := addCounters(t.counters, t.deltas); err != nil {
		return err
	}
	for k, d := range t.rows {
		kb := []byte(k)
		row := decodeCounts(t.timeline.Get(kb))
		for i := range row {
			row[i] += d[i]
		}
		if err := t.timeline.Put(kb, encodeCounts(row)); err != nil {
			return err
		}
	}
	return nil
}

// addCounters adds each delta to its counter.
func addCounters(b *bolt.Bucket, deltas map[string]int64) error {
	for k, d := range deltas {
		if d == 0 {
			continue
		}
		kb := []byte(k)
		if err := b.Put(kb, encodeInt(decodeInt(b.Get(kb))+d)); err != nil {
			return err
		}
	}
	return nil
}

// topList is a bounded list ordered by engagement; n is its length.
type topList struct {
	b     *bolt.Bucket
	n, n0 int64
}

// insert adds key, then drops the lowest key while over limit. A key lower
// than every key of a full list is not added at all.
func (l *topList) insert(key []byte, limit int64) error {
	if l.n >= limit {
		if k, _ := l.b.Cursor().First(); k != nil && bytes.Compare(key, k) < 0 {
			return nil
		}
	}
	if err := l.b.Put(key, nil); err != nil {
		return err
	}
	l.n++
	for l.n > limit {
		c := l.b.Cursor()
		if k, _ := c.First(); k == nil {
			break
		}
		if err := c.Delete(); err != nil {
			return err
		}
		l.n--
	}
	return nil
}
