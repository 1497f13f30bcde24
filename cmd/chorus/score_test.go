package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct {
		name  string
		in    string
		limit int
		want  []string // "!" marks a line over the limit
	}{
		{"lf", "a\nb\n", 100, []string{"a", "b"}},
		{"crlf", "a\r\nb\r\n", 100, []string{"a", "b"}},
		{"no final newline", "a\nb", 100, []string{"a", "b"}},
		{"empty lines kept", "a\n\nb\n", 100, []string{"a", "", "b"}},
		{"long line skipped, next read whole", "a\n" + long + "\nb\n", 100, []string{"a", "!", "b"}},
		{"long last line", "a\n" + long, 100, []string{"a", "!"}},
		{"at the limit", strings.Repeat("y", 100) + "\r\n", 100, []string{strings.Repeat("y", 100)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tc.in), 16) // small buffer: lines span reads
			var got []string
			for range 100 {
				line, err := readLine(br, tc.limit)
				switch {
				case errors.Is(err, errLineTooLong):
					got = append(got, "!")
					continue
				case len(line) > 0 || err == nil:
					got = append(got, string(line))
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("lines = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestScoreRemoteBatched: `chorus score --scorer URL` sends the service
// batches, not a request per line, and prints what it answered.
func TestScoreRemoteBatched(t *testing.T) {
	var requests, posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var items []struct{ ID string }
		json.NewDecoder(r.Body).Decode(&items)
		requests.Add(1)
		posts.Add(int64(len(items)))
		out := make([]map[string]any, len(items))
		for i, it := range items {
			out[i] = map[string]any{"id": it.ID, "label": "negative", "score": -0.5, "confidence": 0.8, "model": "big/3"}
		}
		json.NewEncoder(w).Encode(out)
	}))
	defer srv.Close()
	var in strings.Builder
	const n = 3000
	for i := range n {
		fmt.Fprintf(&in, `{"id":%d,"text":"what a match, number %d"}`+"\n", i, i)
	}
	r := chorusCmd(t, t.TempDir(), in.String(), nil, "score", "--scorer", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := strings.Count(r.stdout, `"model":"big/3"`); got != n {
		t.Errorf("%d of %d lines scored by the service", got, n)
	}
	// 3,000 lines: two chunks of 2,048 and 952, each in requests of 256.
	if posts.Load() != n || requests.Load() > 20 {
		t.Errorf("%d requests carrying %d posts; want %d posts in batches (at most 20 requests)", requests.Load(), posts.Load(), n)
	}
}
