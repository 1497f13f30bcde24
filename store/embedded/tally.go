package embedded

import (
	"bytes"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// appendFill is how full bbolt leaves a page it splits, in the buckets whose
// keys mostly grow: post ids are time-ordered (snowflakes) and so are index
// keys. At bbolt's default of one half, appending leaves every page half
// empty: a bigger file and more pages written per commit.
const appendFill = 0.9

// undetermined is the language tally of a post whose language is not known
// (BCP 47 "und").
const undetermined = "und"

func langOf(p *chorus.Post) string {
	if p.Lang == "" {
		return undetermined
	}
	return p.Lang
}

// Counters are named kind/a[/b]: total, queued, label/L, platform/P,
// lang/G, pl/P/L, plang/P/G, topn/LIST. A tally batch sums its deltas under
// counterKey (no string building per post) and names them once at flush.
type counterKey struct {
	kind string
	a, b string
}

func (k counterKey) name() string {
	switch {
	case k.a == "":
		return k.kind
	case k.b == "":
		return k.kind + "/" + k.a
	}
	return k.kind + "/" + k.a + "/" + k.b
}

var (
	ckTotal  = counterKey{kind: "total"}
	ckQueued = counterKey{kind: "queued"}
)

func labelCounter(l chorus.Label) counterKey { return counterKey{"label", string(l), ""} }
func platformCounter(p chorus.Platform) counterKey {
	return counterKey{"platform", string(p), ""}
}
func platformLabelCounter(p chorus.Platform, l chorus.Label) counterKey {
	return counterKey{"pl", string(p), string(l)}
}

// The time index of a post is the one of its platform and label, "P/L";
// listings over several merge them. Top-N lists are "all" and "p/P".
func timeIndex(p chorus.Platform, l chorus.Label) []byte {
	return []byte(string(p) + "/" + string(l))
}

const topAll = "all"

func topPlatform(p chorus.Platform) string { return "p/" + string(p) }

// rowKey names a timeline row while a batch sums it.
type rowKey struct {
	b     chorus.Bucket
	p     chorus.Platform
	start time.Time
}

// groupKey is what a tally batch counts posts under; every counter is a sum
// of groups, so a post costs one map update, not six.
type groupKey struct {
	p    chorus.Platform
	l    chorus.Label
	lang string
}

// minuteKey is a platform's minute; hour and day rows are sums of minutes.
type minuteKey struct {
	p      chorus.Platform
	minute int64 // unix seconds of the minute's start
}

// tallyTx is one event's part of a write transaction: counter and timeline
// deltas and top-N candidates are gathered in memory and written once each
// by flush.
type tallyTx struct {
	eb, pending             *bolt.Bucket
	posts, scores, counters *bolt.Bucket
	timeline, idx, top      *bolt.Bucket
	topN                    int
	groups                  map[groupKey]int64
	minutes                 map[minuteKey][4]int64
	deltas                  map[counterKey]int64 // besides groups
	indexes                 map[string]*bolt.Bucket
	candidates              map[chorus.Platform][][]byte // top-N keys by platform
	changed                 bool                         // something was counted: bump the version
}

func newTallyTx(eb *bolt.Bucket, topN int) *tallyTx {
	t := &tallyTx{
		eb:         eb,
		posts:      eb.Bucket(bucketPosts),
		scores:     eb.Bucket(bucketScores),
		counters:   eb.Bucket(bucketCounters),
		timeline:   eb.Bucket(bucketTimeline),
		idx:        eb.Bucket(bucketIdx),
		top:        eb.Bucket(bucketTop),
		topN:       topN,
		groups:     map[groupKey]int64{},
		minutes:    map[minuteKey][4]int64{},
		deltas:     map[counterKey]int64{},
		indexes:    map[string]*bolt.Bucket{},
		candidates: map[chorus.Platform][][]byte{},
	}
	t.scores.FillPercent = appendFill
	return t
}

// get looks key up through c: unlike Bucket.Get it reuses the cursor's stack.
func get(c *bolt.Cursor, key []byte) []byte {
	if k, v := c.Seek(key); bytes.Equal(k, key) {
		return v
	}
	return nil
}

// tallyItem is one post of a Tally encoded ahead of the transaction.
type tallyItem struct {
	ref                      []byte // its queue entry: event, 0, key
	key, score, pending, top []byte
	group                    groupKey
}

func prepareTally(a *arena, p *chorus.Post) tallyItem {
	var it tallyItem
	start := len(a.buf)
	a.buf = append(a.buf, p.Event...)
	a.buf = append(a.buf, 0)
	keyAt := len(a.buf)
	a.buf = append(a.buf, p.Platform...)
	a.buf = append(a.buf, ':')
	a.buf = append(a.buf, p.ID...)
	it.ref = a.take(start)
	it.key = it.ref[keyAt-start:]
	start = len(a.buf)
	a.buf = appendScore(a.buf, p)
	it.score = a.take(start)
	start = len(a.buf)
	a.buf = appendPending(a.buf, p.Platform, p.Sentiment.Label, appendTimeKey(nil, p.CreatedAt, it.key))
	it.pending = a.take(start)
	start = len(a.buf)
	a.buf = appendTopKey(a.buf, p.Metrics.Engagement(), p.CreatedAt, it.key)
	it.top = a.take(start)
	it.group = groupKey{p.Platform, p.Sentiment.Label, langOf(p)}
	return it
}

// add tallies a post whose queue entry the caller just removed.
func (t *tallyTx) add(it *tallyItem) error {
	if err := t.scores.Put(it.key, it.score); err != nil {
		return err
	}
	t.groups[it.group]++
	if err := t.addPending(it.pending); err != nil {
		return err
	}
	t.candidates[it.group.p] = append(t.candidates[it.group.p], it.top)
	return nil
}

// move counts a post of platform p created at created out of label from
// (unless "") and into label to in its timeline rows.
func (t *tallyTx) move(p chorus.Platform, created time.Time, from, to chorus.Label) {
	k := minuteKey{p, chorus.Minute.Truncate(created).Unix()}
	row := t.minutes[k]
	if from != "" {
		row[labelIndex(from)]--
	}
	row[labelIndex(to)]++
	t.minutes[k] = row
}

// index returns the time index of p and l, creating it on first use.
func (t *tallyTx) index(p chorus.Platform, l chorus.Label) (*bolt.Bucket, error) {
	name := string(p) + "/" + string(l)
	if b := t.indexes[name]; b != nil {
		return b, nil
	}
	b, err := t.idx.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return nil, err
	}
	b.FillPercent = appendFill
	t.indexes[name] = b
	return b, nil
}

func (t *tallyTx) indexPut(p chorus.Platform, l chorus.Label, key []byte) error {
	b, err := t.index(p, l)
	if err != nil {
		return err
	}
	return b.Put(key, nil)
}

// flush moves the pending entries when flushAt of them wait (always when
// flushAt <= 0), then writes the summed deltas and merges the top-N
// candidates.
func (t *tallyTx) flush(flushAt int) error {
	if t.pendingCount() >= int64(flushAt) {
		if err := t.movePending(); err != nil {
			return err
		}
	}
	var all [][]byte
	for _, pl := range chorus.Platforms {
		keys := t.candidates[pl]
		all = append(all, keys...)
		if len(keys) > 0 {
			if err := t.mergeTop(topPlatform(pl), keys); err != nil {
				return err
			}
		}
	}
	if len(all) > 0 {
		if err := t.mergeTop(topAll, all); err != nil {
			return err
		}
	}

	for g, n := range t.groups {
		t.deltas[ckTotal] += n
		t.deltas[labelCounter(g.l)] += n
		t.deltas[platformCounter(g.p)] += n
		t.deltas[counterKey{"lang", g.lang, ""}] += n
		t.deltas[platformLabelCounter(g.p, g.l)] += n
		t.deltas[counterKey{"plang", string(g.p), g.lang}] += n
	}
	for k, d := range t.deltas {
		if d == 0 {
			continue
		}
		if err := addCounter(t.counters, k, d); err != nil {
			return err
		}
	}

	rows := map[rowKey][4]int64{}
	for m, d := range t.minutes {
		at := time.Unix(m.minute, 0).UTC()
		for _, b := range chorus.Buckets {
			k := rowKey{b, m.p, b.Truncate(at)}
			row := rows[k]
			for i := range row {
				row[i] += d[i]
			}
			rows[k] = row
		}
	}
	for k, d := range rows {
		if d == [4]int64{} {
			continue
		}
		kb := []byte(timelineKey(k.b, k.p, k.start))
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

// mergeTop adds the batch's keys that make the named top list, then drops
// its lowest keys while it is over topN. Its length is the topn counter.
func (t *tallyTx) mergeTop(name string, keys [][]byte) error {
	b, err := t.top.CreateBucketIfNotExists([]byte(name))
	if err != nil {
		return err
	}
	ck := counterKey{"topn", name, ""}
	n := int(decodeInt(t.counters.Get([]byte(ck.name()))))
	n0 := n
	c := b.Cursor()
	if n >= t.topN {
		// Full: only keys above its lowest can get in.
		lowest, _ := c.First()
		above := make([][]byte, 0, len(keys))
		for _, k := range keys {
			if bytes.Compare(k, lowest) > 0 {
				above = append(above, k)
			}
		}
		keys = above
	}
	if len(keys) > t.topN {
		slices.SortFunc(keys, func(x, y []byte) int { return bytes.Compare(y, x) }) // highest first
		keys = keys[:t.topN]
	}
	for _, k := range keys {
		if err := b.Put(k, nil); err != nil {
			return err
		}
		n++
	}
	for ; n > t.topN; n-- {
		if k, _ := c.First(); k == nil {
			break
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	if n != n0 {
		t.deltas[ck] += int64(n - n0)
	}
	return nil
}

// addCounter adds d to the counter named by k.
func addCounter(b *bolt.Bucket, k counterKey, d int64) error {
	kb := []byte(k.name())
	return b.Put(kb, encodeInt(decodeInt(b.Get(kb))+d))
}
