package redis

import (
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
	if err := s.exists(ctx, event); err != nil {
		return sum, fmt.Errorf("summary: %w", err)
	}
	all, err := s.rdb.HGetAll(ctx, eventKeys(event).counts).Result()
	if err != nil {
		return sum, fmt.Errorf("summary of %s: %w", event, err)
	}
	for _, pl := range chorus.Platforms {
		if platform == "" || pl == platform {
			sum.ByPlatform[pl] = chorus.PlatformSummary{}
		}
	}
	for f, v := range all {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return sum, fmt.Errorf("summary of %s: counter %s: %w", event, f, err)
		}
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
	if err := s.exists(ctx, event); err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	all, err := s.rdb.HGetAll(ctx, eventKeys(event).bucket(b)).Result()
	if err != nil {
		return nil, fmt.Errorf("timeline of %s: %w", event, err)
	}
	points := map[int64]*chorus.Point{}
	for f, v := range all {
		parts := strings.Split(f, "|")
		if len(parts) != 3 {
			continue
		}
		if platform != "" && chorus.Platform(parts[1]) != platform {
			continue
		}
		sec, err1 := strconv.ParseInt(parts[0], 10, 64)
		n, err2 := strconv.ParseInt(v, 10, 64)
		if err := errors.Join(err1, err2); err != nil {
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

// Post returns one stored post.
func (s *Store) Post(ctx context.Context, event string, platform chorus.Platform, id string) (_ chorus.Post, err error) {
	defer func() { err = classify(err) }()
	var p chorus.Post
	if err := s.exists(ctx, event); err != nil {
		return p, fmt.Errorf("post: %w", err)
	}
	key := string(platform) + ":" + id
	b, err := s.rdb.HGet(ctx, eventKeys(event).posts, key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return p, fmt.Errorf("post %s in %s: %w", key, event, chorus.ErrNotFound)
	}
	if err != nil {
		return p, fmt.Errorf("post %s in %s: %w", key, event, err)
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
	if err := s.exists(ctx, event); err != nil {
		return page, fmt.Errorf("posts: %w", err)
	}
	k := eventKeys(event)
	indexes, filter := k.timeIndexes(q.Platform, q.Label), chorus.Label("")
	if q.Sort == chorus.Top {
		// The top sets are per platform only: a label filter reads on.
		indexes, filter = []string{k.topIndex(q.Platform)}, q.Label
	}
	pageKeys := append([]string{k.posts}, indexes...)
	// Collect Limit+1 matching posts: the extra one says a next page exists.
	var last []cursor // the cursor of each post in page.Posts
	for {
		want := q.Limit + 1 - len(page.Posts)
		if filter != "" || windowed && q.Sort == chorus.Top {
			want = max(want, 100)
		}
		done := false
		rows, err := s.lua.page.Run(ctx, s.rdb, pageKeys, cur.score, cur.member, want).Slice()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return page, fmt.Errorf("posts of %s: %w", event, err)
		}
		for i := 0; i+2 < len(rows); i += 3 {
			member, _ := rows[i].(string)
			score, _ := rows[i+1].(string)
			cur = cursor{score: score, member: member}
			js, _ := rows[i+2].(string)
			if q.Sort == chorus.Recent && !q.Since.IsZero() {
				if ms, err := strconv.ParseFloat(score, 64); err == nil && int64(ms) < q.Since.UnixMilli() {
					done = true // newest first: the rest are older still
					break
				}
			}
			if js == "" {
				continue // indexed but gone: cannot happen short of manual edits
			}
			var p chorus.Post
			if err := decodePost(js, &p); err != nil {
				return page, fmt.Errorf("posts of %s: post %s: %w", event, member, err)
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
		if done || len(page.Posts) > q.Limit || len(rows) < 3*want {
			break
		}
	}
	if len(page.Posts) > q.Limit {
		page.Posts = page.Posts[:q.Limit]
		page.NextCursor = last[q.Limit-1].encode()
	}
	return page, nil
}

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
