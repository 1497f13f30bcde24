package web

import (
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

func (s *server) eventViews(c *gin.Context) ([]eventView, error) {
	events, err := s.cfg.Store.Events(c.Request.Context())
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	views := make([]eventView, 0, len(events))
	for _, e := range events {
		sum, err := s.cfg.Store.Summary(c.Request.Context(), e.ID, "")
		if err != nil {
			return nil, fmt.Errorf("summary of %s: %w", e.ID, err)
		}
		views = append(views, eventView{Event: e, Total: sum.Total, ByLabel: sum.ByLabel, ByPlatform: sum.ByPlatform, Net: sum.Net})
	}
	return views, nil
}

func (s *server) listEvents(c *gin.Context) error {
	views, err := s.eventViews(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"events": views})
	return nil
}

func (s *server) getEvent(c *gin.Context) error {
	ev, err := s.event(c)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, ev)
	return nil
}

// event loads the route's event: 404 when unknown, 400 when the id cannot
// be one.
func (s *server) event(c *gin.Context) (chorus.Event, error) {
	id := c.Param("id")
	if err := chorus.ValidateEventID(id); err != nil {
		return chorus.Event{}, err
	}
	ev, err := s.cfg.Store.Event(c.Request.Context(), id)
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

// eventPlatform loads the route's event and the optional ?platform= filter
// that the summary, timeline and live routes share.
func (s *server) eventPlatform(c *gin.Context) (chorus.Event, chorus.Platform, error) {
	ev, err := s.event(c)
	if err != nil {
		return ev, "", err
	}
	pl, err := platformParam(c)
	return ev, pl, err
}

func platformParam(c *gin.Context) (chorus.Platform, error) {
	v := c.Query("platform")
	if v == "" {
		return "", nil
	}
	p, ok := chorus.ParsePlatform(v)
	if !ok {
		return "", &chorus.FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q (want x or weibo)", v)}
	}
	return p, nil
}

func (s *server) summary(c *gin.Context) error {
	ev, pl, err := s.eventPlatform(c)
	if err != nil {
		return err
	}
	sum, err := s.cfg.Store.Summary(c.Request.Context(), ev.ID, pl)
	if err != nil {
		return fmt.Errorf("summary of %s: %w", ev.ID, err)
	}
	c.JSON(http.StatusOK, sum)
	return nil
}

func (s *server) timeline(c *gin.Context) error {
	ev, pl, err := s.eventPlatform(c)
	if err != nil {
		return err
	}
	b, ok := chorus.ParseBucket(c.Query("bucket"))
	if !ok {
		return &chorus.FieldError{Field: "bucket", Reason: fmt.Sprintf("%q: want 1m, 1h or 1d", c.Query("bucket"))}
	}
	points, err := s.cfg.Store.Timeline(c.Request.Context(), ev.ID, b, pl)
	if err != nil {
		return fmt.Errorf("timeline of %s: %w", ev.ID, err)
	}
	if points == nil {
		points = []chorus.Point{}
	}
	c.JSON(http.StatusOK, points)
	return nil
}
