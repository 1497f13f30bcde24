package embedded

import (
	"context"
	"slices"
	"sync"

	"github.com/chorus-news/chorus"
)

// versions count the changes readers can see, per event and in all: a
// tally that counted something, a correction, a new event. Readers that
// cache what they read (the dashboard) compare versions instead of reading
// again. The file lock makes this process the only writer of the data dir,
// so the counts live in memory: they start at zero with the process, as
// such a reader's cache does.
type versions struct {
	mu  sync.RWMutex
	all uint64
	ev  map[string]uint64
}

// bump records a change of each event, after it is committed: a reader
// that reads the version and then the data never caches data older than
// the version it read.
func (v *versions) bump(events ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.ev == nil {
		v.ev = map[string]uint64{}
	}
	for _, e := range events {
		v.ev[e]++
	}
	v.all++
}

// Version is a number that changes whenever what the readers of event see
// changes (tallies, corrections, the event's definition), and of every
// event's when event is "". It does not touch the data file.
func (s *Store) Version(ctx context.Context, event string) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.versions.mu.RLock()
	defer s.versions.mu.RUnlock()
	if event == "" {
		return s.versions.all, nil
	}
	return s.versions.ev[event], nil
}

// bumpItems bumps the version of each event the items belong to.
func (s *Store) bumpItems(items []chorus.Entry) {
	var events []string
	for i := range items {
		if e := items[i].Post.Event; !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	s.versions.bump(events...)
}
