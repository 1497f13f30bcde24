package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
	"github.com/chorus-news/chorus/web"
)

// TestOutageAnswers503 runs the API against a real redis-server that is
// killed and restarted on the same port: while it is down every write and
// read answers 503 with Retry-After and "store unavailable: …" (never
// 500), /healthz says 503 with the reason, and once it is back everything
// answers again without reopening the store.
func TestOutageAnswers503(t *testing.T) {
	srv, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	st, err := redis.Open(ctx, srv.URL(), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateEvent(ctx, chorus.Event{ID: "ev", Title: "ev"}); err != nil {
		t.Fatal(err)
	}
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost, TallyWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	do := func(method, path, body string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-ndjson")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	post := `{"platform":"x","id":"1","text":"so happy","created_at":"2024-07-31T19:00:00Z"}`
	if code, _, body := do("GET", "/healthz", ""); code != 200 || !strings.Contains(body, `"store":"redis"`) {
		t.Fatalf("healthz with Redis up = %d %s", code, body)
	}
	if code, _, body := do("POST", "/api/v1/events/ev/posts", post); code != 200 {
		t.Fatalf("push with Redis up = %d %s", code, body)
	}

	srv.Kill()
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/api/v1/events/ev/posts", post},
		{"GET", "/api/v1/events/ev/summary", ""},
		{"GET", "/api/v1/events/ev/timeline?bucket=1h", ""},
		{"GET", "/api/v1/events/ev/posts", ""},
		{"GET", "/api/v1/events", ""},
		{"GET", "/healthz", ""},
	} {
		code, hdr, body := do(r.method, r.path, r.body)
		var e struct{ Error string }
		json.Unmarshal([]byte(body), &e)
		if code != 503 || hdr.Get("Retry-After") == "" || !strings.HasPrefix(e.Error, "store unavailable: ") {
			t.Errorf("%s %s with Redis down = %d (Retry-After %q) %s; want 503, Retry-After, \"store unavailable: …\"", r.method, r.path, code, hdr.Get("Retry-After"), body)
		}
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// The restarted server is empty (no persistence in this test): the
	// event is defined again, as it would be after a data loss.
	if _, err := st.CreateEvent(ctx, chorus.Event{ID: "ev", Title: "ev"}); err != nil {
		t.Fatalf("CreateEvent after restart: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _, body := do("POST", "/api/v1/events/ev/posts", post)
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("push after restart = %d %s; want 200 without reopening the store", code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code, _, body := do("GET", "/healthz", ""); code != 200 {
		t.Errorf("healthz after restart = %d %s", code, body)
	}
}

// TestQueueCapAnswers429: past an event's queue cap a push answers 429
// with Retry-After and the reason, stores nothing, and is taken once the
// workers have drained the queue.
func TestQueueCapAnswers429(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{QueueCap: 5, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	st.CreateEvent(ctx, chorus.Event{ID: "ev", Title: "ev"})
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost, TallyWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	push := func(from int) (int, string, string) {
		var b strings.Builder
		for i := from; i < from+5; i++ {
			fmt.Fprintf(&b, `{"platform":"x","id":"%d","text":"so happy","created_at":"2024-07-31T19:00:00Z"}`+"\n", i)
		}
		resp, err := http.Post(ts.URL+"/api/v1/events/ev/posts", "application/x-ndjson", strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(body)
	}
	if code, _, body := push(0); code != 200 {
		t.Fatalf("first push = %d %s", code, body)
	}
	code, retry, body := push(5)
	if code != 429 || retry == "" || !strings.Contains(body, "cap") {
		t.Fatalf("push past the cap = %d (Retry-After %q) %s; want 429 with Retry-After naming the cap", code, retry, body)
	}
	if q, _ := st.Queued(ctx, "ev"); q != 5 {
		t.Errorf("queued after the refusal = %d, want 5 (nothing of it stored)", q)
	}
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := ingest.Worker{Source: st, Analyzer: an, Name: "w", Block: 10 * time.Millisecond}
	if _, err := w.Step(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _, body := push(5); code != 200 {
		t.Errorf("push after the drain = %d %s", code, body)
	}
}
