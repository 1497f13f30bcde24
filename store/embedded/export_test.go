package embedded

import bolt "go.etcd.io/bbolt"

// CommitStats reports how many transactions the writer committed and how
// many batches they held, for the benchmark.
func CommitStats(s *Store) (commits, batches int64) {
	return s.commits.Load(), s.batches.Load()
}

// FileSize is the size of the store's file.
func FileSize(s *Store) int64 {
	var n int64
	s.db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

// SetFlushAt sets how many pending index entries a Tally moves at once.
func SetFlushAt(s *Store, n int) { s.flushAt = n }

// Tamper runs fn in a write transaction on the event's bucket, behind the
// store's back: tests plant drifts with it.
func Tamper(s *Store, event string, fn func(eb *bolt.Bucket) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket(eventBucketName(event))) })
}
