package web

import (
	"fmt"
	"testing"
)

// TestCacheBytes: the cache lets its oldest entries go past its byte
// budget, keeps no response too big to keep, and counts replaced entries
// out.
func TestCacheBytes(t *testing.T) {
	c := newCache()
	body := make([]byte, 1<<20)
	for i := range 100 {
		c.add(fmt.Sprint("k", i), &response{body: body})
	}
	if b := c.bytes.Load(); b > cacheBytes || b != int64(c.entries.Len())*(1<<20) {
		t.Errorf("cache holds %d bytes in %d entries; want at most %d, 1 MiB each", b, c.entries.Len(), cacheBytes)
	}
	if _, ok := c.entries.Get("k99"); !ok {
		t.Errorf("the newest entry was let go")
	}
	if _, ok := c.entries.Get("k0"); ok {
		t.Errorf("the oldest entry was kept past the budget")
	}
	before := c.bytes.Load()
	c.add("k99", &response{body: body[:10]})
	if got := c.bytes.Load(); got != before-(1<<20)+10 {
		t.Errorf("replacing an entry: %d bytes, want %d", got, before-(1<<20)+10)
	}
	c.add("huge", &response{body: make([]byte, cacheMaxBody+1)})
	if _, ok := c.entries.Get("huge"); ok {
		t.Errorf("a response over %d bytes was kept", cacheMaxBody)
	}
}
