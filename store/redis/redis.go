// Package redis is the Chorus store on Redis (a single node or a Redis
// Cluster) through go-redis. An event's keys share a hash tag, {<event>},
// so that every step on it (submit a batch, tally a batch, correct a label)
// is one atomic Lua call in one Cluster slot. A big event may be spread over
// several shards (chorus.Event.Shards), each its own tag and so its own
// slot: {<event>} and, picked at creation so that they land on the masters
// in turn, {<event>:<j>} (layout.go). A post lives in the shard its key
// hashes to; each shard has the keys below, and reads add the shards up.
//
// Key layout, for a shard of tag T (event ids are letters, digits, '-',
// '_', '.'; ':' marks a shard's tag):
//
//	chorus:events              hash  event id → event JSON (the registry, outside every event slot), with hash_tags when sharded
//	chorus:{T}:posts           hash  "platform:id" → "q" (queued), "d" (a dead letter) or the final JSON, with lang
//	                                 and sentiment, once tallied: the identity every path shares
//	chorus:{T}:q               stream, consumer group "chorus": one entry per submitted batch
//	                                 (n: posts, k: their keys, b: their JSON, a line each)
//	chorus:{T}:dlq             stream of dead letters (k, p: post JSON, reason, at)
//	chorus:{T}:c               hash  counters: n, l|<label>, p|<platform>, g|<lang>, pl|<platform>|<label>, pg|<platform>|<lang>,
//	                                 q (posts queued), and on the event's own tag r, rp|<platform>: plain reposts
//	                                 folded into reach (collect.go)
//	chorus:{T}:b:1m|1h|1d      hash  "<bucket start, unix s>|<platform>|<label>" → count
//	chorus:{T}:t:<platform>:<label>
//	                           zset  created_at index: score unix ms, member "platform:id";
//	                                 a listing merges the ones its filter needs
//	chorus:{T}:top[:p:<platform>]
//	                           zset  the TopN posts by chorus.Metrics.Engagement, overall and per platform
//
// Submit marks new posts "q" and queues them as one stream entry (a post
// the posts hash knows is a duplicate). Read serves the streams through the
// consumer group, taking over entries idle longer than ClaimIdle; an entry
// delivered twice is split into one entry per post, a post delivered twice
// goes out alone, and one delivered MaxDeliveries times goes to the dead
// letters. Tally stores the final JSON of each post still "q", counts and
// indexes it, and acks the entry once all its posts are tallied, so a
// replayed tally counts nothing twice. SubmitScored (imports) does submit
// and tally in one step, skipping the stream. A post without a language is
// counted under "und". chorus.Top listings show at most TopN posts.
// Errors that waiting cures wrap chorus.ErrUnavailable (errors.go); Check
// recounts an event (check.go). Folded reposts, checkpoints and collector
// statuses: collect.go.
package redis

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
)

// Options tune a Store. Zero values take the defaults.
type Options struct {
	// ClaimIdle is how long a read but untallied entry waits before another
	// consumer takes it over (its reader is taken for dead). Default 10s.
	ClaimIdle time.Duration
	// Logger receives the store's few log lines. Default: discarded.
	Logger *slog.Logger
	// TopN bounds the by-engagement index of each event (overall and per
	// platform). Default 1000.
	TopN int
	// Shards is how many shards an event created without its own number
	// gets (chorus.Event.Shards). Default 1.
	Shards int
	// QueueCap bounds how many posts of one event may wait in its queue;
	// a Submit beyond it fails with a *chorus.BusyError. 0: no cap.
	QueueCap int64
	// MaxDeliveries is how many times a queued post is handed out without
	// being tallied before it moves to the event's dead letters. Default 5.
	MaxDeliveries int
}

// Defaults for Options.
const (
	DefaultClaimIdle = 10 * time.Second
	DefaultTopN      = 1000
	// DefaultMaxDeliveries is Options.MaxDeliveries's default.
	DefaultMaxDeliveries = 5
)

const (
	group       = "chorus"        // the consumer group on every event stream
	registryKey = "chorus:events" // event id → event JSON
	entryField  = "p"             // the stream entry field holding the post JSON
	noLang      = "und"           // the language counted for a post without one
)

// Store is the Redis store. It is safe for concurrent use.
type Store struct {
	rdb     goredis.UniversalClient
	cluster bool
	url     string // redacted
	opts    Options
	log     *slog.Logger
	lua     scripts

	known sync.Map // event id → its layout (the shards' hash tags): events seen to exist

	mu        sync.Mutex
	streams   []stream  // the queue of every shard of every event, refreshed by Read
	events    int       // how many events streams covers
	refreshed time.Time // when streams was read
	looked    time.Time // when the registry's length was last compared with events
	claimed   time.Time
	rotate    int                       // first stream of the next Cluster round
	pending   map[string][]chorus.Entry // read but not yet handed out, per consumer
	partial   map[string]*partialEntry  // queue entries tallied in part, by stream and id
	acked     map[string]time.Time      // queue entries this process's tallies acked lately, by stream and id
	perEntry  float64                   // posts per queue entry, a moving average (Read sizes its COUNT by it)
}

// Open connects to the Redis at url: redis://[user:pass@]host:port[/db],
// rediss://… for TLS, or redis://h1:7000,h2:7001,… for a Redis Cluster. A
// single address that is a cluster node is used as a cluster. Errors name
// the URL without its password.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	safe := redactURL(url)
	if strings.TrimSpace(url) == "" {
		return nil, errors.New("open redis: no URL (want redis://host:port/db)")
	}
	t, err := parseURL(url)
	if err != nil {
		return nil, fmt.Errorf("open redis %s: %w", safe, badURL{err})
	}
	if opts.ClaimIdle <= 0 {
		opts.ClaimIdle = DefaultClaimIdle
	}
	if opts.TopN <= 0 {
		opts.TopN = DefaultTopN
	}
	opts.Shards = min(max(opts.Shards, 1), chorus.MaxEventShards)
	if opts.MaxDeliveries <= 0 {
		opts.MaxDeliveries = DefaultMaxDeliveries
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	uo := t.options()
	cluster := len(t.addrs) > 1
	rdb := goredis.NewUniversalClient(uo)
	if !cluster {
		info, err := rdb.Info(ctx, "cluster").Result()
		if err != nil {
			rdb.Close()
			return nil, fmt.Errorf("open redis %s: %w", safe, classify(err))
		}
		if strings.Contains(info, "cluster_enabled:1") {
			rdb.Close()
			if t.db != 0 {
				return nil, fmt.Errorf("open redis %s: a cluster node has no database %d", safe, t.db)
			}
			uo.IsClusterMode = true
			rdb = goredis.NewUniversalClient(uo)
			cluster = true
		}
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("open redis %s: %w", safe, classify(err))
	}
	s := &Store{
		rdb:     rdb,
		cluster: cluster,
		url:     safe,
		opts:    opts,
		log:     opts.Logger.With("component", "store", "store", "redis"),
		pending: map[string][]chorus.Entry{},
		partial: map[string]*partialEntry{},
		acked:   map[string]time.Time{},
		lua:     newScripts(),
	}
	s.log.Debug("opened", "url", safe, "cluster", cluster)
	return s, nil
}

// Kind is "redis".
func (s *Store) Kind() string { return "redis" }

// Ping fails when Redis cannot be reached.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.ping(ctx); err != nil {
		return &unavailableError{fmt.Errorf("ping redis %s: %w", s.url, err)}
	}
	return nil
}

// ping asks every node: on a Cluster, every master must answer and see the
// cluster as ok (a cluster whose master is gone refuses every key once
// the others notice, though each live node still answers PING).
func (s *Store) ping(ctx context.Context) error {
	cc, ok := s.rdb.(*goredis.ClusterClient)
	if !ok {
		return s.rdb.Ping(ctx).Err()
	}
	return cc.ForEachMaster(ctx, func(ctx context.Context, c *goredis.Client) error {
		info, err := c.ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("node %s: %w", c.Options().Addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("node %s: CLUSTERDOWN: cluster_state is not ok", c.Options().Addr)
		}
		return nil
	})
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

// target is a parsed Redis URL.
type target struct {
	addrs              []string
	username, password string
	db                 int
	tls                bool
}

func (t target) options() *goredis.UniversalOptions {
	o := &goredis.UniversalOptions{
		Addrs:           t.addrs,
		Username:        t.username,
		Password:        t.password,
		DB:              t.db,
		DisableIdentity: true,
		PoolSize:        32,
		// Fail fast while a node is down: a request during an outage gets
		// its 503 in well under a second, and callers retry with their
		// own back-off. (The defaults, 5 dial attempts a retry, hold each
		// request about 2 s.)
		DialTimeout:        2 * time.Second,
		DialerRetries:      2,
		DialerRetryTimeout: 50 * time.Millisecond,
	}
	if t.tls {
		host, _, _ := net.SplitHostPort(t.addrs[0])
		o.TLSConfig = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return o
}

// badURL is a Redis URL that cannot be read: bad input (chorus.ErrInvalid,
// so exit 2), not a store that failed.
type badURL struct{ error }

func (e badURL) Unwrap() error        { return e.error }
func (e badURL) Is(target error) bool { return target == chorus.ErrInvalid }

// parseURL reads redis://[user:pass@]host:port[/db], rediss://… and
// redis://[user:pass@]h1:p1,h2:p2,… (Cluster seeds, database 0 only).
func parseURL(raw string) (target, error) {
	var t target
	scheme, rest, ok := strings.Cut(strings.TrimSpace(raw), "://")
	if !ok {
		return t, errors.New(`want redis://[user:pass@]host:port[/db], rediss://… or redis://host1:port1,host2:port2,…`)
	}
	switch strings.ToLower(scheme) {
	case "redis":
	case "rediss":
		t.tls = true
	default:
		return t, fmt.Errorf("unknown scheme %q (want redis or rediss)", scheme)
	}
	// Seeds that repeat the scheme, as other tools' lists are often
	// written (redis://h1:7000,redis://h2:7001): the scheme once is enough.
	if seeds := strings.Split(rest, ","); len(seeds) > 1 {
		for i, sd := range seeds[1:] {
			sch, after, ok := strings.Cut(strings.TrimSpace(sd), "://")
			if !ok {
				continue
			}
			if !strings.EqualFold(sch, scheme) {
				return t, fmt.Errorf("seed %q: every seed takes the first one's scheme, %s://", sd, scheme)
			}
			seeds[i+1] = after
		}
		rest = strings.Join(seeds, ",")
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		return t, errors.New("query parameters are not supported")
	}
	authority, path, _ := strings.Cut(rest, "/")
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		user, pass, hasPass := strings.Cut(authority[:i], ":")
		var err error
		if t.username, err = url.PathUnescape(user); err != nil {
			return t, errors.New("bad user name escape")
		}
		if hasPass {
			if t.password, err = url.PathUnescape(pass); err != nil {
				return t, errors.New("bad password escape")
			}
		}
		authority = authority[i+1:]
	}
	for h := range strings.SplitSeq(authority, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			return t, errors.New("empty host")
		}
		if !strings.Contains(h, ":") || strings.HasSuffix(h, "]") {
			h += ":6379"
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			return t, fmt.Errorf("bad address %q: %w", h, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return t, fmt.Errorf("bad port %q", port)
		}
		if host == "" {
			host = "localhost"
		}
		t.addrs = append(t.addrs, net.JoinHostPort(host, port))
	}
	if path = strings.Trim(path, "/"); path != "" {
		n, err := strconv.Atoi(path)
		if err != nil || n < 0 {
			return t, fmt.Errorf("bad database number %q", path)
		}
		t.db = n
	}
	if len(t.addrs) > 1 && t.db != 0 {
		return t, fmt.Errorf("a cluster has no database %d", t.db)
	}
	return t, nil
}

// redactURL hides the password of a Redis URL, even a malformed one.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return raw
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if hasPass {
		user += ":xxxxx"
	}
	out := user + rest[at:]
	if ok {
		out = scheme + "://" + out
	}
	return out
}

// keys names every key of one shard of an event.
type keys struct {
	posts, queue, counts, dlq string
	buckets                   [3]string // in chorus.Buckets order
	top                       string
	ver                       string   // the shard's change count (Version sums an event's)
	topP                      []string // in chorus.Platforms order
	timePL                    []string // platform-major, then chorus.Labels order
}

// shardTag is the hash tag of shard i of event: the event id itself for
// shard 0 (so an event of one shard keeps the layout it always had), and
// "id:i" for the others (':' is not allowed in an event id, so no event's
// tag can collide with another's shard).
func shardTag(event string, shard int) string {
	if shard == 0 {
		return event
	}
	return event + ":" + strconv.Itoa(shard)
}

// shardOf is the shard of a post key among n: FNV-1a, so that every
// process puts a post in the same shard.
func shardOf(key string, n int) int {
	if n <= 1 {
		return 0
	}
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % uint32(n))
}

func eventKeys(event string) keys { return shardKeys(event, 0) }

// shardKeys names the keys of shard i of event with the default tags;
// Store.keys follows the event's layout.
func shardKeys(event string, shard int) keys { return tagKeys(shardTag(event, shard)) }

func tagKeys(tag string) keys {
	p := "chorus:{" + tag + "}:"
	k := keys{
		posts:  p + "posts",
		queue:  p + "q",
		counts: p + "c",
		dlq:    p + "dlq",
		top:    p + "top",
		ver:    p + "ver",
	}
	for i, b := range chorus.Buckets {
		k.buckets[i] = p + "b:" + string(b)
	}
	for _, pl := range chorus.Platforms {
		k.topP = append(k.topP, p+"top:p:"+string(pl))
		for _, l := range chorus.Labels {
			k.timePL = append(k.timePL, p+"t:"+string(pl)+":"+string(l))
		}
	}
	return k
}

// all is every key of the shard that holds tallies (check --repair
// rebuilds them).
func (k keys) tallyKeys() []string {
	out := []string{k.counts, k.top}
	out = append(out, k.buckets[:]...)
	out = append(out, k.topP...)
	return append(out, k.timePL...)
}

func (k keys) bucket(b chorus.Bucket) string {
	for i, x := range chorus.Buckets {
		if x == b {
			return k.buckets[i]
		}
	}
	return k.buckets[1]
}

func platformIndex(p chorus.Platform) int {
	for i, x := range chorus.Platforms {
		if x == p {
			return i
		}
	}
	return -1
}

func labelIndex(l chorus.Label) int {
	for i, x := range chorus.Labels {
		if x == l {
			return i
		}
	}
	return -1
}

// timeIndexes are the created_at indexes (one per platform x label) that
// together hold the posts of a platform and label filter ("" for any).
func (k keys) timeIndexes(p chorus.Platform, l chorus.Label) []string {
	var out []string
	for pi, x := range chorus.Platforms {
		for li, y := range chorus.Labels {
			if (p == "" || p == x) && (l == "" || l == y) {
				out = append(out, k.timePL[pi*len(chorus.Labels)+li])
			}
		}
	}
	return out
}

// topIndex is the engagement index for a platform filter.
func (k keys) topIndex(p chorus.Platform) string {
	if pi := platformIndex(p); pi >= 0 {
		return k.topP[pi]
	}
	return k.top
}

// LogClientTo sends go-redis's own log lines (connection pool retries and
// the like, which go-redis otherwise prints to stderr) to l at debug level.
// It sets go-redis's process-wide logger: main calls it once.
func LogClientTo(l *slog.Logger) { goredis.SetLogger(clientLog{l.With("component", "go-redis")}) }

type clientLog struct{ l *slog.Logger }

func (c clientLog) Printf(ctx context.Context, format string, v ...any) {
	c.l.DebugContext(ctx, fmt.Sprintf(format, v...))
}
