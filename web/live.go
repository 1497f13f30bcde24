package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// livePoll is how often /live looks at the store for a changed summary.
const livePoll = time.Second

// live streams the event's summary as server-sent events: one at once,
// then one each time it changes. It returns when the client goes away.
func (s *server) live(c *gin.Context) error {
	ev, pl, err := s.eventPlatform(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-cache")
	c.Header("X-Accel-Buffering", "no")
	var last []byte
	tick := time.NewTicker(livePoll)
	defer tick.Stop()
	for {
		sum, err := s.cfg.Store.Summary(ctx, ev.ID, pl)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Warn("live summary", "event", ev.ID, "err", err)
		} else if b, _ := json.Marshal(sum); string(b) != string(last) {
			last = b
			c.Stream(func(w io.Writer) bool {
				fmt.Fprintf(w, "event: summary\ndata: %s\n\n", b)
				return false
			})
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// collectors reports collector health. This build runs no collectors
// (they come with the X and Weibo collector work), so the list is empty
// rather than missing.
func (s *server) collectors(c *gin.Context) error {
	ev, err := s.event(c)
	if err != nil {
		return err
	}
	list, err := s.cfg.Store.Collectors(c.Request.Context(), ev.ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"collectors": list})
	return nil
}
