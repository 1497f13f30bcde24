package web

import (
	"sync"

	"github.com/chorus-news/chorus"
)

// arrivals remembers, per event, the last few posts this server took over
// POST …/posts, newest first, so that the page can show what just came in
// whatever its created_at says (a post dated an hour ago is still news
// when it arrives; the "latest" lists go by created_at). Each change moves
// the event's generation, which is part of the page's cache key.
type arrivals struct {
	mu sync.Mutex
	m  map[string]*arrived
}

type arrived struct {
	keys []postRef // newest first
	gen  uint64
}

type postRef struct {
	platform chorus.Platform
	id       string
}

// Bounds: posts remembered per event, events remembered.
const (
	arrivalsKept   = 5
	arrivalsEvents = 1000
)

func (a *arrivals) add(event string, posts []chorus.Post) {
	if len(posts) == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.m == nil {
		a.m = map[string]*arrived{}
	}
	r := a.m[event]
	if r == nil {
		if len(a.m) >= arrivalsEvents {
			for k := range a.m { // forget one, any
				delete(a.m, k)
				break
			}
		}
		r = &arrived{}
		a.m[event] = r
	}
	for i := max(0, len(posts)-arrivalsKept); i < len(posts); i++ { // each goes first: the batch's last ends first
		ref := postRef{platform: posts[i].Platform, id: posts[i].ID}
		keys := []postRef{ref}
		for _, k := range r.keys {
			if k != ref && len(keys) < arrivalsKept {
				keys = append(keys, k)
			}
		}
		r.keys = keys
	}
	r.gen++
}

// get returns the event's remembered posts, newest first, and its generation.
func (a *arrivals) get(event string) ([]postRef, uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	r := a.m[event]
	if r == nil {
		return nil, 0
	}
	return append([]postRef(nil), r.keys...), r.gen
}
