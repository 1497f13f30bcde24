package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
)

// eventView is an event with its headline tallies.
type eventView struct {
	chorus.Event
	Total      int64                                      `json:"total"`
	ByLabel    chorus.LabelCounts                         `json:"by_label"`
	ByPlatform map[chorus.Platform]chorus.PlatformSummary `json:"by_platform"`
	Net        float64                                    `json:"net"`
}

func (s *server) eventViews(ctx context.Context) ([]eventView, error) {
	events, err := s.cfg.Store.Events(ctx)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	views := make([]eventView, 0, len(events))
	for _, e := range events {
		sum, err := s.cfg.Store.Summary(ctx, e.ID, "")
		if err != nil {
			return nil, fmt.Errorf("summary of %s: %w", e.ID, err)
		}
		views = append(views, eventView{Event: e, Total: sum.Total, ByLabel: sum.ByLabel, ByPlatform: sum.ByPlatform, Net: sum.Net})
	}
	return views, nil
}

func (s *server) listEvents(c *gin.Context) error {
	return s.cached(c, "", "events", s.maxAge, func(ctx context.Context) (*response, error) {
		views, err := s.eventViews(ctx)
		if err != nil {
			return nil, err
		}
		return jsonResponse(gin.H{"events": views})
	})
}

func (s *server) getEvent(c *gin.Context) error {
	id, err := eventID(c)
	if err != nil {
		return err
	}
	return s.cached(c, id, "event|"+id, s.maxAge, func(ctx context.Context) (*response, error) {
		ev, err := s.loadEvent(ctx, id)
		if err != nil {
			return nil, err
		}
		return jsonResponse(ev)
	})
}

// eventID is the route's event id: 400 when it cannot be one.
func eventID(c *gin.Context) (string, error) {
	id := c.Param("id")
	return id, chorus.ValidateEventID(id)
}

// event loads the route's event: 404 when unknown, 400 when the id cannot
// be one.
func (s *server) event(c *gin.Context) (chorus.Event, error) {
	id, err := eventID(c)
	if err != nil {
		return chorus.Event{}, err
	}
	return s.loadEvent(c.Request.Context(), id)
}

func (s *server) loadEvent(ctx context.Context, id string) (chorus.Event, error) {
	ev, err := s.cfg.Store.Event(ctx, id)
	if err != nil {
		return chorus.Event{}, fmt.Errorf("event %s: %w", id, err)
	}
	return ev, nil
}

func (s *server) createEvent(c *gin.Context) error {
	var ev chorus.Event
	body := http.MaxBytesReader(c.Writer, c.Request.Body, MaxSmallBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return fmt.Errorf("%w: body: not an event object: %v", chorus.ErrInvalid, err)
	}
	if err := ev.Validate(); err != nil {
		return err
	}
	ev.CreatedAt = time.Now().UTC()
	created, err := s.cfg.Store.CreateEvent(c.Request.Context(), ev)
	if err != nil {
		return fmt.Errorf("create event %s: %w", ev.ID, err)
	}
	got, err := s.cfg.Store.Event(c.Request.Context(), ev.ID)
	if err != nil {
		return fmt.Errorf("read event %s: %w", ev.ID, err)
	}
	status := http.StatusOK // it existed: left as it was
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, got)
	return nil
}

// eventPlatform checks the route's event id and the optional ?platform=
// filter that the summary, timeline and live routes share.
func eventPlatform(c *gin.Context) (string, chorus.Platform, error) {
	id, err := eventID(c)
	if err != nil {
		return id, "", err
	}
	pl, err := platformParam(c)
	return id, pl, err
}

func platformParam(c *gin.Context) (chorus.Platform, error) {
	v := c.Query("platform")
	if v == "" || v == "all" {
		return "", nil
	}
	p, ok := chorus.ParsePlatform(v)
	if !ok {
		return "", &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q (want x or weibo)", v)}
	}
	return p, nil
}

func (s *server) summary(c *gin.Context) error {
	id, pl, err := eventPlatform(c)
	if err != nil {
		return err
	}
	r, err := s.summaryResponse(c.Request.Context(), id, pl)
	if err != nil {
		return err
	}
	r.write(c)
	return nil
}

// summaryResponse is the cached summary JSON that the summary route and
// the live stream share.
func (s *server) summaryResponse(ctx context.Context, id string, pl chorus.Platform) (*response, error) {
	return s.lookup(ctx, id, "summary|"+id+"|"+string(pl), s.maxAge, func(ctx context.Context) (*response, error) {
		sum, err := s.summaryOf(ctx, id, pl)
		if err != nil {
			return nil, err
		}
		return jsonResponse(sum)
	})
}

// summaryOf is the event's summary, 404 for an unknown event.
func (s *server) summaryOf(ctx context.Context, id string, pl chorus.Platform) (chorus.Summary, error) {
	if _, err := s.loadEvent(ctx, id); err != nil {
		return chorus.Summary{}, err
	}
	sum, err := s.cfg.Store.Summary(ctx, id, pl)
	if err != nil {
		return sum, fmt.Errorf("summary of %s: %w", id, err)
	}
	return sum, nil
}

func bucketParam(c *gin.Context) (chorus.Bucket, error) {
	b, ok := chorus.ParseBucket(c.Query("bucket"))
	if !ok {
		return "", &chorus.FieldError{Field: "bucket", Reason: fmt.Sprintf("%q: want 1m, 1h or 1d", c.Query("bucket"))}
	}
	return b, nil
}

func (s *server) timeline(c *gin.Context) error {
	id, pl, err := eventPlatform(c)
	if err != nil {
		return err
	}
	b, err := bucketParam(c)
	if err != nil {
		return err
	}
	return s.cached(c, id, "timeline|"+id+"|"+string(b)+"|"+string(pl), s.maxAge, func(ctx context.Context) (*response, error) {
		if _, err := s.loadEvent(ctx, id); err != nil {
			return nil, err
		}
		points, err := s.cfg.Store.Timeline(ctx, id, b, pl)
		if err != nil {
			return nil, fmt.Errorf("timeline of %s: %w", id, err)
		}
		if points == nil {
			points = []chorus.Point{}
		}
		return jsonResponse(points)
	})
}
