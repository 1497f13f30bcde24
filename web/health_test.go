package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
	"github.com/chorus-news/chorus/web"
)

// TestHealthFollowsRedis checks /healthz against a real redis-server that
// goes away: 200 with "redis" while it answers, 503 once it is gone.
func TestHealthFollowsRedis(t *testing.T) {
	srv, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	st, err := redis.Open(context.Background(), srv.URL(), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost, TallyWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	get := func() (int, string) {
		resp, err := http.Get(ts.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || !strings.Contains(body, `"store":"redis"`) {
		t.Fatalf("healthz with Redis up = %d %s", code, body)
	}
	srv.Stop()
	if code, body := get(); code != 503 || !strings.Contains(body, `"status":"unavailable"`) {
		t.Errorf("healthz with Redis gone = %d %s, want 503", code, body)
	}
	if code, _ := func() (int, string) {
		resp, err := http.Get(ts.URL + "/api/v1/events")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, ""
	}(); code != 500 && code != 503 {
		t.Errorf("events with Redis gone = %d, want a 5xx", code)
	}
}
