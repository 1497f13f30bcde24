package collector_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
)

func TestHTTPFaults(t *testing.T) {
	tests := []struct {
		name string
		// answers, one per request; the last repeats
		answers    []func(w http.ResponseWriter)
		wantErr    string // "" for success
		wantFatal  bool
		wantTries  int32
		wantWaits  int64
		wantErrors int64
	}{
		{name: "ok", answers: []func(http.ResponseWriter){ok}, wantTries: 1},
		{name: "503 once then ok", answers: []func(http.ResponseWriter){status(503), ok}, wantTries: 2, wantErrors: 1},
		{name: "429 with Retry-After waits it out", answers: []func(http.ResponseWriter){retryAfter(1), ok}, wantTries: 2, wantWaits: 1},
		{name: "429 without a reset backs off", answers: []func(http.ResponseWriter){status(429), ok}, wantTries: 2, wantErrors: 1},
		{name: "401 stops at once", answers: []func(http.ResponseWriter){status(401)}, wantErr: "401", wantFatal: true, wantTries: 1},
		{name: "400 is returned", answers: []func(http.ResponseWriter){status(400)}, wantErr: "400 Bad Request", wantTries: 1},
		{name: "5xx forever gives up", answers: []func(http.ResponseWriter){status(502)}, wantErr: "gave up after 4 tries", wantTries: 4, wantErrors: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tries atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(tries.Add(1)) - 1
				tc.answers[min(n, len(tc.answers)-1)](w)
			}))
			defer srv.Close()
			run := collector.NewRun(chorus.CollectorStatus{Event: "e", Name: "t"}, collector.RunOptions{})
			h := collector.HTTP{BackoffInitial: 10 * time.Millisecond, BackoffMax: 20 * time.Millisecond, MaxRetries: 3, Run: run}
			body, _, err := h.Get(context.Background(), srv.URL+"/page?access_token=s3cret", nil, nil)
			if tc.wantErr == "" {
				if err != nil || string(body) != "page" {
					t.Fatalf("Get = %q, %v; want the page", body, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Get error = %v; want one saying %q", err, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error shows the token: %v", err)
			}
			if collector.IsFatal(err) != tc.wantFatal {
				t.Errorf("IsFatal(%v) = %v, want %v", err, !tc.wantFatal, tc.wantFatal)
			}
			st := run.Status()
			if tries.Load() != tc.wantTries || st.RateLimitWaits != tc.wantWaits || st.Errors != tc.wantErrors {
				t.Errorf("tries %d, rate-limit waits %d, errors %d; want %d, %d, %d", tries.Load(), st.RateLimitWaits, st.Errors, tc.wantTries, tc.wantWaits, tc.wantErrors)
			}
			if strings.Contains(st.LastError, "s3cret") {
				t.Errorf("the status shows the token: %q", st.LastError)
			}
		})
	}
}

func ok(w http.ResponseWriter) { w.Write([]byte("page")) }

func status(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) { http.Error(w, `{"title":"`+http.StatusText(code)+`"}`, code) }
}

func retryAfter(s int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
	}
}

// TestHTTPRateLimitWaitsTheStatedTime: a stated reset is waited out in
// full, not hammered, and the wait is printed with the time left.
func TestHTTPRateLimitWaitsTheStatedTime(t *testing.T) {
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		times = append(times, time.Now())
		if len(times) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		ok(w)
	}))
	defer srv.Close()
	var out strings.Builder
	run := collector.NewRun(chorus.CollectorStatus{Event: "e", Name: "x-search"}, collector.RunOptions{Progress: collector.NewProgress(&out, false)})
	h := collector.HTTP{Run: run}
	if _, _, err := h.Get(context.Background(), srv.URL, nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(times) != 2 || times[1].Sub(times[0]) < time.Second {
		t.Errorf("%d requests, %v apart; want 2, at least 1s apart", len(times), times[len(times)-1].Sub(times[0]))
	}
	if !strings.Contains(out.String(), "x-search: rate limited (429 Too Many Requests): waiting 1.5s, until ") {
		t.Errorf("stderr = %q; want the wait and its end", out.String())
	}
}

func TestHTTPNetworkErrorIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connection refused
	var tries atomic.Int32
	h := collector.HTTP{BackoffInitial: 5 * time.Millisecond, BackoffMax: 10 * time.Millisecond, MaxRetries: 2}
	_, _, err = h.Do(context.Background(), func(ctx context.Context) (*http.Request, error) {
		tries.Add(1)
		return http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/?token=abc", nil)
	}, nil)
	if err == nil || tries.Load() != 3 || strings.Contains(err.Error(), "abc") {
		t.Errorf("err %v after %d tries; want an error without the token after 3 tries", err, tries.Load())
	}
}

func TestHTTPBodyLimitAndCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 2000)))
	}))
	defer srv.Close()
	h := collector.HTTP{MaxBody: 1000}
	if _, _, err := h.Get(context.Background(), srv.URL, nil, nil); err == nil || !strings.Contains(err.Error(), "over the 1000 byte limit") {
		t.Errorf("oversized body: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := h.Get(ctx, srv.URL, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://api.weibo.com/2/statuses/public_timeline.json?access_token=abc&count=20": "https://api.weibo.com/2/statuses/public_timeline.json?access_token=xxxxx&count=20",
		"https://user:pw@example.com/x":  "https://xxxxx@example.com/x",
		"https://api.x.com/2/tweets?q=a": "https://api.x.com/2/tweets?q=a",
	} {
		if got := collector.RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	b := collector.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	var waits []time.Duration
	for range 8 {
		waits = append(waits, b.Next())
	}
	if waits[0] < 50*time.Millisecond || waits[0] > 150*time.Millisecond {
		t.Errorf("first wait %v, want 100ms ± 50%%", waits[0])
	}
	for _, w := range waits {
		if w > time.Second {
			t.Errorf("wait %v over the 1s cap (%v)", w, waits)
		}
	}
	if waits[7] < 500*time.Millisecond {
		t.Errorf("eighth wait %v, want near the cap: %v", waits[7], waits)
	}
	b.Reset()
	if w := b.Next(); w > 150*time.Millisecond {
		t.Errorf("after Reset: %v, want about 100ms", w)
	}
}
