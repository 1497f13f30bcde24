package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
)

// The read routes and pages answer from a cache of finished responses
// (bytes, gzip'd bytes, ETag). An entry is good while the store's version
// of its event is the one it was built at: every tally that counts
// something, every correction bumps that version, in this process or in
// any other writing to the same Redis (Store.Version). A request costs one
// version read (in memory for the embedded store, one GET for Redis) and a
// copy of bytes, not the store reads and rendering behind them. Requests
// that miss together share one build, so a burst of viewers
// after a tally costs one rebuild. The version is read before the data:
// what a build reads is at least as new as the version it is filed under,
// so a write that returned is seen by the next read.
//
// Entries also expire after maxAge, for what no version covers (collector
// health written by collectors) and as a backstop should a version bump be
// lost (Redis: the bump follows the tally's Lua step).

// The cache's bounds: entries, and bytes (bodies plain and gzip'd), the
// least recently used going first. A response over cacheMaxBody is served
// but not kept.
const (
	cacheEntries = 4096
	cacheBytes   = 64 << 20
	cacheMaxBody = 4 << 20
)

// gzipMin is the body size from which a response is also kept gzip'd.
const gzipMin = 1024

type cache struct {
	entries *lru.Cache[string, *response]
	bytes   atomic.Int64 // held by entries

	mu       sync.Mutex
	inflight map[string]*flight // the build under way, per key
}

// flight is one build under way; done is closed when r or err is set.
type flight struct {
	version uint64
	done    chan struct{}
	r       *response
	err     error
}

func newCache() *cache {
	c := &cache{inflight: map[string]*flight{}}
	entries, err := lru.NewWithEvict(cacheEntries, func(_ string, r *response) { c.bytes.Add(-r.size()) })
	if err != nil {
		panic(err) // only for a size <= 0
	}
	c.entries = entries
	return c
}

// add keeps r under key, then lets the oldest entries go while the cache
// holds more than cacheBytes.
func (c *cache) add(key string, r *response) {
	if r.size() > cacheMaxBody {
		return
	}
	if old, ok := c.entries.Peek(key); ok {
		c.bytes.Add(-old.size()) // replaced, not evicted: no callback
	}
	c.bytes.Add(r.size())
	c.entries.Add(key, r)
	for c.bytes.Load() > cacheBytes && c.entries.Len() > 1 {
		c.entries.RemoveOldest()
	}
}

func (r *response) size() int64 { return int64(len(r.body) + len(r.gz)) }

// response is one finished response, never changed once built.
type response struct {
	status  int
	ctype   string
	body    []byte
	gz      []byte // body gzip'd, or nil
	etag    string
	version uint64
	built   time.Time
	maxAge  time.Duration
}

// fresh says whether r may answer a request that read version: built at
// that version or a later one, and young enough.
func (r *response) fresh(version uint64, now time.Time) bool {
	return r.version >= version && now.Sub(r.built) < r.maxAge
}

// build renders a response; it runs under a context detached from the
// request that started it, since others may wait for it.
type build func(ctx context.Context) (*response, error)

// buildTimeout bounds one build.
const buildTimeout = 30 * time.Second

// cached answers c from the cache entry key, built by b when missing or
// stale. event names the version that covers it ("" for the event list).
func (s *server) cached(c *gin.Context, event, key string, maxAge time.Duration, b build) error {
	r, err := s.lookup(c.Request.Context(), event, key, maxAge, b)
	if err != nil {
		return err
	}
	r.write(c)
	return nil
}

// lookup returns the fresh entry key, building it with b when needed. At
// most one build of a key runs at a time: a request waits for the build
// under way when that build read a version at least as new as its own
// (what it reads is then new enough), and otherwise for it to end, then
// starts the next one, which all the requests that waited meanwhile share.
// So a burst of tallies costs a rebuild after another, never a pile of
// them competing for the CPU.
func (s *server) lookup(ctx context.Context, event, key string, maxAge time.Duration, b build) (*response, error) {
	v, err := s.cfg.Store.Version(ctx, event)
	if err != nil {
		return nil, fmt.Errorf("version of %s: %w", event, err)
	}
	c := s.cache
	for {
		if r, ok := c.entries.Get(key); ok && r.fresh(v, time.Now()) {
			return r, nil
		}
		c.mu.Lock()
		f := c.inflight[key]
		if f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if f.version >= v {
				return f.r, f.err
			}
			// It was building an older version. Build the newest (it may
			// have moved meanwhile), or join whoever starts it first.
			if nv, err := s.cfg.Store.Version(ctx, event); err == nil {
				v = max(v, nv)
			}
			continue
		}
		f = &flight{version: v, done: make(chan struct{})}
		c.inflight[key] = f
		c.mu.Unlock()
		f.r, f.err = s.build(ctx, key, f, maxAge, b)
		c.mu.Lock()
		delete(c.inflight, key)
		c.mu.Unlock()
		close(f.done)
		return f.r, f.err
	}
}

// build runs b under a context of its own (others may wait for it).
func (s *server) build(ctx context.Context, key string, f *flight, maxAge time.Duration, b build) (*response, error) {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), buildTimeout)
	defer cancel()
	r, err := b(bctx)
	if err != nil {
		return nil, err
	}
	r.seal(f.version, maxAge)
	if old, ok := s.cache.entries.Peek(key); !ok || old.version <= f.version {
		s.cache.add(key, r)
	}
	return r, nil
}

// seal fills in what write needs: version, time, ETag, the gzip'd body.
func (r *response) seal(version uint64, maxAge time.Duration) {
	r.version, r.built, r.maxAge = version, time.Now(), maxAge
	h := fnv.New64a()
	h.Write(r.body)
	r.etag = fmt.Sprintf(`"%x-%x"`, version, h.Sum64())
	if len(r.body) >= gzipMin {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression) // once per build, read many times
		zw.Write(r.body)
		zw.Close()
		r.gz = buf.Bytes()
	}
}

func (r *response) write(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("ETag", r.etag)
	h.Set("Cache-Control", "no-cache") // keep it, but ask each time: the answer is a 304 while nothing changed
	h.Set("Vary", "Accept-Encoding")
	if match := c.GetHeader("If-None-Match"); match != "" && strings.Contains(match, r.etag) && r.status == http.StatusOK {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	body := r.body
	if r.gz != nil && acceptsGzip(c.GetHeader("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = r.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.Data(r.status, r.ctype, body)
}

func acceptsGzip(ae string) bool {
	for part := range strings.SplitSeq(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		if _, q, ok := strings.Cut(params, "q="); ok {
			if f, err := strconv.ParseFloat(strings.TrimSpace(q), 64); err == nil && f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

// jsonResponse is a 200 JSON response of v.
func jsonResponse(v any) (*response, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &response{status: http.StatusOK, ctype: "application/json; charset=utf-8", body: b}, nil
}

// htmlResponse renders the named template.
func (s *server) htmlResponse(status int, name string, data any) (*response, error) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return &response{status: status, ctype: "text/html; charset=utf-8", body: buf.Bytes()}, nil
}
