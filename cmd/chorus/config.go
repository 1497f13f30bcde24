package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
)

// secret is a credential: it never prints, in logs or otherwise.
type secret string

func (s secret) String() string               { return "[redacted]" }
func (s secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (s secret) GoString() string             { return "[redacted]" }
func (s *secret) Set(v string) error          { *s = secret(v); return nil }
func (s secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Config is every setting of every command. Each flag's default comes from
// its environment variable: flag > env > default.
type Config struct {
	Redis    string // CHORUS_REDIS_URL; empty means the embedded store
	DataDir  string // CHORUS_DATA_DIR
	Addr     string // CHORUS_ADDR
	Token    secret // CHORUS_TOKEN
	Workers  int    // CHORUS_WORKERS; scoring workers in this process
	LogLevel string // CHORUS_LOG_LEVEL
	Scorer   string // CHORUS_SCORER: "" for the built-in models, or an HTTP scorer URL
	// ClaimIdle is how long a queued post may sit with a worker that does
	// not tally it before another worker takes it over (the first died).
	ClaimIdle time.Duration // CHORUS_CLAIM_IDLE
	// QueueCap bounds the posts of one event waiting to be tallied: past
	// it writes are refused with 429 and Retry-After (0: no cap).
	QueueCap int64 // CHORUS_QUEUE_CAP
	// EventShards is how many shards (Redis hash tags) an event created
	// by this command gets.
	EventShards int // CHORUS_EVENT_SHARDS
}

// DefaultQueueCap is --queue-cap's default: a few hundred MB of Redis
// memory (a queued post is its JSON in a stream entry), minutes of work
// for the workers.
const DefaultQueueCap = 500_000

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envBool(name string, def bool) bool {
	if v, err := strconv.ParseBool(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// storeFlags registers the settings every command that opens a store takes.
// One-shot commands log warnings and errors only; serve and worker say more.
func (c *Config) storeFlags(fs *flag.FlagSet) {
	level := "warn"
	if n := fs.Name(); n == "serve" || n == "worker" {
		level = "info"
	}
	fs.StringVar(&c.Redis, "redis", env("CHORUS_REDIS_URL", ""), "Redis URL: redis://[user:pass@]host:port/db, rediss://…, or redis://h1:7000,h2:7001 for Cluster; empty for the embedded store (env CHORUS_REDIS_URL)")
	fs.StringVar(&c.DataDir, "data-dir", env("CHORUS_DATA_DIR", "./chorus-data"), "where the embedded store keeps its data (env CHORUS_DATA_DIR)")
	fs.StringVar(&c.LogLevel, "log-level", env("CHORUS_LOG_LEVEL", level), "debug, info, warn or error (env CHORUS_LOG_LEVEL)")
	fs.Int64Var(&c.QueueCap, "queue-cap", int64(envInt("CHORUS_QUEUE_CAP", DefaultQueueCap)), "posts of one event that may wait to be tallied; past it writes answer 429 with Retry-After; 0 for no cap (env CHORUS_QUEUE_CAP)")
	fs.IntVar(&c.EventShards, "event-shards", envInt("CHORUS_EVENT_SHARDS", 1), "Redis: shards (hash tags, so Cluster slots) of an event created by this command, 1-64; spread one big event over a Cluster's nodes (env CHORUS_EVENT_SHARDS)")
}

// workerFlags registers the settings of commands that score posts.
func (c *Config) workerFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Workers, "workers", envInt("CHORUS_WORKERS", runtime.GOMAXPROCS(0)), "scoring workers in this process (env CHORUS_WORKERS)")
	fs.DurationVar(&c.ClaimIdle, "claim-idle", envDuration("CHORUS_CLAIM_IDLE", 10*time.Second), "Redis: hand a post held this long by a worker that did not tally it to another worker (env CHORUS_CLAIM_IDLE)")
	fs.StringVar(&c.Scorer, "scorer", env("CHORUS_SCORER", ""), "HTTP scorer URL to use before the built-in models; empty for the built-in models only (env CHORUS_SCORER)")
}

// serveFlags registers the HTTP settings.
func (c *Config) serveFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", env("CHORUS_ADDR", "127.0.0.1:8080"), "listen address (env CHORUS_ADDR)")
	c.Token = secret(env("CHORUS_TOKEN", ""))
	fs.Var(&c.Token, "token", "bearer token every write must carry; required off loopback (env CHORUS_TOKEN)")
}

// Validate names the flag and variable at fault.
func (c *Config) Validate(serving bool) error {
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.ClaimIdle < 0 {
		return usagef("--claim-idle (CHORUS_CLAIM_IDLE): %v is negative", c.ClaimIdle)
	}
	if c.QueueCap < 0 {
		return usagef("--queue-cap (CHORUS_QUEUE_CAP): %d is negative", c.QueueCap)
	}
	if c.EventShards < 1 || c.EventShards > chorus.MaxEventShards {
		return usagef("--event-shards (CHORUS_EVENT_SHARDS): %d: want 1 to %d", c.EventShards, chorus.MaxEventShards)
	}
	if c.Workers < 0 {
		return usagef("--workers (CHORUS_WORKERS): %d is negative", c.Workers)
	}
	if c.Redis == "" && strings.TrimSpace(c.DataDir) == "" {
		return usagef("--data-dir (CHORUS_DATA_DIR) is empty and no --redis (CHORUS_REDIS_URL) is set")
	}
	if serving {
		host, _, err := net.SplitHostPort(c.Addr)
		if err != nil {
			return usagef("--addr (CHORUS_ADDR): %q is not host:port: %v", c.Addr, err)
		}
		if c.Token == "" && !loopback(host) {
			return usagef("--addr %s is not a loopback address: set a token with --token or CHORUS_TOKEN so that writes are protected", c.Addr)
		}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, usagef("--log-level (CHORUS_LOG_LEVEL): %q is not debug, info, warn or error", s)
	}
	return l, nil
}

func (c *Config) logger(stderr io.Writer) *slog.Logger {
	l, _ := parseLevel(c.LogLevel)
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: l}))
}

// appStore is what the commands need of a store.
type appStore interface {
	Kind() string
	Ping(ctx context.Context) error
	Close() error
	Queued(ctx context.Context, event string) (int64, error)
	webStore
	ingest.Source
	collector.Store
}

// openStore opens Redis when a URL is set, else the embedded store.
func (c *Config) openStore(ctx context.Context, log *slog.Logger) (appStore, error) {
	if c.Redis != "" {
		redis.LogClientTo(log) // go-redis's own retry lines go to slog at debug level
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		s, err := redis.Open(ctx, c.Redis, redis.Options{Logger: log, ClaimIdle: c.ClaimIdle, QueueCap: c.QueueCap, Shards: c.EventShards})
		if err != nil {
			return nil, fmt.Errorf("open redis store: %w", err)
		}
		return s, nil
	}
	s, err := embedded.Open(c.DataDir, embedded.Options{Logger: log, QueueCap: c.QueueCap})
	if err != nil {
		return nil, fmt.Errorf("open embedded store: %w", err)
	}
	return s, nil
}

// openScoring opens the store and loads the models: what serve and worker
// both start with. A store that cannot be reached yet (Redis restarting, a
// Cluster still forming) is waited for with back-off until ctx ends, as a
// running serve or worker waits out an outage; any other error (a bad URL,
// a refused password) ends the command at once. The caller closes the
// store.
func (c *Config) openScoring(ctx context.Context, log *slog.Logger) (appStore, *analysis.Engine, error) {
	st, err := c.openStore(ctx, log)
	for wait := startRetryMin; errors.Is(err, chorus.ErrUnavailable); wait = min(2*wait, startRetryMax) {
		log.Warn("store unavailable at start; retrying", "err", err, "wait", wait)
		select {
		case <-ctx.Done():
			return nil, nil, fmt.Errorf("%w (gave up waiting: %v)", err, ctx.Err())
		case <-time.After(wait):
		}
		if st, err = c.openStore(ctx, log); err == nil {
			log.Info("store available")
		}
	}
	if err != nil {
		return nil, nil, err
	}
	an, err := c.analyzer(log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, an, nil
}

// Back-off bounds of serve and worker waiting for their store at start.
const (
	startRetryMin = 500 * time.Millisecond
	startRetryMax = 5 * time.Second
)

// analyzer loads the scoring models.
func (c *Config) analyzer(log *slog.Logger) (*analysis.Engine, error) {
	e, err := analysis.New(analysis.Options{Logger: log, Remote: c.Scorer})
	if err != nil {
		return nil, fmt.Errorf("load sentiment models: %w", err)
	}
	return e, nil
}

// parse parses a command's flags, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	return nil
}
