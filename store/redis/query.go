package redis

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// Summary is the event's tallies, of one platform when platform != "".
func (s *Store) Summary(ctx context.Context, event string, platform chorus.Platform) (_ chorus.Summary, err error) {
	defer func() { err = classify(err) }()
	sum := chorus.Summary{Event: event, ByPlatform: map[chorus.Platform]chorus.PlatformSummary{}, ByLang: map[string]int64{}}
	if platform != "" && platformIndex(platform) < 0 {
		return sum, fmt.Errorf("summary: %w", &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q", platform)})
	}
	shards, err := s.exists(ctx, event)
	if err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	all, err := s.sumHashes(ctx, event, shards, func(k keys) string { return k.counts })
	if err != nil {
		return sum, fmt.Errorf("summary of %s: %w", event, err)
	}
	for _, pl := range chorus.Platforms {
		if platform == "" || pl == platform {
			sum.ByPlatform[pl] = chorus.PlatformSummary{}
		}
	}
	for f, n := range all {
		kind, rest, _ := strings.Cut(f, "|")
		a, b, _ := strings.Cut(rest, "|")
		switch kind {
		case "n":
			if platform == "" {
				sum.Total = n
			}
		case "l":
			if platform == "" {
				sum.ByLabel.Add(chorus.Label(a), n)
			}
		case "g":
			if platform == "" && n != 0 {
				sum.ByLang[a] = n
			}
		case "p":
			if ps, ok := sum.ByPlatform[chorus.Platform(a)]; ok {
				ps.Total = n
				sum.ByPlatform[chorus.Platform(a)] = ps
				if chorus.Platform(a) == platform {
					sum.Total = n
				}
			}
		case "pl":
			if ps, ok := sum.ByPlatform[chorus.Platform(a)]; ok {
				ps.ByLabel.Add(chorus.Label(b), n)
				sum.ByPlatform[chorus.Platform(a)] = ps
				if chorus.Platform(a) == platform {
					sum.ByLabel.Add(chorus.Label(b), n)
				}
			}
		case "pg":
			if chorus.Platform(a) == platform && n != 0 {
				sum.ByLang[b] = n
			}
		case "r":
			if platform == "" {
				sum.Reposts = n
			}
		case "rp":
			if ps, ok := sum.ByPlatform[chorus.Platform(a)]; ok {
				ps.Reposts = n
				sum.ByPlatform[chorus.Platform(a)] = ps
				if chorus.Platform(a) == platform {
					sum.Reposts = n
				}
			}
		}
	}
	for pl, ps := range sum.ByPlatform {
		ps.Net = ps.ByLabel.Net()
		sum.ByPlatform[pl] = ps
	}
	sum.Net = sum.ByLabel.Net()
	return sum, nil
}

// Timeline is the event's counts per bucket, oldest first, for the buckets
// that hold posts.
func (s *Store) Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) (_ []chorus.Point, err error) {
	defer func() { err = classify(err) }()
	if !slices.Contains(chorus.Buckets, b) {
		return nil, fmt.Errorf("timeline: %w", &chorus.FieldError{Field: "bucket", Reason: fmt.Sprintf("unknown bucket %q (want 1m, 1h or 1d)", b)})
	}
	if platform != "" && platformIndex(platform) < 0 {
		return nil, fmt.Errorf("timeline: %w", &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q", platform)})
	}
	shards, err := s.exists(ctx, event)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	all, err := s.sumHashes(ctx, event, shards, func(k keys) string { return k.bucket(b) })
	if err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", event, err)
	}
	points := map[int64]*chorus.Point{}
	for f, n := range all {
		parts := strings.Split(f, "|")
		if len(parts) != 3 {
			continue
		}
		if platform != "" && chorus.Platform(parts[1]) != platform {
			continue
		}
		sec, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("timeline of %s: field %s: %w", event, f, err)
		}
		p := points[sec]
		if p == nil {
			p = &chorus.Point{T: time.Unix(sec, 0).UTC()}
			points[sec] = p
		}
		switch chorus.Label(parts[2]) {
		case chorus.Positive:
			p.Positive += n
		case chorus.Neutral:
			p.Neutral += n
		case chorus.Negative:
			p.Negative += n
		case chorus.Unscored:
			p.Unscored += n
		}
	}
	out := make([]chorus.Point, 0, len(points))
	for _, p := range points {
		if p.Positive+p.Neutral+p.Negative+p.Unscored > 0 {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b chorus.Point) int { return a.T.Compare(b.T) })
	return out, nil
}

// sumHashes reads one hash of counts of every shard (key names it) and
// adds them up field by field.
func (s *Store) sumHashes(ctx context.Context, event string, shards int, key func(keys) string) (map[string]int64, error) {
	cmds := make([]*goredis.MapStringStringCmd, shards)
	if shards == 1 {
		cmds[0] = s.rdb.HGetAll(ctx, key(s.keys(event, 0)))
	} else if _, err := s.rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i := range shards {
			cmds[i] = p.HGetAll(ctx, key(s.keys(event, i)))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, c := range cmds {
		all, err := c.Result()
		if err != nil {
			return nil, err
		}
		for f, v := range all {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f, err)
			}
			out[f] += n
		}
	}
	return out, nil
}

// Post returns one stored post.
func (s *Store) Post(ctx context.Context, event string, platform chorus.Platform, id string) (_ chorus.Post, err error) {
	defer func() { err = classify(err) }()
	var p chorus.Post
	shards, err := s.exists(ctx, event)
	if err != nil {
		return p, fmt.Errorf("post: %w", err)
	}
	key := string(platform) + ":" + id
	b, err := s.rdb.HGet(ctx, s.keys(event, shardOf(key, shards)).posts, key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return p, fmt.Errorf("post %s in %s: %w", key, event, chorus.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("post %s in %s: %w", key, event, err)
	}
	if placeholder(string(b)) {
		return p, fmt.Errorf("post %s in %s: not tallied yet: %w", key, event, chorus.ErrNotFound)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("post %s in %s: %w", key, event, err)
	}
	return p, nil
}

// Posts lists tallied posts, newest first or by engagement, filtered by
// platform and label. The cursor holds the last post's score and key, so
// paging visits every post once even when many share one score. chorus.Top
// lists the TopN posts by engagement (overall or of a platform).
func (s *Store) Posts(ctx context.Context, event string, q chorus.PostQuery) (_ chorus.PostPage, err error) {
	defer func() { err = classify(err) }()
	page := chorus.PostPage{Posts: []chorus.Post{}}
	if q.Platform != "" && platformIndex(q.Platform) < 0 {
		return page, fmt.Errorf("posts: %w", &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q", q.Platform)})
	}
	if q.Label != "" && labelIndex(q.Label) < 0 {
		return page, fmt.Errorf("posts: %w", &chorus.FieldError{Field: "label", Reason: fmt.Sprintf("unknown label %q", q.Label)})
	}
	if q.Sort == "" {
		q.Sort = chorus.Recent
	}
	if q.Sort != chorus.Recent && q.Sort != chorus.Top {
		return page, fmt.Errorf("posts: %w", &chorus.FieldError{Field: "sort", Reason: fmt.Sprintf("unknown order %q (want recent or top)", q.Sort)})
	}
	if q.Limit <= 0 {
		q.Limit = chorus.DefaultPageSize
	}
	q.Limit = min(q.Limit, chorus.MaxPageSize)
	cur, err := decodeCursor(q.Cursor)
	if err != nil {
		return page, fmt.Errorf("posts: %w", err)
	}
	if q.Cursor == "" && q.Sort == chorus.Recent && !q.Until.IsZero() {
		// Time indexes score created_at in ms: start strictly below Until
		// (page.lua skips every member tied with a cursor whose member
		// sorts lowest).
		cur = cursor{score: strconv.FormatInt(q.Until.UnixMilli(), 10)}
	}
	windowed := !q.Since.IsZero() || !q.Until.IsZero()
	shards, err := s.exists(ctx, event)
	if err != nil {
		return page, fmt.Errorf("posts: %w", err)
	}
	filter := chorus.Label("")
	if q.Sort == chorus.Top {
		filter = q.Label // the top sets are per platform only: a label filter reads on
	}
	// Collect Limit+1 matching posts: the extra one says a next page exists.
	var last []cursor // the cursor of each post in page.Posts
	for {
		want := q.Limit + 1 - len(page.Posts)
		if filter != "" || windowed && q.Sort == chorus.Top {
			want = max(want, 100)
		}
		done := false
		rows, more, err := s.page(ctx, event, shards, q, cur, want)
		if err != nil {
			return page, fmt.Errorf("posts of %s: %w", event, err)
		}
		for _, r := range rows {
			cur = r.cursor
			if q.Sort == chorus.Recent && !q.Since.IsZero() && int64(r.score) < q.Since.UnixMilli() {
				done = true // newest first: the rest are older still
				break
			}
			if r.json == "" || placeholder(r.json) {
				continue // indexed but gone: cannot happen short of manual edits
			}
			var p chorus.Post
			if err := decodePost(r.json, &p); err != nil {
				return page, fmt.Errorf("posts of %s: post %s: %w", event, r.member, err)
			}
			if filter != "" && (p.Sentiment == nil || p.Sentiment.Label != filter) {
				continue
			}
			if windowed && !q.InWindow(p.CreatedAt) {
				continue
			}
			page.Posts = append(page.Posts, p)
			last = append(last, cur)
			if len(page.Posts) > q.Limit {
				break
			}
		}
		if done || len(page.Posts) > q.Limit || !more {
			break
		}
	}
	if len(page.Posts) > q.Limit {
		page.Posts = page.Posts[:q.Limit]
		page.NextCursor = last[q.Limit-1].encode()
	}
	return page, nil
}

// pageRow is one post of a page: its place in the order and its JSON.
type pageRow struct {
	cursor
	score float64
	json  string
}

// page reads up to want posts after cur, in the listing's order, merging
// what page.lua gives for each shard (each shard's indexes live in its own
// slot). more says there may be posts after the last row.
func (s *Store) page(ctx context.Context, event string, shards int, q chorus.PostQuery, cur cursor, want int) ([]pageRow, bool, error) {
	var rows []pageRow
	more := false
	for sh := range shards {
		k := s.keys(event, sh)
		indexes := k.timeIndexes(q.Platform, q.Label)
		if q.Sort == chorus.Top {
			indexes = []string{k.topIndex(q.Platform)}
		}
		res, err := s.lua.page.Run(ctx, s.rdb, append([]string{k.posts}, indexes...), cur.score, cur.member, want).Slice()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, false, err
		}
		if len(res) >= 3*want {
			more = true
		}
		for i := 0; i+2 < len(res); i += 3 {
			member, _ := res[i].(string)
			score, _ := res[i+1].(string)
			js, _ := res[i+2].(string)
			f, _ := strconv.ParseFloat(score, 64)
			rows = append(rows, pageRow{cursor: cursor{score: score, member: member}, score: f, json: js})
		}
	}
	if shards > 1 {
		slices.SortFunc(rows, func(a, b pageRow) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return strings.Compare(b.member, a.member)
		})
		if len(rows) > want {
			rows, more = rows[:want], true
		}
	}
	return rows, more, nil
}

// placeholder says whether a posts hash value stands for a post not
// tallied: "q" (queued) or "d" (a dead letter).
func placeholder(v string) bool { return v == "q" || v == "d" }

// cursor is a position in an index: the last listed post's score and key.
type cursor struct{ score, member string }

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.score + "|" + c.member))
}

func decodeCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	bad := &chorus.FieldError{Field: "cursor", Reason: "not a cursor this store gave out"}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	score, member, ok := strings.Cut(string(b), "|")
	if _, err := strconv.ParseFloat(score, 64); !ok || err != nil || member == "" {
		return cursor{}, bad
	}
	return cursor{score: score, member: member}, nil
}
