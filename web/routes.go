package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route in one place.
func (s *server) routes(r *gin.Engine, static http.FileSystem) {
	r.GET("/healthz", s.wrap(s.health))
	g := prometheus.Gatherer(prometheus.DefaultGatherer)
	if s.cfg.Gatherer != nil {
		g = s.cfg.Gatherer
	}
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(g, promhttp.HandlerOpts{})))

	api := r.Group("/api/v1")
	api.GET("/events", s.wrap(s.listEvents))
	api.POST("/events", s.requireToken, s.wrap(s.createEvent))
	api.GET("/events/:id", s.wrap(s.getEvent))
	api.GET("/events/:id/summary", s.wrap(s.summary))
	api.GET("/events/:id/timeline", s.wrap(s.timeline))
	api.GET("/events/:id/posts", s.wrap(s.listPosts))
	api.POST("/events/:id/posts", s.requireToken, s.wrap(s.submitPosts))
	api.PATCH("/events/:id/posts/:platform/:post_id", s.requireToken, s.wrap(s.correctPost))
	api.GET("/events/:id/live", s.wrap(s.live))
	api.GET("/events/:id/collectors", s.wrap(s.collectors))
	api.GET("/events/:id/export", s.wrap(s.export(maxExports)))

	r.GET("/", s.wrap(s.indexPage))
	r.GET("/events/:id", s.wrap(s.eventPage))
	r.GET("/events/:id/posts", s.wrap(s.postsPage))
	r.StaticFS("/static", static)
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": "no route " + c.Request.Method + " " + c.Request.URL.Path})
	})
}
