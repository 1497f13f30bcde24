// Package remotetest runs a stand-in scoring service for tests, speaking
// package remote's protocol: it answers every post with one label and
// counts the requests and posts it was sent.
package remotetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/chorus-news/chorus"
)

// Server is a running stand-in service; it closes with the test.
type Server struct {
	URL             string
	Requests, Posts atomic.Int64
}

// Start starts a service that labels every post label, from model.
func Start(t testing.TB, label chorus.Label, model string) *Server {
	t.Helper()
	s := &Server{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var items []struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(r.Body).Decode(&items); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.Requests.Add(1)
		s.Posts.Add(int64(len(items)))
		out := make([]map[string]any, len(items))
		for i, it := range items {
			out[i] = map[string]any{"id": it.ID, "label": label, "score": 0, "confidence": 0.8, "model": model}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}
