// Package collector holds what every platform collector shares: the store
// side (checkpoints and health records), the sink that hands posts to
// ingest, the error kinds that say how to react to a fault (wait out a rate
// limit, back off and retry, stop), exponential back-off, an HTTP helper
// that applies them, a Run that keeps a collector's live status (saved to
// the store, shown as a progress line), and the Supervisor that keeps
// collectors running inside chorus serve --collect.
//
// Platform packages (collector/x, collector/weibo) turn platform payloads
// into chorus.Post and drive the platform's paging, rules and cursors on top
// of these pieces. collector never imports a store: cmd/chorus passes one in.
package collector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/chorus-news/chorus"
)

// Store is what a collector run keeps in the store (both stores implement
// it): a checkpoint per (event, key), opaque to the store, and the run's
// health record.
type Store interface {
	Checkpoint(ctx context.Context, event, key string) (string, error)
	SaveCheckpoint(ctx context.Context, event, key, value string) error
	SaveCollector(ctx context.Context, st chorus.CollectorStatus) error
}

// Sink takes collected posts; each post's Event names its event (a stream
// may feed several). Put returns once the posts are durably queued (or
// folded, for plain reposts), so that a checkpoint saved after it never
// skips a post. Bad posts are reported by the sink and cost no other post;
// the error is the store's.
type Sink interface {
	Put(ctx context.Context, posts []chorus.Post) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, posts []chorus.Post) error

// Put calls f.
func (f SinkFunc) Put(ctx context.Context, posts []chorus.Post) error { return f(ctx, posts) }

// CheckpointKey names the checkpoint of collector name for query: the
// query is hashed so that any query text makes a short, safe key.
func CheckpointKey(name, query string) string {
	sum := sha256.Sum256([]byte(query))
	return name + "/" + hex.EncodeToString(sum[:8])
}

// NopStore keeps nothing: for dry runs, which must not move checkpoints.
type NopStore struct{}

// Checkpoint is always "".
func (NopStore) Checkpoint(context.Context, string, string) (string, error) { return "", nil }

// SaveCheckpoint keeps nothing.
func (NopStore) SaveCheckpoint(context.Context, string, string, string) error { return nil }

// SaveCollector keeps nothing.
func (NopStore) SaveCollector(context.Context, chorus.CollectorStatus) error { return nil }
