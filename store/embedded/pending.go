package embedded

import (
	"bytes"
	"encoding/binary"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

// Write-behind for the time indexes and timeline rows.
//
// Both are keyed by created_at, and an import of posts in no particular
// time order would otherwise insert every batch all over them: with
// hundreds of posts a batch, nearly every index and timeline page is
// rewritten by every commit (measured: 28 CPU µs a post instead of 8). So
// Tally appends one entry per post to the event's pending bucket, keyed by
// sequence, which only ever touches its last page; once flushAt entries
// wait, the Tally that reaches it moves them all, sorted, into the indexes
// and timeline rows, touching each page once. Readers see the same state
// either way: Posts and Timeline merge the pending entries, read in the
// same transaction, with what is already moved. Correct moves them first.
//
// A pending entry: platform and label as uvarint-length strings, then the
// time-index key (created_at unix ms, post key).

// defaultFlushAt is how many pending entries a Tally moves at once. Reading
// them costs Posts and Timeline well under a millisecond at this size.
const defaultFlushAt = 8192

var bucketPending = []byte("pending")

var ckPending = counterKey{kind: "pending"}

type pendingEntry struct {
	p   chorus.Platform
	l   chorus.Label
	key []byte // time-index key
}

func appendPending(dst []byte, p chorus.Platform, l chorus.Label, timeKey []byte) []byte {
	dst = appendString(dst, string(p))
	dst = appendString(dst, string(l))
	return append(dst, timeKey...)
}

// decodePending decodes an entry; its key aliases v.
func decodePending(v []byte) (pendingEntry, bool) {
	p, n := binary.Uvarint(v)
	if n <= 0 || uint64(len(v)-n) < p {
		return pendingEntry{}, false
	}
	pl := chorus.Platform(v[n : n+int(p)])
	v = v[n+int(p):]
	l, n := binary.Uvarint(v)
	if n <= 0 || uint64(len(v)-n) < l {
		return pendingEntry{}, false
	}
	label := chorus.Label(v[n : n+int(l)])
	v = v[n+int(l):]
	if len(v) <= 8 {
		return pendingEntry{}, false
	}
	return pendingEntry{p: pl, l: label, key: v}, true
}

// minuteOf is the start of the minute of a time-index key, in unix seconds.
func minuteOf(timeKey []byte) int64 {
	ms := unsortable(binary.BigEndian.Uint64(timeKey))
	m := ms / 60000
	if ms%60000 < 0 {
		m--
	}
	return m * 60
}

// pendingBucket returns the event's pending bucket, creating it if needed.
func (t *tallyTx) pendingBucket() (*bolt.Bucket, error) {
	if t.pending != nil {
		return t.pending, nil
	}
	b, err := t.eb.CreateBucketIfNotExists(bucketPending)
	if err != nil {
		return nil, err
	}
	b.FillPercent = 1 // append only
	t.pending = b
	return b, nil
}

// addPending appends an entry (appendPending) to the pending bucket.
func (t *tallyTx) addPending(entry []byte) error {
	b, err := t.pendingBucket()
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	var k [8]byte // Put copies keys
	binary.BigEndian.PutUint64(k[:], seq)
	if err := b.Put(k[:], entry); err != nil {
		return err
	}
	t.deltas[ckPending]++
	return nil
}

// pendingCount is how many entries wait, this transaction's included.
func (t *tallyTx) pendingCount() int64 {
	return decodeInt(t.counters.Get([]byte(ckPending.name()))) + t.deltas[ckPending]
}

// movePending moves every pending entry into its index and its timeline
// rows (through t.minutes, written by write), and empties the bucket.
func (t *tallyTx) movePending() error {
	b := t.eb.Bucket(bucketPending)
	if b == nil {
		return nil
	}
	byIndex := map[[2]string][][]byte{}
	var n int64
	err := b.ForEach(func(_, v []byte) error {
		e, ok := decodePending(v)
		if !ok {
			return errCorrupt
		}
		ik := [2]string{string(e.p), string(e.l)}
		byIndex[ik] = append(byIndex[ik], e.key)
		k := minuteKey{e.p, minuteOf(e.key)}
		row := t.minutes[k]
		row[labelIndex(e.l)]++
		t.minutes[k] = row
		n++
		return nil
	})
	if err != nil {
		return err
	}
	for ik, keys := range byIndex {
		slices.SortFunc(keys, bytes.Compare)
		idx, err := t.index(chorus.Platform(ik[0]), chorus.Label(ik[1]))
		if err != nil {
			return err
		}
		for _, k := range keys {
			// k aliases the pending bucket's pages, which stay valid
			// until the transaction ends; Put keeps a copy of keys.
			if err := idx.Put(k, nil); err != nil {
				return err
			}
		}
	}
	if err := t.eb.DeleteBucket(bucketPending); err != nil {
		return err
	}
	t.pending = nil
	t.deltas[ckPending] -= n
	return nil
}

// readPending returns the event's pending entries that match platform and
// label ("" for any), for a reader.
func readPending(eb *bolt.Bucket, platform chorus.Platform, label chorus.Label) ([]pendingEntry, error) {
	b := eb.Bucket(bucketPending)
	if b == nil {
		return nil, nil
	}
	var out []pendingEntry
	err := b.ForEach(func(_, v []byte) error {
		e, ok := decodePending(v)
		if !ok {
			return errCorrupt
		}
		if (platform == "" || e.p == platform) && (label == "" || e.l == label) {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// pendingRows adds the pending entries of platform ("" for all) to rows,
// keyed by bucket start in unix seconds.
func pendingRows(eb *bolt.Bucket, b chorus.Bucket, platform chorus.Platform, rows map[int64][4]int64) error {
	entries, err := readPending(eb, platform, "")
	if err != nil {
		return err
	}
	for _, e := range entries {
		t := b.Truncate(time.Unix(minuteOf(e.key), 0)).Unix()
		row := rows[t]
		row[labelIndex(e.l)]++
		rows[t] = row
	}
	return nil
}
