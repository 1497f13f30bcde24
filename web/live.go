package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chorus-news/chorus"
)

// The live stream. Every viewer of an event (and platform filter) shares one
// topic: one goroutine that reads the event's version every livePoll and,
// when it moved, takes the summary from the cache and, when that changed,
// publishes one server-sent event to all the topic's viewers at once (a
// closed channel wakes them). So a thousand viewers cost one version read
// per poll and one summary build per change, not a thousand. Messages go
// out at most every liveGap; a comment line every heartbeat keeps proxies
// from closing an idle stream. A viewer's handler returns when its client
// goes; the last viewer to leave stops the topic.
const (
	livePoll      = 100 * time.Millisecond
	liveGap       = 250 * time.Millisecond
	liveHeartbeat = 15 * time.Second
)

type hub struct {
	s       *server
	mu      sync.Mutex
	topics  map[string]*topic
	viewers prometheus.Gauge
}

func newHub(s *server) *hub {
	h := &hub{s: s, topics: map[string]*topic{}, viewers: prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "chorus_live_viewers", Help: "Clients connected to the live streams.",
	})}
	if s.cfg.Registerer != nil {
		if err := s.cfg.Registerer.Register(h.viewers); err != nil {
			s.log.Warn("register live metrics", "err", err)
		}
	}
	return h
}

// topic is the stream of one event and platform filter.
type topic struct {
	event    string
	platform chorus.Platform
	viewers  int // guarded by hub.mu
	stop     chan struct{}

	mu      sync.Mutex
	seq     uint64        // of frame; 0 before the first
	frame   []byte        // the latest message, ready to write
	changed chan struct{} // closed when frame is replaced
}

func (h *hub) join(event string, pl chorus.Platform) *topic {
	key := event + "|" + string(pl)
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.topics[key]
	if t == nil {
		t = &topic{event: event, platform: pl, stop: make(chan struct{}), changed: make(chan struct{})}
		h.topics[key] = t
		go t.run(h.s)
	}
	t.viewers++
	h.viewers.Inc()
	return t
}

func (h *hub) leave(t *topic) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.viewers.Dec()
	if t.viewers--; t.viewers == 0 {
		close(t.stop)
		delete(h.topics, t.event+"|"+string(t.platform))
	}
}

// current is the latest message and the channel closed when it changes.
func (t *topic) current() (uint64, []byte, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seq, t.frame, t.changed
}

func (t *topic) publish(frame []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	t.frame = frame
	close(t.changed)
	t.changed = make(chan struct{})
}

// run polls until the last viewer leaves.
func (t *topic) run(s *server) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-t.stop
		cancel()
	}()
	tick := time.NewTicker(livePoll)
	defer tick.Stop()
	var (
		seen     bool
		version  uint64
		body     []byte
		lastSent time.Time
	)
	for {
		if v, err := s.cfg.Store.Version(ctx, t.event); err != nil {
			if ctx.Err() == nil {
				s.log.Warn("live version", "event", t.event, "err", err)
			}
		} else if (!seen || v != version) && time.Since(lastSent) >= liveGap {
			r, err := s.summaryResponse(ctx, t.event, t.platform)
			switch {
			case err != nil:
				if ctx.Err() == nil {
					s.log.Warn("live summary", "event", t.event, "err", err)
				}
			case !bytes.Equal(r.body, body):
				seen, version, body, lastSent = true, r.version, r.body, time.Now()
				var buf bytes.Buffer
				fmt.Fprintf(&buf, "id: %d\nevent: summary\ndata: %s\n\n", r.version, r.body)
				t.publish(buf.Bytes())
			default:
				seen, version = true, r.version
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// live streams the event's summary as server-sent events: one at once,
// then one each time it changes. It returns when the client goes away.
func (s *server) live(c *gin.Context) error {
	id, pl, err := eventPlatform(c)
	if err != nil {
		return err
	}
	if _, err := s.loadEvent(c.Request.Context(), id); err != nil {
		return err
	}
	ctx := c.Request.Context()
	t := s.hub.join(id, pl)
	defer s.hub.leave(t)
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)
	c.Writer.Flush()         // the headers, so that the client knows it is connected
	retry := "retry: 3000\n" // with the first message: how soon to reconnect
	beat := time.NewTicker(s.heartbeat())
	defer beat.Stop()
	var sent uint64
	for {
		seq, frame, changed := t.current()
		if seq != sent {
			if _, err := c.Writer.WriteString(retry); err != nil {
				return nil
			}
			retry = ""
			if _, err := c.Writer.Write(frame); err != nil {
				return nil // the client went
			}
			c.Writer.Flush()
			sent = seq
		}
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		case <-beat.C:
			if _, err := c.Writer.WriteString(": keep-alive " + strconv.FormatInt(time.Now().Unix(), 10) + "\n\n"); err != nil {
				return nil
			}
			c.Writer.Flush()
		}
	}
}

func (s *server) heartbeat() time.Duration {
	if s.cfg.LiveHeartbeat > 0 {
		return s.cfg.LiveHeartbeat
	}
	return liveHeartbeat
}
