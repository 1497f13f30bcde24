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
	"github.com/chorus-news/chorus/web"
)

const token = "s3cret-token"

type fixture struct {
	t     *testing.T
	store *embedded.Store
	srv   *httptest.Server
	an    *analysis.Engine
}

func newFixture(t *testing.T, tok string) *fixture {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := web.New(web.Config{Store: st, Token: tok, Decode: file.DecodePost, Version: "test", TallyWait: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	an, err := analysis.New(analysis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateEvent(context.Background(), chorus.Event{ID: "ev", Title: "Test <b>event</b>"}); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, store: st, srv: srv, an: an}
}

// drain scores and tallies everything queued, as serve's workers do.
func (f *fixture) drain() {
	f.t.Helper()
	w := ingest.Worker{Source: f.store, Analyzer: f.an, Name: "test", Block: 10 * time.Millisecond}
	for {
		n, err := w.Step(context.Background())
		if err != nil {
			f.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func (f *fixture) do(method, path, ctype, tok, body string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (f *fixture) total() int64 {
	f.t.Helper()
	f.drain()
	sum, err := f.store.Summary(context.Background(), "ev", "")
	if err != nil {
		f.t.Fatal(err)
	}
	return sum.Total
}

func postJSON(pl, id, text string) string {
	return fmt.Sprintf(`{"platform":%q,"id":%q,"text":%q,"created_at":"2024-07-31T19:05:00Z","metrics":{"likes":3}}`, pl, id, text)
}

func TestWritesNeedTheToken(t *testing.T) {
	f := newFixture(t, token)
	body := "[" + postJSON("x", "1", "great") + "]"
	tests := []struct {
		name, method, path, tok string
		want                    int
	}{
		{"posts without token", "POST", "/api/v1/events/ev/posts", "", 401},
		{"posts with wrong token", "POST", "/api/v1/events/ev/posts", "nope", 401},
		{"event without token", "POST", "/api/v1/events", "", 401},
		{"patch without token", "PATCH", "/api/v1/events/ev/posts/x/1", "", 401},
		{"reads need none", "GET", "/api/v1/events/ev/summary", "", 200},
		{"posts with token", "POST", "/api/v1/events/ev/posts", token, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, resp := f.do(tc.method, tc.path, "application/json", tc.tok, body)
			if got != tc.want {
				t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, got, resp, tc.want)
			}
			if got == 401 && !strings.Contains(resp, `"error"`) {
				t.Errorf("401 body %s has no error", resp)
			}
		})
	}
	if n := f.total(); n != 1 {
		t.Errorf("total = %d, want 1 (only the authorised write counts)", n)
	}
}

func TestSubmitPosts(t *testing.T) {
	f := newFixture(t, "")
	// A good batch first, so that every later bad request has something to lose.
	code, resp := f.do("POST", "/api/v1/events/ev/posts", "application/json", "",
		"["+postJSON("x", "1", "I love this")+","+postJSON("weibo", "1", "太暖了[心]")+"]")
	if code != 200 || !strings.Contains(resp, `"accepted":2`) {
		t.Fatalf("good batch = %d %s", code, resp)
	}
	tests := []struct {
		name, ctype, body string
		want              int
		wantBody          string
	}{
		{"not JSON", "application/json", `[{"platform":"x","id":"2",`, 400, `"error":"body: not valid JSON`},
		{"JSON but not posts", "application/json", `42`, 400, `"error"`},
		{"one object", "application/json", postJSON("x", "3", "ok then"), 200, `"accepted":1`},
		{"duplicates", "application/json", "[" + postJSON("x", "1", "again") + "]", 200, `"duplicates":1`},
		{"bad item in array", "application/json", "[" + postJSON("x", "4", "fine") + `,{"platform":"myspace","id":"5","created_at":"2024-07-31T19:05:00Z"}]`, 200, `"rejected":[{"index":1,"error":"platform: unknown platform \"myspace\"`},
		{"ndjson with a bad line", "application/x-ndjson", postJSON("x", "6", "good") + "\n{bad json\n\n" + postJSON("weibo", "7", "好") + "\n" + `{"platform":"x","created_at":"2024-07-31T19:05:00Z"}` + "\n", 200, `"accepted":2,"duplicates":0,"rejected":[{"index":1,"error":"json:`},
		{"wrong content type", "text/plain", "hello", 415, `"error"`},
		{"unknown event", "application/json", "[]", 404, `"error"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v1/events/ev/posts"
			if tc.name == "unknown event" {
				path = "/api/v1/events/nope/posts"
			}
			code, resp := f.do("POST", path, tc.ctype, "", tc.body)
			if code != tc.want || !strings.Contains(resp, tc.wantBody) {
				t.Errorf("= %d %s, want %d containing %s", code, resp, tc.want, tc.wantBody)
			}
		})
	}
	// 2 + "one object" 1 + "bad item" 1 + ndjson 2; nothing lost, nothing twice.
	if n := f.total(); n != 6 {
		t.Errorf("total = %d, want 6", n)
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, "")
	big := "[" + strings.Repeat(postJSON("x", "1", strings.Repeat("a", 1000))+",", web.MaxPostsBody/1000) + postJSON("x", "2", "x") + "]"
	code, resp := f.do("POST", "/api/v1/events/ev/posts", "application/json", "", big)
	if code != 413 {
		t.Errorf("oversized body = %d %.200s, want 413", code, resp)
	}
	if n := f.total(); n != 0 {
		t.Errorf("total = %d after an oversized body, want 0", n)
	}
}

func TestReads(t *testing.T) {
	f := newFixture(t, "")
	var lines []string
	for i := range 7 {
		lines = append(lines, postJSON([]string{"x", "weibo"}[i%2], fmt.Sprint(i), "what a wonderful moment"))
	}
	if code, resp := f.do("POST", "/api/v1/events/ev/posts", "application/x-ndjson", "", strings.Join(lines, "\n")); code != 200 {
		t.Fatalf("submit = %d %s", code, resp)
	}
	f.drain()
	tests := []struct {
		path     string
		want     int
		contains string
	}{
		{"/healthz", 200, `"store":"embedded"`},
		{"/api/v1/events", 200, `"total":7`},
		{"/api/v1/events/ev/summary", 200, `"total":7`},
		{"/api/v1/events/ev/summary?platform=weibo", 200, `"total":3`},
		{"/api/v1/events/ev/summary?platform=myspace", 400, `"error":"platform: unknown platform`},
		{"/api/v1/events/nope/summary", 404, `"error"`},
		{"/api/v1/events/bad%7Bid%7D/summary", 400, `"error"`},
		{"/api/v1/events/ev/timeline?bucket=1h", 200, `"t":"2024-07-31T19:00:00Z"`},
		{"/api/v1/events/ev/timeline?bucket=5m", 400, `"error":"bucket:`},
		{"/api/v1/events/ev/posts?limit=3&sort=top", 200, `"next_cursor":"`},
		{"/api/v1/events/ev/posts?limit=0", 400, `"error":"limit:`},
		{"/api/v1/events/ev/posts?label=angry", 400, `"error":"label:`},
		{"/api/v1/events/ev/posts?cursor=garbage", 400, `"error"`},
		{"/metrics", 200, "go_goroutines"},
		{"/nowhere", 404, `"error"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, resp := f.do("GET", tc.path, "", "", "")
			if code != tc.want || !strings.Contains(resp, tc.contains) {
				t.Errorf("GET %s = %d %.300s, want %d containing %s", tc.path, code, resp, tc.want, tc.contains)
			}
		})
	}
	// Paging walks every post once.
	seen := map[string]bool{}
	cursor := ""
	for range 10 {
		_, resp := f.do("GET", "/api/v1/events/ev/posts?limit=3&cursor="+cursor, "", "", "")
		var page chorus.PostPage
		if err := json.Unmarshal([]byte(resp), &page); err != nil {
			t.Fatalf("posts page: %v: %s", err, resp)
		}
		for _, p := range page.Posts {
			if seen[p.Key()] {
				t.Errorf("post %s twice", p.Key())
			}
			seen[p.Key()] = true
			if p.Sentiment == nil {
				t.Errorf("post %s without sentiment", p.Key())
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 7 {
		t.Errorf("paging saw %d posts, want 7", len(seen))
	}
}

func TestCorrectLabel(t *testing.T) {
	f := newFixture(t, token)
	f.do("POST", "/api/v1/events/ev/posts", "application/json", token, "["+postJSON("x", "1", "I love this so much")+"]")
	f.drain()
	code, resp := f.do("PATCH", "/api/v1/events/ev/posts/x/1", "application/json", token, `{"label":"negative","note":"sarcasm"}`)
	if code != 200 || !strings.Contains(resp, `"corrected":true`) {
		t.Fatalf("PATCH = %d %s", code, resp)
	}
	_, resp = f.do("GET", "/api/v1/events/ev/summary", "", "", "")
	if !strings.Contains(resp, `"negative":1`) || !strings.Contains(resp, `"total":1`) {
		t.Errorf("summary after correction = %s, want 1 negative of 1", resp)
	}
	for body, want := range map[string]int{`{"label":"furious"}`: 400, `{"label":"negative","x":1}`: 400, `not json`: 400} {
		if code, resp := f.do("PATCH", "/api/v1/events/ev/posts/x/1", "application/json", token, body); code != want {
			t.Errorf("PATCH %s = %d %s, want %d", body, code, resp, want)
		}
	}
	if code, _ := f.do("PATCH", "/api/v1/events/ev/posts/x/404", "application/json", token, `{"label":"neutral"}`); code != 404 {
		t.Errorf("PATCH unknown post = %d, want 404", code)
	}
}

func TestPagesEscapePostText(t *testing.T) {
	f := newFixture(t, "")
	hostile := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "",
		"["+postJSON("x", "1", hostile)+`,{"platform":"weibo","id":"2","text":"好","created_at":"2024-07-31T19:05:00Z","url":"javascript:alert(1)","author":{"handle":"<b>h</b>"}}]`)
	f.drain()
	for _, path := range []string{"/", "/events/ev"} {
		code, page := f.do("GET", path, "", "", "")
		if code != 200 {
			t.Fatalf("GET %s = %d", path, code)
		}
		for _, bad := range []string{"<script>", "<img src=x", "javascript:alert", "<b>event</b>", "<b>h</b>"} {
			if strings.Contains(page, bad) {
				t.Errorf("GET %s contains unescaped %q", path, bad)
			}
		}
	}
	_, page := f.do("GET", "/events/ev", "", "", "")
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Errorf("event page does not show the hostile text escaped")
	}
	if code, page := f.do("GET", "/events/nope", "", "", ""); code != 404 || !strings.Contains(page, "No such event") {
		t.Errorf("GET /events/nope = %d", code)
	}
}

func TestLiveStreamsSummaryChanges(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/v1/events/ev/live", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("Content-Type = %q", ct)
	}
	events := make(chan string, 10)
	go func() {
		buf := make([]byte, 64<<10)
		var acc string
		for {
			n, err := resp.Body.Read(buf)
			acc += string(buf[:n])
			for {
				i := strings.Index(acc, "\n\n")
				if i < 0 {
					break
				}
				events <- acc[:i]
				acc = acc[i+2:]
			}
			if err != nil {
				close(events)
				return
			}
		}
	}()
	next := func() string {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			return e
		case <-ctx.Done():
			t.Fatal("no event in time")
		}
		return ""
	}
	if e := next(); !strings.Contains(e, "event: summary") || !strings.Contains(e, `"total":0`) {
		t.Fatalf("first event = %q, want the summary with total 0", e)
	}
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+postJSON("x", "1", "so good")+"]")
	f.drain()
	if e := next(); !strings.Contains(e, `"total":1`) {
		t.Errorf("event after a post = %q, want total 1", e)
	}
	if code, body := f.do("GET", "/api/v1/events/ev/collectors", "", "", ""); code != 200 || body != `{"collectors":[]}` {
		t.Errorf("collectors = %d %s", code, body)
	}
	if code, _ := f.do("GET", "/api/v1/events/nope/live", "", "", ""); code != 404 {
		t.Errorf("live of unknown event = %d, want 404", code)
	}
}
