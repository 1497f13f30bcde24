// Package golden compares what a test produced with a file under testdata,
// and rewrites the file instead when the tests run with -update
// (go test ./... -update; review the diff before committing it). It is the
// one compare helper every package's golden tests use.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Updating says whether the tests run with -update.
func Updating() bool { return *update }

// Check compares got with the file at path, or rewrites the file (and its
// folder) under -update. A difference is reported at its first line for
// text, at its first byte for binary content.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
		return
	}
	if bytes.Equal(got, want) {
		return
	}
	if !text(got) || !text(want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s differs (%d bytes, want %d) from byte %d on (run go test -update and review the diff)", path, len(got), len(want), i)
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("%s differs at line %d (run go test -update and review the diff):\n got %s\nwant %s", path, i+1, g, w)
			return
		}
	}
}

func text(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }
