// Package storetest is the contract suite both stores pass: store/redis on a
// real redis-server and store/embedded under a temp dir. Run calls every
// check against a fresh store made by a factory.
package storetest

import (
	"context"
	"time"

	"github.com/chorus-news/chorus"
)

// Store is everything the suite exercises. The stores satisfy it without
// importing it; the packages that use a store (ingest, web, cmd/chorus)
// declare the smaller interfaces they need.
type Store interface {
	// Kind is "redis" or "embedded" (shown by /healthz).
	Kind() string
	// Ping fails when the store cannot be reached.
	Ping(ctx context.Context) error
	Close() error

	// CreateEvent defines an event. An id that exists already is left as
	// it is and reported with created=false.
	CreateEvent(ctx context.Context, ev chorus.Event) (created bool, err error)
	// Event returns one event or an error wrapping chorus.ErrNotFound.
	Event(ctx context.Context, id string) (chorus.Event, error)
	// Events lists every event, oldest created first.
	Events(ctx context.Context) ([]chorus.Event, error)

	// Submit stores new posts of an existing event and queues them for
	// scoring. Posts are already validated, with Event set to event.
	// Identity is (event, platform, id): a post stored before, or repeated
	// within the batch, is a duplicate: not stored again, not queued.
	// One batch is one atomic step (one Lua call, one transaction).
	// Unknown event: an error wrapping chorus.ErrNotFound.
	Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error)

	// Read hands consumer up to max queued posts, across all events,
	// waiting up to block when there are none. Entries handed to another
	// consumer that were not tallied within the store's claim timeout are
	// handed out again (the consumer died).
	Read(ctx context.Context, consumer string, max int, block time.Duration) ([]chorus.Entry, error)

	// Tally records each item's Post.Sentiment, counts the post once in
	// every tally (label, platform, language, platform×label,
	// platform×language, minute/hour/day buckets), indexes it for
	// listing, and acknowledges the queue entry, all in one atomic step
	// per event. An item whose post was tallied before is acknowledged
	// and not counted again. It returns how many posts were newly tallied.
	Tally(ctx context.Context, items []chorus.Entry) (int, error)

	// Queued is how many posts of event were submitted but not yet tallied.
	Queued(ctx context.Context, event string) (int64, error)

	// Summary is the event's tallies, of one platform when platform != "".
	Summary(ctx context.Context, event string, platform chorus.Platform) (chorus.Summary, error)
	// Timeline is the event's counts per bucket, oldest first, of one
	// platform when platform != "".
	Timeline(ctx context.Context, event string, b chorus.Bucket, platform chorus.Platform) ([]chorus.Point, error)
	// Posts lists tallied posts (with their sentiment) in created_at
	// order, newest first, or by engagement (chorus.Top), filtered by
	// platform and label, paged by an opaque cursor. Paging visits every
	// matching post exactly once.
	Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error)
	// Post returns one stored post (with its sentiment once tallied), or an
	// error wrapping chorus.ErrNotFound.
	Post(ctx context.Context, event string, platform chorus.Platform, id string) (chorus.Post, error)
	// Correct sets a tallied post's label by hand: every tally and index
	// moves from the old label to the new one exactly, and the stored
	// sentiment gets Corrected=true and the note. Not tallied yet or
	// unknown: an error wrapping chorus.ErrNotFound.
	Correct(ctx context.Context, event string, platform chorus.Platform, id string, label chorus.Label, note string) (chorus.Post, error)

	// Version is a number that changes whenever what readers of event
	// see changes (a tally that counted something, a correction, the
	// event's creation), and of any event when event is "". It is read
	// before the data a cache keeps, and bumped after the change is
	// committed, so a cache never holds data older than its version. An
	// event never written has some version, without an error.
	Version(ctx context.Context, event string) (uint64, error)

	// FoldReposts records plain reposts (Post.RepostOf set, validated, of
	// an existing event) as reach: a repost not seen before (identity
	// (event, platform, id), as for posts) adds one to Summary.Reposts and
	// its platform's; a repeat is a duplicate. Reposts are not posts: no
	// tally, listing or scoring.
	FoldReposts(ctx context.Context, event string, reposts []chorus.Post) (chorus.SubmitResult, error)

	// Checkpoint returns what SaveCheckpoint last kept under key for
	// event, "" when nothing.
	Checkpoint(ctx context.Context, event, key string) (string, error)
	SaveCheckpoint(ctx context.Context, event, key, value string) error
	// SaveCollector keeps a collector's status by (event, name);
	// Collectors lists an existing event's, by name (empty, not nil, when
	// none).
	SaveCollector(ctx context.Context, st chorus.CollectorStatus) error
	Collectors(ctx context.Context, event string) ([]chorus.CollectorStatus, error)
}
