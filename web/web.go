// Package web serves the dashboard pages and the JSON API with Gin. Handlers
// are thin: they parse the request, call the store and reply; one wrapper
// turns their errors into statuses and {"error":"…"} bodies.
package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-news/chorus"
)

// Store is what the web layer reads and writes.
type Store interface {
	Kind() string
	Ping(ctx context.Context) error
	CreateEvent(ctx context.Context, ev chorus.Event) (bool, error)
	Event(ctx context.Context, id string) (chorus.Event, error)
	Events(ctx context.Context) ([]chorus.Event, error)
	Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)
	Queued(ctx context.Context, event string) (int64, error)
	Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error)
	Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) ([]chorus.Point, error)
	Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error)
	Post(ctx context.Context, event string, platform chorus.Platform, id string) (chorus.Post, error)
	Correct(ctx context.Context, event string, platform chorus.Platform, id string, label chorus.Label, note string) (chorus.Post, error)
	// Version changes whenever what readers of event see changes (of any
	// event for ""): the cache's key to staleness (cache.go).
	Version(ctx context.Context, event string) (uint64, error)
	FoldReposts(ctx context.Context, event string, reposts []chorus.Post) (chorus.SubmitResult, error)
	Collectors(ctx context.Context, event string) ([]chorus.CollectorStatus, error)
}

// Config is what New needs.
type Config struct {
	Store  Store
	Logger *slog.Logger
	// Token, when set, must come as "Authorization: Bearer <token>" on
	// every write.
	Token string
	// Decode parses one canonical post from JSON (the import decoder, so
	// that every ingest path reads posts the same way).
	Decode func([]byte) (chorus.Post, error)
	// Gatherer is served on /metrics; nil serves the default registry.
	Gatherer prometheus.Gatherer
	Version  string
	// TallyWait bounds how long POST …/posts waits for the workers to
	// tally what it queued, so that a read right after sees it (read your
	// writes). 2 s when zero; negative answers at once.
	TallyWait time.Duration
	// CacheMaxAge bounds how long a cached response is served while the
	// store's version stays the same (cache.go); 5 s when zero.
	CacheMaxAge time.Duration
	// Registerer, when set, gets the web layer's metrics (live viewers).
	Registerer prometheus.Registerer
	// LiveHeartbeat is how often an idle live stream sends a comment line
	// to keep proxies from closing it; 15 s when zero.
	LiveHeartbeat time.Duration
}

// Size limits of request bodies.
const (
	MaxPostsBody = 32 << 20 // POST …/posts
	MaxSmallBody = 64 << 10 // everything else
	MaxBatch     = 50_000   // posts in one request
)

//go:embed templates static
var assets embed.FS

type server struct {
	cfg    Config
	log    *slog.Logger
	pages  *template.Template
	cache  *cache
	maxAge time.Duration
	hub    *hub
	recent arrivals // posts just taken over POST …/posts (arrivals.go)
}

// New returns the HTTP handler of the dashboard and API.
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &server{cfg: cfg, log: cfg.Logger.With("component", "web"), cache: newCache(), maxAge: cfg.CacheMaxAge}
	if s.maxAge <= 0 {
		s.maxAge = 5 * time.Second
	}
	s.hub = newHub(s)
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), s.accessLog, securityHeaders)
	r.SetHTMLTemplate(pages)
	static, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, err
	}
	s.routes(r, http.FS(static))
	return r, nil
}

func parsePages() (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
}

// handler is a route that returns its error instead of writing it.
type handler func(c *gin.Context) error

// wrap turns a handler's error into a status and a JSON body. The one place
// where error kinds meet HTTP statuses.
func (s *server) wrap(h handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := h(c)
		if err == nil {
			return
		}
		status := statusOf(err)
		msg := err.Error()
		switch status {
		case http.StatusInternalServerError:
			s.log.Error("request failed", "method", c.Request.Method, "path", c.FullPath(), "err", err)
			msg = "internal error; see the server log"
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			wait, _ := chorus.RetryAfter(err, unavailableRetry)
			c.Header("Retry-After", strconv.Itoa(retrySeconds(wait)))
			if status == http.StatusServiceUnavailable {
				s.log.Warn("store unavailable", "method", c.Request.Method, "path", c.FullPath(), "err", err)
				msg = "store unavailable: " + strings.TrimPrefix(msg, "store unavailable: ")
			}
		}
		c.AbortWithStatusJSON(status, gin.H{"error": msg})
	}
}

// unavailableRetry is the Retry-After of a 503: long enough for a Redis
// restart or a cluster failover to be under way, short enough that
// clients notice the recovery quickly.
const unavailableRetry = 2 * time.Second

// retrySeconds rounds a wait up to whole seconds, at least 1 (Retry-After
// counts in seconds).
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

func statusOf(err error) int {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, chorus.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, chorus.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, chorus.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, errUnsupportedType):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, chorus.ErrBusy):
		return http.StatusTooManyRequests
	case errors.Is(err, chorus.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

var errUnsupportedType = errors.New("unsupported content type")

// requireToken guards writes when a token is configured.
func (s *server) requireToken(c *gin.Context) {
	if s.cfg.Token == "" {
		return
	}
	got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.Token)) != 1 {
		c.Header("WWW-Authenticate", `Bearer realm="chorus"`)
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "missing or wrong bearer token (Authorization: Bearer <CHORUS_TOKEN>)"})
	}
}

// accessLog logs each request at debug level; never headers or bodies.
func (s *server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.log.Debug("request", "method", c.Request.Method, "path", c.Request.URL.Path,
		"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds())
}

func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; form-action 'self'")
	c.Next()
}
