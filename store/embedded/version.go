package embedded

import (
	"context"

	bolt "go.etcd.io/bbolt"
)

// Versions count the changes readers can see, per event and in all: a
// tally that counted something, a correction, a folded repost, a new event.
// Readers that cache what they read (the dashboard) compare versions
// instead of reading again. Each is a counter written in the same
// transaction as the change it counts, so a reader that sees the change
// (a drained queue, a new total) sees the new version too, and one that
// reads the version before the data never files old data under a new
// version. Reading one costs a read transaction and two lookups, nothing
// of the data.
var (
	ckVersion      = counterKey{kind: "version"}
	ckAllVersion   = counterKey{kind: "all"}
	bucketVersions = []byte("versions") // top level: "all" → int64
)

// bumpVersion counts one change in tx: of the event whose counters are
// given (none for a new event) and of all events.
func bumpVersion(tx *bolt.Tx, counters *bolt.Bucket) error {
	if counters != nil {
		if err := addCounter(counters, ckVersion, 1); err != nil {
			return err
		}
	}
	vb, err := tx.CreateBucketIfNotExists(bucketVersions)
	if err != nil {
		return err
	}
	return addCounter(vb, ckAllVersion, 1)
}

// Version is a number that changes whenever what the readers of event see
// changes (0 while the event does not exist), and of every event's when
// event is "".
func (s *Store) Version(ctx context.Context, event string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if event == "" {
			if vb := tx.Bucket(bucketVersions); vb != nil {
				v = uint64(decodeInt(vb.Get([]byte(ckAllVersion.name()))))
			}
			return nil
		}
		eb := tx.Bucket(eventBucketName(event))
		if eb == nil {
			return nil
		}
		v = 1 + uint64(decodeInt(eb.Bucket(bucketCounters).Get([]byte(ckVersion.name()))))
		return nil
	})
	return v, err
}
