package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/ingest"
)

func (s *server) listPosts(c *gin.Context) error {
	id, err := eventID(c)
	if err != nil {
		return err
	}
	q, err := postQuery(c)
	if err != nil {
		return err
	}
	return s.cached(c, id, "posts|"+id+"|"+queryKey(q), s.maxAge, func(ctx context.Context) (*response, error) {
		page, err := s.postsOf(ctx, id, q)
		if err != nil {
			return nil, err
		}
		return jsonResponse(page)
	})
}

// postsOf is one page of the event's posts, 404 for an unknown event.
func (s *server) postsOf(ctx context.Context, id string, q chorus.PostQuery) (chorus.PostPage, error) {
	if _, err := s.loadEvent(ctx, id); err != nil {
		return chorus.PostPage{}, err
	}
	page, err := s.cfg.Store.Posts(ctx, id, q)
	if err != nil {
		return page, fmt.Errorf("posts of %s: %w", id, err)
	}
	if page.Posts == nil {
		page.Posts = []chorus.Post{}
	}
	return page, nil
}

// queryKey is a canonical spelling of a listing query, for cache keys.
func queryKey(q chorus.PostQuery) string {
	ms := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.UnixMilli()
	}
	return fmt.Sprintf("%s|%s|%s|%d|%d|%d|%s", q.Platform, q.Label, q.Sort, q.Limit, ms(q.Since), ms(q.Until), q.Cursor)
}

// timeParam reads an RFC 3339 time (or unix seconds) from the query.
func timeParam(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := chorus.ParseTime(name, v)
	if err != nil {
		return time.Time{}, &chorus.FieldError{Field: name, Reason: fmt.Sprintf("%q: want an RFC 3339 time such as 2024-07-31T19:00:00Z, or unix seconds", v)}
	}
	return t, nil
}

func postQuery(c *gin.Context) (chorus.PostQuery, error) {
	q := chorus.PostQuery{Sort: chorus.Recent, Limit: chorus.DefaultPageSize, Cursor: c.Query("cursor")}
	var err error
	if q.Platform, err = platformParam(c); err != nil {
		return q, err
	}
	if v := c.Query("label"); v != "" {
		l, ok := chorus.ParseLabel(v)
		if !ok {
			return q, &chorus.FieldError{Field: "label", Reason: fmt.Sprintf("%q: want positive, neutral, negative or unscored", v)}
		}
		q.Label = l
	}
	switch v := c.Query("sort"); v {
	case "", "recent":
	case "top":
		q.Sort = chorus.Top
	default:
		return q, &chorus.FieldError{Field: "sort", Reason: fmt.Sprintf("%q: want recent or top", v)}
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > chorus.MaxPageSize {
			return q, &chorus.FieldError{Field: "limit", Reason: fmt.Sprintf("%q: want a number from 1 to %d", v, chorus.MaxPageSize)}
		}
		q.Limit = n
	}
	if q.Since, err = timeParam(c, "since"); err != nil {
		return q, err
	}
	if q.Until, err = timeParam(c, "until"); err != nil {
		return q, err
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return q, &chorus.FieldError{Field: "until", Reason: "not after since"}
	}
	return q, nil
}

// submitResponse is the reply to POST …/posts.
type submitResponse struct {
	Accepted   int               `json:"accepted"`
	Duplicates int               `json:"duplicates"`
	Rejected   []ingest.Rejected `json:"rejected"`
}

// submitPosts takes a JSON array (or one object) with
// Content-Type application/json — all or nothing on syntax — or JSON lines
// with application/x-ndjson, where each bad line is rejected on its own.
func (s *server) submitPosts(c *gin.Context) error {
	ev, err := s.event(c)
	if err != nil {
		return err
	}
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxPostsBody))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	var items [][]byte
	switch ct {
	case "application/json", "":
		if items, err = jsonItems(body); err != nil {
			return err
		}
	case "application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines":
		items = ndjsonItems(body)
	default:
		return fmt.Errorf("%w: Content-Type %q: send application/json or application/x-ndjson", errUnsupportedType, ct)
	}
	if len(items) > MaxBatch {
		return &chorus.FieldError{Field: "body", Reason: fmt.Sprintf("%d posts, over the %d per request limit", len(items), MaxBatch)}
	}
	resp := submitResponse{Rejected: []ingest.Rejected{}}
	decoded, errs := s.decodeAll(items)
	posts := make([]chorus.Post, 0, len(items))
	index := make([]int, 0, len(items)) // posts[i] is item index[i]
	for i := range items {
		if errs[i] != nil {
			resp.Rejected = append(resp.Rejected, ingest.Rejected{Index: i, Error: errs[i].Error()})
			continue
		}
		posts = append(posts, decoded[i])
		index = append(index, i)
	}
	// The version before, for a store without tickets: the reply waits
	// for the tally of what it queued to bump it, so that a read right
	// after misses the cache (awaitTally).
	var before uint64
	if _, ok := s.cfg.Store.(TallyWaiter); !ok {
		before, _ = s.cfg.Store.Version(c.Request.Context(), ev.ID)
	}
	res, err := ingest.Submit(c.Request.Context(), s.cfg.Store, ev.ID, posts)
	if err != nil {
		return err
	}
	s.recent.add(ev.ID, accepted(posts, res.Rejected))
	for _, r := range res.Rejected {
		resp.Rejected = append(resp.Rejected, ingest.Rejected{Index: index[r.Index], Error: r.Error})
	}
	resp.Accepted, resp.Duplicates = res.Accepted, res.Duplicates
	if res.Accepted > 0 {
		s.awaitTally(c.Request.Context(), ev.ID, res.Tickets, before)
	}
	c.JSON(http.StatusOK, resp)
	return nil
}

// decodeAll decodes every item (nil: over the record limit), a big batch
// on all cores: the reply waits for it, and a client sends its next batch
// only after the reply.
func (s *server) decodeAll(items [][]byte) ([]chorus.Post, []error) {
	posts, errs := make([]chorus.Post, len(items)), make([]error, len(items))
	decode := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if items[i] == nil {
				errs[i] = fmt.Errorf("record: over the %d byte limit", chorus.MaxRecordBytes)
				continue
			}
			posts[i], errs[i] = s.cfg.Decode(items[i])
		}
	}
	parts := min(runtime.GOMAXPROCS(0), len(items)/minDecodePart)
	if parts <= 1 {
		decode(0, len(items))
		return posts, errs
	}
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() { decode(k*len(items)/parts, (k+1)*len(items)/parts) })
	}
	wg.Wait()
	return posts, errs
}

// minDecodePart is the fewest records worth a goroutine of their own.
const minDecodePart = 256

// TallyWaiter is a store that tells whether the posts one Submit queued
// are tallied (store/redis: by the ticket it returned), and whose tally
// moves the event's Version in the same step: once a ticket is tallied, a
// read misses the cache. Without it, awaitTally waits for the event's
// whole queue to drain, which under a steady push of many clients rarely
// happens, and then for the version to move.
type TallyWaiter interface {
	Tallied(ctx context.Context, event, ticket string) (bool, error)
}

// accepted is posts without the ones Submit rejected.
func accepted(posts []chorus.Post, rejected []ingest.Rejected) []chorus.Post {
	if len(rejected) == 0 {
		return posts
	}
	bad := map[int]bool{}
	for _, r := range rejected {
		bad[r.Index] = true
	}
	out := make([]chorus.Post, 0, len(posts))
	for i := range posts {
		if !bad[i] {
			out = append(out, posts[i])
		}
	}
	return out
}

// awaitTally waits, up to Config.TallyWait, until what this request queued
// is tallied (or, for a store without tickets, nothing of event is queued
// and the event's version moved past before: the embedded store bumps it
// just after the tally, and a read between the two would still be
// answered from the cache). The posts are accepted either way; the wait
// only lets a client that reads the summary next see them counted.
func (s *server) awaitTally(ctx context.Context, event string, tickets []string, before uint64) {
	wait := s.cfg.TallyWait
	if wait == 0 {
		wait = 2 * time.Second
	}
	if wait < 0 {
		return
	}
	tw, byTicket := s.cfg.Store.(TallyWaiter)
	byTicket = byTicket && len(tickets) > 0
	here, _ := s.cfg.Store.(localTallies)
	deadline := time.Now().Add(wait)
	var asked time.Time // when the store was last asked
	for time.Now().Before(deadline) {
		done := true
		if byTicket {
			for len(tickets) > 0 {
				// This process's workers say so for free; the store
				// (another process's worker may have tallied) is asked
				// every remoteEvery.
				ok := here != nil && here.TalliedHere(event, tickets[0])
				if !ok && time.Since(asked) >= remoteEvery(here != nil) {
					asked = time.Now()
					var err error
					if ok, err = tw.Tallied(ctx, event, tickets[0]); err != nil {
						return
					}
				}
				if !ok {
					done = false
					break
				}
				tickets = tickets[1:]
			}
		} else {
			n, err := s.cfg.Store.Queued(ctx, event)
			if err != nil {
				return
			}
			done = n == 0
		}
		if done && byTicket {
			return
		}
		if done {
			if v, err := s.cfg.Store.Version(ctx, event); err != nil || v != before {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Millisecond):
		}
	}
}

// localTallies is a store that knows what this process's own workers
// tallied (store/redis), which a push served here mostly waits for.
type localTallies interface {
	TalliedHere(event, ticket string) bool
}

// remoteEvery is how often awaitTally asks the store itself: every few
// milliseconds costs Redis a script call each, a share of its time per
// post, so less often when this process's workers can answer.
func remoteEvery(local bool) time.Duration {
	if local {
		return 10 * time.Millisecond
	}
	return 2 * time.Millisecond
}

// jsonItems splits a JSON array (or a single object) into its elements. A
// body that is not valid JSON is an error: nothing of it is stored.
func jsonItems(body []byte) ([][]byte, error) {
	body = bytes.TrimSpace(body)
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		return nil, &chorus.FieldError{Field: "body", Reason: fmt.Sprintf("not valid JSON: %v", err)}
	}
	switch {
	case len(body) > 0 && body[0] == '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(body, &raw); err != nil {
			return nil, &chorus.FieldError{Field: "body", Reason: err.Error()}
		}
		items := make([][]byte, len(raw))
		for i, r := range raw {
			items[i] = compact(r)
		}
		return items, nil
	case len(body) > 0 && body[0] == '{':
		return [][]byte{compact(body)}, nil
	}
	return nil, &chorus.FieldError{Field: "body", Reason: "want a JSON array of posts or one post object"}
}

func compact(b []byte) []byte {
	if len(b) > chorus.MaxRecordBytes {
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}

// ndjsonItems splits JSON lines, skipping blank lines.
func ndjsonItems(body []byte) [][]byte {
	var items [][]byte
	for line := range bytes.SplitSeq(body, []byte{'\n'}) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if len(line) > chorus.MaxRecordBytes {
			line = nil
		}
		items = append(items, line)
	}
	return items
}

type correction struct {
	Label string `json:"label"`
	Note  string `json:"note"`
}

func (s *server) correctPost(c *gin.Context) error {
	ev, err := s.event(c)
	if err != nil {
		return err
	}
	pl, ok := chorus.ParsePlatform(c.Param("platform"))
	if !ok {
		return &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q (want x or weibo)", c.Param("platform"))}
	}
	var body correction
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, MaxSmallBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return &chorus.FieldError{Field: "body", Reason: fmt.Sprintf("want {\"label\":…,\"note\":…}: %v", err)}
	}
	l, ok := chorus.ParseLabel(body.Label)
	if !ok || l == chorus.Unscored {
		return &chorus.FieldError{Field: "label", Reason: fmt.Sprintf("%q: want positive, neutral or negative", body.Label)}
	}
	if len(body.Note) > chorus.MaxFieldBytes {
		return &chorus.FieldError{Field: "note", Reason: "over the size limit"}
	}
	p, err := s.cfg.Store.Correct(c.Request.Context(), ev.ID, pl, c.Param("post_id"), l, body.Note)
	if err != nil {
		return fmt.Errorf("correct %s:%s: %w", pl, c.Param("post_id"), err)
	}
	c.JSON(http.StatusOK, p)
	return nil
}
