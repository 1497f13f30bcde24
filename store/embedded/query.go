package embedded

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
)

func checkPlatform(p chorus.Platform) error {
	if p == "" || slices.Contains(chorus.Platforms, p) {
		return nil
	}
	return &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q (want x or weibo)", p)}
}

func checkLabel(l chorus.Label) error {
	if l == "" || slices.Contains(chorus.Labels, l) {
		return nil
	}
	return &chorus.FieldError{Field: "label", Reason: fmt.Sprintf("unknown label %q", l)}
}

// Summary is the event's tallies, of one platform when platform != "".
// ByPlatform has every known platform (only the one asked for when
// filtered); ByLang counts a post without a language as "und".
func (s *Store) Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error) {
	if err := ctx.Err(); err != nil {
		return chorus.Summary{}, err
	}
	if err := checkPlatform(platform); err != nil {
		return chorus.Summary{}, fmt.Errorf("summary of event %s: %w", event, err)
	}
	sum := chorus.Summary{Event: event, ByPlatform: map[chorus.Platform]chorus.PlatformSummary{}, ByLang: map[string]int64{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		c := eb.Bucket(bucketCounters)
		get := func(k counterKey) int64 { return decodeInt(c.Get([]byte(k.name()))) }
		platforms := chorus.Platforms
		if platform != "" {
			platforms = []chorus.Platform{platform}
		}
		for _, p := range platforms {
			ps := chorus.PlatformSummary{Total: get(platformCounter(p)), Reposts: get(platformReposts(p))}
			for _, l := range chorus.Labels {
				ps.ByLabel.Add(l, get(platformLabelCounter(p, l)))
			}
			ps.Net = ps.ByLabel.Net()
			sum.ByPlatform[p] = ps
		}
		langs := []byte("lang/")
		if platform != "" {
			sum.Total = sum.ByPlatform[platform].Total
			sum.ByLabel = sum.ByPlatform[platform].ByLabel
			sum.Reposts = sum.ByPlatform[platform].Reposts
			langs = []byte("plang/" + string(platform) + "/")
		} else {
			sum.Total = get(ckTotal)
			sum.Reposts = get(reposts())
			for _, l := range chorus.Labels {
				sum.ByLabel.Add(l, get(labelCounter(l)))
			}
		}
		cur := c.Cursor()
		for k, v := cur.Seek(langs); k != nil && bytes.HasPrefix(k, langs); k, v = cur.Next() {
			if n := decodeInt(v); n != 0 {
				sum.ByLang[string(k[len(langs):])] = n
			}
		}
		return nil
	})
	if err != nil {
		return chorus.Summary{}, fmt.Errorf("summary of event %s: %w", event, err)
	}
	sum.Net = sum.ByLabel.Net()
	return sum, nil
}

// Timeline is the event's counts per bucket, oldest first, of one platform
// when platform != "". Buckets with no post are left out.
func (s *Store) Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) ([]chorus.Point, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !slices.Contains(chorus.Buckets, b) {
		return nil, fmt.Errorf("timeline of event %s: %w", event, &chorus.FieldError{Field: "bucket", Reason: fmt.Sprintf("unknown bucket %q (want 1m, 1h or 1d)", b)})
	}
	if err := checkPlatform(platform); err != nil {
		return nil, fmt.Errorf("timeline of event %s: %w", event, err)
	}
	platforms := chorus.Platforms
	if platform != "" {
		platforms = []chorus.Platform{platform}
	}
	rows := map[int64][4]int64{}
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		if err := pendingRows(eb, b, platform, rows); err != nil {
			return err
		}
		c := eb.Bucket(bucketTimeline).Cursor()
		for _, p := range platforms {
			prefix := timelinePrefix(b, p)
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(k) != len(prefix)+8 {
					continue
				}
				t := unsortable(binary.BigEndian.Uint64(k[len(prefix):]))
				row, add := rows[t], decodeCounts(v)
				for i := range row {
					row[i] += add[i]
				}
				rows[t] = row
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("timeline of event %s: %w", event, err)
	}
	points := make([]chorus.Point, 0, len(rows))
	for t, r := range rows {
		if r == [4]int64{} {
			continue
		}
		points = append(points, chorus.Point{T: time.Unix(t, 0).UTC(), Positive: r[0], Neutral: r[1], Negative: r[2], Unscored: r[3]})
	}
	slices.SortFunc(points, func(a, b chorus.Point) int { return a.T.Compare(b.T) })
	return points, nil
}

// Cursors are the sort's letter and the last key returned, base64url.
func encodeCursor(sort chorus.Sort, key []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte(sort[:1]), key...))
}

func decodeCursor(sort chorus.Sort, cursor string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 2 || b[0] != sort[0] {
		return nil, &chorus.FieldError{Field: "cursor", Reason: "not a cursor of this listing"}
	}
	return b[1:], nil
}

// Posts lists tallied posts newest first (or by engagement with chorus.Top,
// within the top-N list), filtered by platform and label. The cursor is the
// last index key returned, so paging visits each post once even when
// created_at or engagement ties, and posts tallied meanwhile never shift a
// page.
func (s *Store) Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error) {
	if err := ctx.Err(); err != nil {
		return chorus.PostPage{}, err
	}
	if q.Sort == "" {
		q.Sort = chorus.Recent
	}
	if q.Sort != chorus.Recent && q.Sort != chorus.Top {
		return chorus.PostPage{}, fmt.Errorf("posts of event %s: %w", event, &chorus.FieldError{Field: "sort", Reason: fmt.Sprintf("unknown sort %q (want recent or top)", q.Sort)})
	}
	if err := checkPlatform(q.Platform); err != nil {
		return chorus.PostPage{}, fmt.Errorf("posts of event %s: %w", event, err)
	}
	if err := checkLabel(q.Label); err != nil {
		return chorus.PostPage{}, fmt.Errorf("posts of event %s: %w", event, err)
	}
	switch {
	case q.Limit <= 0:
		q.Limit = chorus.DefaultPageSize
	case q.Limit > chorus.MaxPageSize:
		q.Limit = chorus.MaxPageSize
	}
	var after []byte
	if q.Cursor != "" {
		var err error
		if after, err = decodeCursor(q.Sort, q.Cursor); err != nil {
			return chorus.PostPage{}, fmt.Errorf("posts of event %s: %w", event, err)
		}
	} else if q.Sort == chorus.Recent && !q.Until.IsZero() {
		// Time keys start with created_at: the walk starts below Until.
		after = binary.BigEndian.AppendUint64(nil, sortable(q.Until.UnixMilli()))
	}
	windowed := !q.Since.IsZero() || !q.Until.IsZero()
	page := chorus.PostPage{Posts: []chorus.Post{}}
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		posts, scores := eb.Bucket(bucketPosts).Cursor(), eb.Bucket(bucketScores).Cursor()
		var lists []*bolt.Bucket
		prefix := 8 // created_at
		filterLabel := q.Label
		if q.Sort == chorus.Top {
			prefix = 16 // engagement, created_at
			name := topAll
			if q.Platform != "" {
				name = topPlatform(q.Platform)
			}
			lists = append(lists, eb.Bucket(bucketTop).Bucket([]byte(name)))
		} else {
			filterLabel = "" // the indexes are the filter
			for _, pl := range chorus.Platforms {
				for _, l := range chorus.Labels {
					if (q.Platform == "" || q.Platform == pl) && (q.Label == "" || q.Label == l) {
						lists = append(lists, eb.Bucket(bucketIdx).Bucket(timeIndex(pl, l)))
					}
				}
			}
		}
		m := newMerge(lists, after)
		if q.Sort == chorus.Recent {
			entries, err := readPending(eb, q.Platform, q.Label)
			if err != nil {
				return err
			}
			m.addSorted(entries, after)
		}
		var last []byte
		for k := m.next(); k != nil; k = m.next() {
			if len(k) <= prefix {
				continue
			}
			key := k[prefix:]
			if windowed {
				created := keyCreated(q.Sort, k)
				if q.Sort == chorus.Recent && !q.Since.IsZero() && created.Before(q.Since) {
					break // newest first: the rest are older still
				}
				if !q.InWindow(created) {
					continue
				}
			}
			score := get(scores, key)
			if filterLabel != "" && !scoreHasLabel(score, filterLabel) {
				continue
			}
			if len(page.Posts) == q.Limit {
				page.NextCursor = encodeCursor(q.Sort, last)
				return nil
			}
			p, err := decodePost(event, get(posts, key), score)
			if err != nil {
				return fmt.Errorf("post %s: %w", key, err)
			}
			page.Posts = append(page.Posts, p)
			last = k
		}
		return nil
	})
	if err != nil {
		return chorus.PostPage{}, fmt.Errorf("posts of event %s: %w", event, err)
	}
	return page, nil
}

// keyCreated is the created_at held in a time-index key (Recent) or a
// top-N key (Top).
func keyCreated(sort chorus.Sort, k []byte) time.Time {
	if sort == chorus.Top {
		return time.UnixMilli(unsortable(^binary.BigEndian.Uint64(k[8:16]))).UTC()
	}
	return time.UnixMilli(unsortable(binary.BigEndian.Uint64(k[:8]))).UTC()
}

// merge walks several index buckets as one, highest key first, starting
// below after (from the top when nil). Keys are unique across the buckets:
// a post is in one time index.
type merge struct {
	cs []*bolt.Cursor
	ks [][]byte
	// extra keys, highest first, from pending entries
	extra [][]byte
}

// addSorted adds the keys of pending entries below after to the walk.
func (m *merge) addSorted(entries []pendingEntry, after []byte) {
	for _, e := range entries {
		if after == nil || bytes.Compare(e.key, after) < 0 {
			m.extra = append(m.extra, e.key)
		}
	}
	slices.SortFunc(m.extra, func(x, y []byte) int { return bytes.Compare(y, x) })
}

func newMerge(lists []*bolt.Bucket, after []byte) *merge {
	m := &merge{}
	for _, b := range lists {
		if b == nil {
			continue
		}
		c := b.Cursor()
		var k []byte
		if after == nil {
			k, _ = c.Last()
		} else if k, _ = c.Seek(after); k == nil {
			k, _ = c.Last()
		} else if bytes.Compare(k, after) >= 0 {
			k, _ = c.Prev()
		}
		if k != nil {
			m.cs = append(m.cs, c)
			m.ks = append(m.ks, k)
		}
	}
	return m
}

// next returns the highest key not yet returned, or nil. The key is valid
// until the transaction ends.
func (m *merge) next() []byte {
	best := -1
	for i, k := range m.ks {
		if k != nil && (best < 0 || bytes.Compare(k, m.ks[best]) > 0) {
			best = i
		}
	}
	if len(m.extra) > 0 && (best < 0 || bytes.Compare(m.extra[0], m.ks[best]) > 0) {
		k := m.extra[0]
		m.extra = m.extra[1:]
		return k
	}
	if best < 0 {
		return nil
	}
	k := m.ks[best]
	m.ks[best], _ = m.cs[best].Prev()
	return k
}

// scoreHasLabel reports whether a score record has label l.
func scoreHasLabel(score []byte, l chorus.Label) bool {
	_, s, err := decodeScore(score)
	return err == nil && s.Label == l
}

// Post returns one stored post, with its sentiment once tallied.
func (s *Store) Post(ctx context.Context, event string, platform chorus.Platform, id string) (chorus.Post, error) {
	if err := ctx.Err(); err != nil {
		return chorus.Post{}, err
	}
	var p chorus.Post
	err := s.db.View(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		key := postKey(platform, id)
		rec := eb.Bucket(bucketPosts).Get(key)
		if rec == nil {
			return fmt.Errorf("post %s:%s of event %s: %w", platform, id, event, chorus.ErrNotFound)
		}
		p, err = decodePost(event, rec, eb.Bucket(bucketScores).Get(key))
		return err
	})
	return p, err
}

// Correct sets a tallied post's label by hand, moving its counts, timeline
// buckets and label indexes from the old label to the new one in one
// transaction.
func (s *Store) Correct(ctx context.Context, event string, platform chorus.Platform, id string, label chorus.Label, note string) (chorus.Post, error) {
	if err := ctx.Err(); err != nil {
		return chorus.Post{}, err
	}
	if label == "" {
		return chorus.Post{}, fmt.Errorf("correct post %s:%s: %w", platform, id, &chorus.FieldError{Field: "label", Reason: "missing"})
	}
	if err := checkLabel(label); err != nil {
		return chorus.Post{}, fmt.Errorf("correct post %s:%s: %w", platform, id, err)
	}
	var p chorus.Post
	err := s.db.Update(func(tx *bolt.Tx) error {
		eb, err := eventBucket(tx, event)
		if err != nil {
			return err
		}
		key := postKey(platform, id)
		t := newTallyTx(eb, s.topN)
		rec, score := t.posts.Get(key), t.scores.Get(key)
		if rec == nil || score == nil {
			return fmt.Errorf("post %s:%s of event %s (not tallied yet): %w", platform, id, event, chorus.ErrNotFound)
		}
		if p, err = decodePost(event, rec, score); err != nil {
			return err
		}
		// The post's index entry may be pending: move them all first.
		if err := t.movePending(); err != nil {
			return err
		}
		if old := p.Sentiment.Label; old != label {
			pl := p.Platform
			t.deltas[labelCounter(old)]--
			t.deltas[labelCounter(label)]++
			t.deltas[platformLabelCounter(pl, old)]--
			t.deltas[platformLabelCounter(pl, label)]++
			t.move(pl, p.CreatedAt, old, label)
			tk := appendTimeKey(nil, p.CreatedAt, key)
			if b := t.idx.Bucket(timeIndex(pl, old)); b != nil {
				if err := b.Delete(tk); err != nil {
					return err
				}
			}
			if err := t.indexPut(pl, label, tk); err != nil {
				return err
			}
		}
		if err := t.flush(math.MaxInt); err != nil {
			return err
		}
		if err := bumpVersion(tx, t.counters); err != nil {
			return err
		}
		sent := *p.Sentiment
		sent.Label, sent.Corrected, sent.Note = label, true, note
		p.Sentiment = &sent
		return t.scores.Put(key, appendScore(nil, &p))
	})
	if err != nil {
		return chorus.Post{}, fmt.Errorf("correct post %s:%s of event %s: %w", platform, id, event, err)
	}
	return p, nil
}
