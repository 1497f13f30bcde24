package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/report"
)

// Exports at once: a report of a large event takes seconds and a hundred
// MB or so (XLSX); past this many, a request waits up to exportWait for a
// turn, then gets 429 with Retry-After.
const (
	maxExports = 4
	exportWait = 2 * time.Second
)

// export returns the export handler, which writes at most n reports at
// once.
func (s *server) export(n int) handler {
	slots := make(chan struct{}, n)
	return func(c *gin.Context) error {
		t := time.NewTimer(exportWait)
		defer t.Stop()
		select {
		case slots <- struct{}{}:
			defer func() { <-slots }()
		case <-t.C:
			return &chorus.BusyError{Wait: 5 * time.Second, Reason: fmt.Sprintf("%d reports are being written; this server writes %d at once", n, n)}
		case <-c.Request.Context().Done():
			return c.Request.Context().Err()
		}
		return s.exportReport(c)
	}
}

// exportReport serves an event's report as a download: the same bytes as
// `chorus report --event ID --format F` for the same stored data. It is a
// read (no token). The report's summary is read before anything is sent,
// so an unknown event or a bad parameter still gets its status; the posts
// are then streamed page by page.
func (s *server) exportReport(c *gin.Context) error {
	ev, err := s.event(c)
	if err != nil {
		return err
	}
	format := c.DefaultQuery("format", "csv")
	f, err := report.ParseFormat(format)
	if err != nil {
		return err
	}
	opt := report.Options{}
	if v := c.Query("bucket"); v != "" {
		b, ok := chorus.ParseBucket(v)
		if !ok {
			return &chorus.FieldError{Field: "bucket", Reason: fmt.Sprintf("%q: want 1m, 1h or 1d", v)}
		}
		opt.Bucket = b
	}
	if v := c.Query("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return &chorus.FieldError{Field: "top", Reason: fmt.Sprintf("%q: want a number from 1 to 100", v)}
		}
		opt.Top = n
	}
	ctx := c.Request.Context()
	rep, err := report.Load(ctx, s.cfg.Store, ev.ID, opt)
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	h.Set("Content-Type", f.ContentType())
	h.Set("Content-Disposition", `attachment; filename="`+report.Filename(ev.ID, f)+`"`)
	h.Set("Cache-Control", "no-store")
	// The HTML report is a standalone page with its styles inline and no
	// scripts at all.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	c.Status(http.StatusOK)
	if err := rep.Write(ctx, f, c.Writer); err != nil {
		if !c.Writer.Written() {
			for _, k := range []string{"Content-Type", "Content-Disposition", "Content-Security-Policy"} {
				h.Del(k)
			}
			return err
		}
		// Part of the file is sent: cut the connection so that the client
		// sees a failed download, not a short file that looks whole.
		s.log.Error("export failed mid-stream", "event", ev.ID, "format", string(f), "err", err)
		// (gin refuses to hijack once a body is written; net/http does not.)
		c.Writer.Flush()
		if conn, _, herr := http.NewResponseController(c.Writer.(interface{ Unwrap() http.ResponseWriter }).Unwrap()).Hijack(); herr == nil {
			conn.Close()
		} else {
			s.log.Error("export: cannot cut the connection", "err", herr)
		}
		c.Abort()
	}
	return nil
}
