package main

import (
	"bufio"
	"errors"
	"io"
	"strings"
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
