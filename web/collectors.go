package web

import (
	"context"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
)

// collectorsMaxAge bounds how old the cached collector health may be:
// collectors write it as they go, without bumping the event's version.
const collectorsMaxAge = time.Second

// collectors reports the health of the event's collectors (an empty list
// when none ran).
func (s *server) collectors(c *gin.Context) error {
	id, err := eventID(c)
	if err != nil {
		return err
	}
	return s.cached(c, id, "collectors|"+id, collectorsMaxAge, func(ctx context.Context) (*response, error) {
		list, err := s.collectorsOf(ctx, id)
		if err != nil {
			return nil, err
		}
		return jsonResponse(map[string]any{"collectors": list})
	})
}

func (s *server) collectorsOf(ctx context.Context, id string) ([]chorus.CollectorStatus, error) {
	list, err := s.cfg.Store.Collectors(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("collectors of %s: %w", id, err)
	}
	if list == nil {
		list = []chorus.CollectorStatus{}
	}
	return list, nil
}
