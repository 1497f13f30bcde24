package remote

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

// local is the fallback: it marks its verdicts so tests can tell them apart.
type local struct{}

func (local) Score(text, lang string) chorus.Sentiment {
	return chorus.Sentiment{Label: chorus.Neutral, Model: "local/" + lang}
}

// service answers like a real scoring service: positive if the text has
// "good", else negative; it counts requests and the largest batch.
type service struct {
	requests, largest atomic.Int64
	mangle            func(w http.ResponseWriter, items []Item) bool // true: it answered
}

func (s *service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want a JSON POST", http.StatusBadRequest)
		return
	}
	var items []Item
	if err := json.NewDecoder(r.Body).Decode(&items); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.requests.Add(1)
	if n := int64(len(items)); n > s.largest.Load() {
		s.largest.Store(n)
	}
	if s.mangle != nil && s.mangle(w, items) {
		return
	}
	out := make([]result, 0, len(items))
	for i := len(items) - 1; i >= 0; i-- { // any order
		it := items[i]
		res := result{ID: it.ID, Label: chorus.Negative, Score: -0.5, Confidence: 0.7, Model: "svc/2"}
		if strings.Contains(it.Text, "good") {
			res.Label, res.Score = chorus.Positive, 0.5
		}
		out = append(out, res)
	}
	json.NewEncoder(w).Encode(out)
}

func newClient(t *testing.T, svc *service, opts Options) *Client {
	t.Helper()
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, local{}, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func models(ss []chorus.Sentiment) string {
	var m []string
	for _, s := range ss {
		m = append(m, string(s.Label)+":"+s.Model)
	}
	return strings.Join(m, " ")
}

func TestScoreBatch(t *testing.T) {
	items := []Item{{ID: "a", Text: "good", Lang: "en"}, {ID: "a", Text: "bad", Lang: "en"}, {ID: "c", Text: "好 good", Lang: "zh"}}
	tests := []struct {
		name   string
		mangle func(w http.ResponseWriter, items []Item) bool
		opts   Options
		want   string
	}{
		{"all answered, duplicate caller ids", nil, Options{},
			"positive:svc/2 negative:svc/2 positive:svc/2"},
		{"server error", func(w http.ResponseWriter, _ []Item) bool {
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		}, Options{}, "neutral:local/en neutral:local/en neutral:local/zh"},
		{"not json", func(w http.ResponseWriter, _ []Item) bool {
			w.Write([]byte("<html>"))
			return true
		}, Options{}, "neutral:local/en neutral:local/en neutral:local/zh"},
		{"partial answer and bad label", func(w http.ResponseWriter, items []Item) bool {
			json.NewEncoder(w).Encode([]result{
				{ID: items[0].ID, Label: "great", Score: 1, Confidence: 1},
				{ID: items[2].ID, Label: chorus.Positive, Score: 7, Confidence: -1},
			})
			return true
		}, Options{}, "neutral:local/en neutral:local/en positive:remote"},
		{"timeout", func(w http.ResponseWriter, _ []Item) bool {
			time.Sleep(300 * time.Millisecond)
			return false
		}, Options{Timeout: 50 * time.Millisecond}, "neutral:local/en neutral:local/en neutral:local/zh"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, &service{mangle: tt.mangle}, tt.opts)
			got := c.ScoreBatch(context.Background(), items)
			if m := models(got); m != tt.want {
				t.Errorf("ScoreBatch = %s, want %s", m, tt.want)
			}
			for _, s := range got {
				if s.Score < -1 || s.Score > 1 || s.Confidence < 0 || s.Confidence > 1 {
					t.Errorf("ScoreBatch gave %+v: out of range", s)
				}
			}
		})
	}
}

func TestBatching(t *testing.T) {
	svc := &service{}
	c := newClient(t, svc, Options{MaxBatch: 4})
	items := make([]Item, 10)
	for i := range items {
		items[i] = Item{ID: "x", Text: "good", Lang: "en"}
	}
	got := c.ScoreBatch(context.Background(), items)
	if len(got) != 10 || svc.requests.Load() != 3 || svc.largest.Load() != 4 {
		t.Errorf("10 posts, batch 4: %d results, %d requests, largest %d; want 10, 3, 4", len(got), svc.requests.Load(), svc.largest.Load())
	}
	if s := c.Score("good", "en"); s.Label != chorus.Positive || s.Model != "svc/2" {
		t.Errorf("Score(good) = %+v, want positive from svc/2", s)
	}
}

func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := New(url, local{}, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Score("good", "en"); s.Model != "local/en" {
		t.Errorf("Score with the service down = %+v, want the fallback's", s)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New("", local{}, Options{}); err == nil {
		t.Error("New(empty URL) = nil error")
	}
	if _, err := New("http://127.0.0.1:1", nil, Options{}); err == nil {
		t.Error("New(no fallback) = nil error")
	}
}
