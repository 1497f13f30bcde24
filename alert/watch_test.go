package alert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/alert"
	"github.com/chorus-news/chorus/store/embedded"
)

var t0 = time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)

type fixture struct {
	t     *testing.T
	store *embedded.Store
	n     int
}

func newFixture(t *testing.T, events ...string) *fixture {
	st, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, e := range events {
		if _, err := st.CreateEvent(context.Background(), chorus.Event{ID: e, Title: "Event " + e}); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{t: t, store: st}
}

// posts tallies n posts of event in the minute t0+minute.
func (f *fixture) posts(event string, minute, n int) {
	f.t.Helper()
	ctx := context.Background()
	var batch []chorus.Post
	for range n {
		f.n++
		batch = append(batch, chorus.Post{Platform: chorus.X, ID: fmt.Sprint(f.n), Event: event, Text: "t",
			CreatedAt: t0.Add(time.Duration(minute)*time.Minute + time.Duration(f.n%50)*time.Second)})
	}
	if _, err := f.store.Submit(ctx, event, batch); err != nil {
		f.t.Fatal(err)
	}
	for {
		entries, err := f.store.Read(ctx, "test", 1000, 10*time.Millisecond)
		if err != nil {
			f.t.Fatal(err)
		}
		if len(entries) == 0 {
			return
		}
		for i := range entries {
			entries[i].Post.Sentiment = &chorus.Sentiment{Label: []chorus.Label{chorus.Positive, chorus.Negative, chorus.Neutral}[i%3], Model: "test/1"}
		}
		if _, err := f.store.Tally(ctx, entries); err != nil {
			f.t.Fatal(err)
		}
	}
}

// steady posts 2 a minute for minutes [from, to).
func (f *fixture) steady(event string, from, to int) {
	for m := from; m < to; m++ {
		f.posts(event, m, 2)
	}
}

// hook is a webhook that records what it gets; fail answers the first
// requests with a status (or, for 0, hangs past the client's timeout).
type hook struct {
	mu     sync.Mutex
	got    []alert.Alert
	tries  int
	fail   []int
	srv    *httptest.Server
	hangUp chan struct{}
}

func newHook(t *testing.T, fail ...int) *hook {
	h := &hook{fail: fail, hangUp: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.tries++
		status, hang := 0, false
		if len(h.fail) > 0 {
			status, h.fail = h.fail[0], h.fail[1:]
			hang = status == 0
		}
		h.mu.Unlock()
		if hang {
			select { // hang until the client gives up
			case <-r.Context().Done():
			case <-h.hangUp:
			}
			return
		}
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook got %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		var a alert.Alert
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &a); err != nil {
			t.Errorf("webhook body %s: %v", b, err)
		}
		h.mu.Lock()
		h.got = append(h.got, a)
		h.mu.Unlock()
	}))
	t.Cleanup(func() { close(h.hangUp); h.srv.Close() })
	return h
}

func (h *hook) alerts() []alert.Alert {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]alert.Alert(nil), h.got...)
}

func watcher(f *fixture, h *hook) *alert.Watcher {
	return &alert.Watcher{Store: f.store, URL: h.srv.URL + "/hook?secret=s3cret", Attempts: 4, Backoff: 10 * time.Millisecond,
		Client: &http.Client{Timeout: 200 * time.Millisecond}}
}

func scan(t *testing.T, w *alert.Watcher) {
	t.Helper()
	if err := w.Scan(context.Background()); err != nil {
		t.Fatal(err)
	}
	w.Wait()
}

// TestOncePerSpike: an old spike is not news, a new one is alerted once
// however it grows, and late posts that move its start do not make it a
// second spike; the next spike is alerted again.
func TestOncePerSpike(t *testing.T) {
	f := newFixture(t, "ev")
	h := newHook(t)
	w := watcher(f, h)
	f.steady("ev", 0, 15)
	f.posts("ev", 15, 30) // a spike before the watcher starts
	f.steady("ev", 16, 20)
	scan(t, w)
	if got := h.alerts(); len(got) != 0 {
		t.Fatalf("first scan alerted %d old spikes, want none", len(got))
	}
	f.steady("ev", 20, 30)
	scan(t, w)
	if got := h.alerts(); len(got) != 0 {
		t.Fatalf("steady posts alerted %d times", len(got))
	}
	f.posts("ev", 30, 25)
	scan(t, w)
	got := h.alerts()
	if len(got) != 1 {
		t.Fatalf("a new spike gave %d alerts, want 1: %+v", len(got), got)
	}
	a := got[0]
	if a.Event != "ev" || a.Type != "spike" || !a.Start.Equal(t0.Add(30*time.Minute)) || a.Posts != 25 || a.Baseline != 2 || a.Bucket != chorus.Minute {
		t.Errorf("alert = %+v, want ev's spike at 19:30 with 25 posts over a baseline of 2", a)
	}
	if a.ByLabel.Positive+a.ByLabel.Neutral+a.ByLabel.Negative != 25 || !strings.Contains(a.Text, "Event ev") || !strings.Contains(a.Link, "/events/ev") {
		t.Errorf("alert by_label %+v, text %q, link %q", a.ByLabel, a.Text, a.Link)
	}
	scan(t, w) // nothing changed
	f.posts("ev", 31, 20)
	scan(t, w) // the spike goes on
	f.posts("ev", 29, 15)
	scan(t, w) // late posts make 19:29 part of it: its start moves, it is the same spike
	if got := h.alerts(); len(got) != 1 {
		t.Fatalf("one spike, growing and moving its start, gave %d alerts: %+v", len(got), got)
	}
	f.steady("ev", 32, 50)
	f.posts("ev", 50, 40)
	scan(t, w)
	if got := h.alerts(); len(got) != 2 || !got[1].Start.Equal(t0.Add(50*time.Minute)) {
		t.Errorf("a second spike: alerts %+v, want a second at 19:50", got)
	}
}

// TestOldSpikesOfABulkImport: a new event imported whole, with many
// spikes, alerts only the newest one, and only once.
func TestOldSpikesOfABulkImport(t *testing.T) {
	f := newFixture(t)
	h := newHook(t)
	w := watcher(f, h)
	scan(t, w) // started, no events yet
	if _, err := f.store.CreateEvent(context.Background(), chorus.Event{ID: "late", Title: "Late"}); err != nil {
		t.Fatal(err)
	}
	f.steady("late", 0, 60)
	for _, m := range []int{15, 30, 58} {
		f.posts("late", m, 30)
	}
	f.posts("late", 60, 2)
	scan(t, w)
	scan(t, w)
	if got := h.alerts(); len(got) != 1 || !got[0].Start.Equal(t0.Add(58*time.Minute)) {
		t.Errorf("bulk import alerts = %+v, want only the 19:58 spike", got)
	}
}

// TestWebhookRetries: 5xx and a hung request are retried with back-off, a
// 4xx is not; the webhook's URL never reaches the log.
func TestWebhookRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      []int
		wantTries int
		wantGot   int
	}{
		{"two 503s then ok", []int{503, 503}, 3, 1},
		{"a hang past the timeout then ok", []int{0}, 2, 1},
		{"429 then ok", []int{429}, 2, 1},
		{"400 is final", []int{400}, 1, 0},
		{"always 500", []int{500, 500, 500, 500, 500}, 4, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "ev")
			h := newHook(t, tc.fail...)
			var logs strings.Builder
			w := watcher(f, h)
			w.Logger = newLogger(&logs)
			scan(t, w)
			f.steady("ev", 0, 12)
			f.posts("ev", 12, 20)
			scan(t, w)
			h.mu.Lock()
			tries, got := h.tries, len(h.got)
			h.mu.Unlock()
			if tries != tc.wantTries || got != tc.wantGot {
				t.Errorf("webhook tried %d times, got %d alerts; want %d and %d", tries, got, tc.wantTries, tc.wantGot)
			}
			if strings.Contains(logs.String(), "s3cret") || strings.Contains(logs.String(), "/hook") {
				t.Errorf("the log shows the webhook URL: %s", logs.String())
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	for u, ok := range map[string]bool{"https://hooks.example/x": true, "http://127.0.0.1:9/": true, "ftp://x": false, "hooks.example/x": false, "": false} {
		if err := alert.CheckURL(u); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
}
