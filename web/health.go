package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// health answers 200 when the store answers, 503 when it does not.
func (s *server) health(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Store.Ping(ctx); err != nil {
		s.log.Warn("store unreachable", "err", err)
		c.Header("Retry-After", strconv.Itoa(retrySeconds(unavailableRetry)))
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "store": s.cfg.Store.Kind(),
			"error": "store unavailable: " + strings.TrimPrefix(err.Error(), "store unavailable: ")})
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "store": s.cfg.Store.Kind(), "version": s.cfg.Version})
	return nil
}
