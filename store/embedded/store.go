// Package embedded is the store Chorus uses when no Redis is configured: one
// bbolt file, dir/chorus.db, under --data-dir, so that a laptop with nothing
// but Go keeps everything across restarts.
//
// Why bbolt rather than pebble: it is a single-file B+tree with ACID
// transactions; it runs no background compaction threads that would compete
// with scoring on a 2-core machine; its OS file lock gives single-writer
// safety for free (a second process is refused, see LockedError); and it is
// a small dependency. Its weak side, write throughput, is met by batching:
// Submit and Tally each write one transaction per batch of hundreds of posts,
// so one commit (two fsyncs) is shared by the whole batch, and batches that
// arrive while a commit is under way share the next one (write.go). fsync
// stays on: Options.NoSync is for tests and benchmarks.
//
// Layout. Top-level buckets:
//
//	events   event id → event JSON
//	queue    sequence (8 bytes, big-endian) → event id, 0, post key
//	ev/<id>  one per event, holding:
//	  posts     "platform:id" → post record (see codec.go), written by Submit
//	  scores    "platform:id" → language and sentiment, written by Tally: a
//	            post is tallied when it has one
//	  counters  name → int64: total, queued, label/L, platform/P, lang/G,
//	            pl/P/L, plang/P/G, topn/all, topn/p/P, and the length of
//	            pending (entries not yet in idx and timeline, pending.go)
//	  timeline  granularity/platform/bucket start → four counts (one per label)
//	  idx       time indexes P/L, one per platform and label: created_at ms +
//	            post key → ""; listings merge the ones they need
//	  pending   sequence → platform, label, time-index key: tallied posts not
//	            yet moved into idx and timeline (pending.go)
//	  top       top-N by engagement all, p/P: engagement + created_at + post
//	            key → "", at most Options.TopN each
//	  reposts   folded plain reposts, and checkpoints and collector statuses
//	            in top-level buckets: collect.go
//
// Counter deltas of a batch are summed in memory and each counter is written
// once per transaction. A post key in an index or cursor is never parsed:
// the post is looked up by it.
//
// The queue is durable and its order is submission order. Which entries are
// handed to which consumer is kept in memory only: the file lock guarantees
// a single process, and after a restart every entry still queued is handed
// out again. A post is counted once: Submit queues it once (a post already
// in the posts bucket is a duplicate), and Tally counts it only if its queue
// entry is still there, deleting the entry in the same transaction.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/chorus-news/chorus"
)

// Options tune a Store. The zero value is right for production.
type Options struct {
	Logger *slog.Logger
	// TopN bounds each engagement list (overall and per platform); 1000 by
	// default.
	TopN int
	// ClaimTimeout is how long a handed-out entry waits for its Tally before
	// it is handed out again; 30s by default.
	ClaimTimeout time.Duration
	// NoSync skips fsync at commit: for tests and benchmarks only, a crash
	// can then lose or corrupt data.
	NoSync bool
	// QueueCap bounds how many posts of one event may wait in the queue; a
	// Submit beyond it fails with a *chorus.BusyError. 0: no cap.
	QueueCap int64
	// MaxDeliveries is how many times a queued post is handed out without
	// a tally before it moves to its event's dead letters; 5 by default.
	MaxDeliveries int
}

// Defaults.
const (
	DefaultTopN         = 1000
	DefaultClaimTimeout = 30 * time.Second
	lockTimeout         = 200 * time.Millisecond
	defaultReadMax      = 100
)

// Bucket and key names.
var (
	bucketEvents   = []byte("events")
	bucketQueue    = []byte("queue")
	bucketPosts    = []byte("posts")
	bucketScores   = []byte("scores")
	bucketCounters = []byte("counters")
	bucketTimeline = []byte("timeline")
	bucketIdx      = []byte("idx")
	bucketTop      = []byte("top")
)

func eventBucketName(id string) []byte { return []byte("ev/" + id) }

// Store is the embedded store. It is safe for concurrent use.
type Store struct {
	db      *bolt.DB
	dir     string
	log     *slog.Logger
	topN    int
	claim   time.Duration
	cap     int64 // Options.QueueCap
	maxDel  int   // Options.MaxDeliveries
	flushAt int   // pending index entries moved at once (pending.go)

	mu      sync.Mutex
	next    uint64           // lowest queue sequence not yet handed out by this process
	pending map[uint64]claim // handed out, not yet tallied
	wake    chan struct{}    // closed (and replaced) by each Submit that queued something

	writes     chan *writeReq // to the writer goroutine (write.go)
	writerDone chan struct{}
	commits    atomic.Int64 // transactions the writer committed
	batches    atomic.Int64 // Submit and Tally batches in them
	closed     chan struct{}
	once       sync.Once
}

type claim struct {
	consumer   string
	until      time.Time
	deliveries int // how many times the entry was handed out without a tally
}

// DefaultMaxDeliveries is Options.MaxDeliveries's default (deadletter.go).
const DefaultMaxDeliveries = 5

// Open opens (creating it if needed) the store in dir. When another process
// holds dir it fails within a fraction of a second with a *LockedError
// (wrapping chorus.ErrLocked) that names the holder.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, fmt.Errorf("open data dir: %w", &chorus.FieldError{Field: "data-dir", Reason: "missing"})
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	log = log.With("component", "store", "store", "embedded")
	if opts.TopN <= 0 {
		opts.TopN = DefaultTopN
	}
	if opts.MaxDeliveries <= 0 {
		opts.MaxDeliveries = DefaultMaxDeliveries
	}
	if opts.ClaimTimeout <= 0 {
		opts.ClaimTimeout = DefaultClaimTimeout
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open data dir %s: %w", dir, err)
	}
	db, err := bolt.Open(filepath.Join(dir, dbFile), 0o600, &bolt.Options{
		Timeout:        lockTimeout,
		NoSync:         opts.NoSync,
		NoFreelistSync: true, // rebuilt by a scan at open; commits write less
		FreelistType:   bolt.FreelistMapType,
		// 16 KiB pages (new files only; an existing file keeps its own):
		// a shallower tree and fewer pages written per commit for the
		// append-mostly buckets, a little less CPU a post than 4 KiB.
		PageSize: 16 << 10,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, &LockedError{Dir: dir, Holder: readNote(dir)}
	}
	if err != nil {
		return nil, fmt.Errorf("open data dir %s: %w", dir, err)
	}
	if err := writeNote(dir, thisHolder(time.Now())); err != nil {
		db.Close()
		return nil, fmt.Errorf("open data dir %s: %w", dir, err)
	}
	var queued int
	err = db.Update(func(tx *bolt.Tx) error {
		if err := checkFormat(tx); err != nil {
			return err
		}
		for _, name := range [][]byte{bucketEvents, bucketQueue} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		queued = tx.Bucket(bucketQueue).Stats().KeyN
		return nil
	})
	if err != nil {
		os.Remove(filepath.Join(dir, noteFile))
		db.Close()
		return nil, fmt.Errorf("open data dir %s: %w", dir, err)
	}
	s := &Store{
		db:      db,
		dir:     dir,
		log:     log,
		topN:    opts.TopN,
		flushAt: defaultFlushAt,
		claim:   opts.ClaimTimeout,
		cap:     opts.QueueCap,
		maxDel:  opts.MaxDeliveries,
		pending: make(map[uint64]claim),
		wake:    make(chan struct{}),

		writes:     make(chan *writeReq, maxGroup),
		writerDone: make(chan struct{}),
		closed:     make(chan struct{}),
	}
	go s.writer()
	log.Info("opened data dir", "dir", dir, "queued", queued)
	return s, nil
}

// Kind is "embedded".
func (s *Store) Kind() string { return "embedded" }

// Dir is the data dir the store was opened in.
func (s *Store) Dir() string { return s.dir }

// Ping fails once the store is closed.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error { return nil })
}

// Close releases the data dir. Blocked Reads return.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.closed)
		<-s.writerDone
		// Remove the note while still holding the lock, so that a note
		// written by the next holder is never removed.
		os.Remove(filepath.Join(s.dir, noteFile))
		if cerr := s.db.Close(); cerr != nil {
			err = fmt.Errorf("close data dir %s: %w", s.dir, cerr)
		}
	})
	return err
}

// format is the layout version this package reads and writes, kept in the
// meta bucket; a file of another layout is refused rather than misread.
const format = 1

var (
	bucketMeta = []byte("meta")
	keyFormat  = []byte("format")
)

// checkFormat stamps a new file with format and refuses a file of another.
func checkFormat(tx *bolt.Tx) error {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if got := decodeInt(meta.Get(keyFormat)); got != format {
			return fmt.Errorf("%s has layout %d, this build reads layout %d: use the chorus build that wrote it, or another --data-dir", dbFile, got, format)
		}
		return nil
	}
	if events := tx.Bucket(bucketEvents); events != nil && events.Stats().KeyN > 0 {
		return fmt.Errorf("%s was written by a development build without a layout version: move it aside or use another --data-dir", dbFile)
	}
	meta, err := tx.CreateBucket(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(keyFormat, encodeInt(format))
}

// eventBucket returns the event's bucket or an error wrapping
// chorus.ErrNotFound.
func eventBucket(tx *bolt.Tx, id string) (*bolt.Bucket, error) {
	b := tx.Bucket(eventBucketName(id))
	if b == nil {
		return nil, fmt.Errorf("event %q: %w", id, chorus.ErrNotFound)
	}
	return b, nil
}
