package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/analysis/remote/remotetest"
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
	srv := remotetest.Start(t, chorus.Negative, "big/3")
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
	if srv.Posts.Load() != n || srv.Requests.Load() > 20 {
		t.Errorf("%d requests carrying %d posts; want %d posts in batches (at most 20 requests)", srv.Requests.Load(), srv.Posts.Load(), n)
	}
}
