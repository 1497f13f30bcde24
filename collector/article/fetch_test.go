package article

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

func TestFetch(t *testing.T) {
	page, err := os.ReadFile("testdata/seed-scmp.html")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/story", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") == "" {
			http.Error(w, "no agent", 400)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/story", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "gone", http.StatusNotFound) })
	mux.HandleFunc("/pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		w.Write([]byte("%PDF-1.7"))
	})
	mux.HandleFunc("/huge", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(strings.Repeat("<p>long</p>", 10000))) // chunked: no length up front
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	f := &Fetcher{Timeout: 300 * time.Millisecond, MaxBytes: 64 << 10}
	got, err := f.Fetch(context.Background(), srv.URL+"/moved")
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != srv.URL+"/story" || !strings.HasPrefix(got.ContentType, "text/html") {
		t.Errorf("fetched %s (%s), want the story after the redirect", got.URL, got.ContentType)
	}
	res, err := Parse(got.Body, Options{Source: srv.URL + "/moved", ContentType: got.ContentType})
	if err != nil || len(res.Posts) != 5 {
		t.Fatalf("parse fetched page: %v, %d posts", err, len(res.Posts))
	}
	if res.Posts[0].Source != "article:"+srv.URL+"/moved" {
		t.Errorf("source %q", res.Posts[0].Source)
	}

	for _, tc := range []struct{ path, want string }{
		{"/gone", "HTTP 404 Not Found"},
		{"/pdf", "application/pdf, not HTML or text"},
		{"/huge", "over the 65536 byte limit"},
		{"/slow", "no answer within 300ms"},
		{"/loop", "more than 10 redirects"},
	} {
		_, err := f.Fetch(context.Background(), srv.URL+tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), srv.URL+tc.path) {
			t.Errorf("fetch %s: error %v, want one naming the URL and %q", tc.path, err, tc.want)
		}
	}
	for _, bad := range []string{"ftp://example.com/x", "https://", "http//nohost"} {
		if _, err := f.Fetch(context.Background(), bad); !errors.Is(err, chorus.ErrInvalid) {
			t.Errorf("fetch %q: %v, want ErrInvalid", bad, err)
		}
	}
}
