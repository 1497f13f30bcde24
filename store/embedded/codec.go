package embedded

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/chorus-news/chorus"
)

// A stored post is two small binary records rather than JSON: encoding/json
// would cost more CPU than the B+tree itself.
//
// The post record is written once, at Submit, in the posts bucket (version 1):
//
//	version byte, flags byte (0, reserved),
//	strings as uvarint length + bytes: platform, id, author id, handle, name,
//	text, lang, url, quoted id, source;
//	varints: followers, likes, reposts, replies, quotes, created_at seconds;
//	uvarint created_at nanoseconds.
//
// The score record is written at Tally (and rewritten by Correct) in the
// scores bucket under the same key; its presence is what "tallied" means
// (version 1):
//
//	version byte, then lang (as the worker set it), label, score (8 bytes),
//	confidence (8 bytes), model, corrected byte, note.
//
// Keeping them apart means Tally writes ~60 bytes per post instead of
// rewriting the whole post, and the posts pages are dirtied only once.
// The event is not stored: the records live in the event's bucket.
const (
	recordVersion = 1
	scoreVersion  = 1
)

var errCorrupt = errors.New("corrupt post record")

// appendRecord appends p's post record (its sentiment left out) to dst.
func appendRecord(dst []byte, p *chorus.Post) []byte {
	dst = append(dst, recordVersion, 0)
	for _, s := range []string{string(p.Platform), p.ID, p.Author.ID, p.Author.Handle, p.Author.Name, p.Text, p.Lang, p.URL, p.QuotedID, p.Source} {
		dst = appendString(dst, s)
	}
	for _, n := range []int64{p.Author.Followers, p.Metrics.Likes, p.Metrics.Reposts, p.Metrics.Replies, p.Metrics.Quotes, p.CreatedAt.Unix()} {
		dst = binary.AppendVarint(dst, n)
	}
	return binary.AppendUvarint(dst, uint64(p.CreatedAt.Nanosecond()))
}

// appendScore appends the score record of p, which has a sentiment.
func appendScore(dst []byte, p *chorus.Post) []byte {
	s := p.Sentiment
	dst = append(dst, scoreVersion)
	dst = appendString(dst, p.Lang)
	dst = appendString(dst, string(s.Label))
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(s.Score))
	dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(s.Confidence))
	dst = appendString(dst, s.Model)
	var c byte
	if s.Corrected {
		c = 1
	}
	dst = append(dst, c)
	return appendString(dst, s.Note)
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decodeRecord decodes a post record of event. The strings share one copy
// of rec, so the result stays valid after the transaction that read rec.
func decodeRecord(event string, rec []byte) (chorus.Post, error) {
	if len(rec) < 2 || rec[0] != recordVersion {
		return chorus.Post{}, fmt.Errorf("%w: version %v", errCorrupt, rec[:min(len(rec), 1)])
	}
	d := decoder{s: string(rec), off: 2}
	p := chorus.Post{Event: event}
	p.Platform = chorus.Platform(d.str())
	p.ID = d.str()
	p.Author.ID = d.str()
	p.Author.Handle = d.str()
	p.Author.Name = d.str()
	p.Text = d.str()
	p.Lang = d.str()
	p.URL = d.str()
	p.QuotedID = d.str()
	p.Source = d.str()
	p.Author.Followers = d.varint()
	p.Metrics.Likes = d.varint()
	p.Metrics.Reposts = d.varint()
	p.Metrics.Replies = d.varint()
	p.Metrics.Quotes = d.varint()
	sec := d.varint()
	nsec := d.uvarint()
	p.CreatedAt = time.Unix(sec, int64(nsec)).UTC()
	if d.bad {
		return chorus.Post{}, errCorrupt
	}
	return p, nil
}

// decodeScore decodes a score record: the post's language and sentiment.
func decodeScore(rec []byte) (string, *chorus.Sentiment, error) {
	if len(rec) < 1 || rec[0] != scoreVersion {
		return "", nil, fmt.Errorf("%w: score version %v", errCorrupt, rec[:min(len(rec), 1)])
	}
	d := decoder{s: string(rec), off: 1}
	lang := d.str()
	s := &chorus.Sentiment{}
	s.Label = chorus.Label(d.str())
	s.Score = math.Float64frombits(d.uint64())
	s.Confidence = math.Float64frombits(d.uint64())
	s.Model = d.str()
	s.Corrected = d.byte() == 1
	s.Note = d.str()
	if d.bad {
		return "", nil, errCorrupt
	}
	return lang, s, nil
}

// decodePost decodes a post record and, when score is not nil, applies its
// score record (language and sentiment as tallied).
func decodePost(event string, rec, score []byte) (chorus.Post, error) {
	p, err := decodeRecord(event, rec)
	if err != nil || score == nil {
		return p, err
	}
	if p.Lang, p.Sentiment, err = decodeScore(score); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

// decoder reads a record held in a string; a read past the end sets bad.
type decoder struct {
	s   string
	off int
	bad bool
}

func (d *decoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.off >= len(d.s) {
			d.bad = true
			return 0
		}
		b := d.s[d.off]
		d.off++
		if b < 0x80 {
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	d.bad = true
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.s)-d.off) {
		d.bad = true
		return ""
	}
	s := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *decoder) uint64() uint64 {
	if len(d.s)-d.off < 8 {
		d.bad = true
		return 0
	}
	var x uint64
	for i := 0; i < 8; i++ {
		x = x<<8 | uint64(d.s[d.off+i])
	}
	d.off += 8
	return x
}

func (d *decoder) byte() byte {
	if d.off >= len(d.s) {
		d.bad = true
		return 0
	}
	b := d.s[d.off]
	d.off++
	return b
}

// Keys. Integers are big-endian so that byte order is numeric order; signed
// values have their sign bit flipped so that negatives sort first.

// postKey is the post's identity inside its event bucket: "platform:id".
func postKey(p chorus.Platform, id string) []byte {
	return []byte(string(p) + ":" + id)
}

func sortable(n int64) uint64 { return uint64(n) ^ 1<<63 }

func unsortable(u uint64) int64 { return int64(u ^ 1<<63) }

// appendTimeKey appends a time-index key: created_at in unix ms, then the
// post key, so that equal times still make distinct keys.
func appendTimeKey(dst []byte, created time.Time, key []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, sortable(created.UnixMilli()))
	return append(dst, key...)
}

// appendTopKey appends a top-N key: engagement, then created_at inverted,
// then the post key. Among posts of equal engagement the older ranks higher:
// a full list keeps the posts that reached a score first instead of letting
// every newer tie evict one (which in an import costs a write and a delete
// per post).
func appendTopKey(dst []byte, engagement int64, created time.Time, key []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, sortable(engagement))
	dst = binary.BigEndian.AppendUint64(dst, ^sortable(created.UnixMilli()))
	return append(dst, key...)
}

// timelineKey is a timeline row: granularity, platform, then the bucket
// start in unix seconds. Its value is four counts, one per label.
func timelineKey(b chorus.Bucket, p chorus.Platform, start time.Time) string {
	var k []byte
	k = append(k, b...)
	k = append(k, '/')
	k = append(k, p...)
	k = append(k, '/')
	k = binary.BigEndian.AppendUint64(k, sortable(start.Unix()))
	return string(k)
}

func timelinePrefix(b chorus.Bucket, p chorus.Platform) []byte {
	return []byte(string(b) + "/" + string(p) + "/")
}

// labelIndex is the position of l in a timeline row.
func labelIndex(l chorus.Label) int {
	switch l {
	case chorus.Positive:
		return 0
	case chorus.Neutral:
		return 1
	case chorus.Negative:
		return 2
	}
	return 3
}

func encodeCounts(c [4]int64) []byte {
	b := make([]byte, 32)
	for i, n := range c {
		binary.BigEndian.PutUint64(b[i*8:], uint64(n))
	}
	return b
}

func decodeCounts(b []byte) [4]int64 {
	var c [4]int64
	if len(b) != 32 {
		return c
	}
	for i := range c {
		c[i] = int64(binary.BigEndian.Uint64(b[i*8:]))
	}
	return c
}

func encodeInt(n int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(n)) }

func decodeInt(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}
