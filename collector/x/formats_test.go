package x_test

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/collector/x"
)

// X files are found by --format auto and read by collector/x, gzip'd or
// not; an archive's tweets.js picks up account.js beside it.
func TestXFormatsAuto(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("testdata/twarc2-raw.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "search.jsonl.gz")
	f, err := os.Create(gz)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write(raw)
	zw.Close()
	f.Close()
	tests := []struct {
		file        string
		posts, bad  int
		owner       string
		firstSource string
	}{
		{"testdata/twarc2-raw.jsonl", 12, 0, "", x.SourceTwarc2},
		{gz, 12, 0, "", x.SourceTwarc2},
		{"testdata/twarc2-flat.jsonl", 12, 0, "", x.SourceTwarc2},
		{"testdata/twarc2-stream-cut.jsonl", 6, 1, "", x.SourceTwarc2},
		{"testdata/twarc1.jsonl", 5, 0, "", x.SourceTwarc2},
		{"testdata/archive/tweets.js", 4, 0, "desk_reader", x.SourceArchive},
		{"testdata/archive-old/tweet.js", 2, 0, "", x.SourceArchive},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			rc, err := file.Open(tt.file, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var posts, bad int
			err = file.ReadFile(rc, tt.file, "auto", func(r file.Record) error {
				if r.Err != nil {
					bad++
					return nil
				}
				posts++
				if r.Post.Source != tt.firstSource {
					t.Errorf("source %q, want %q", r.Post.Source, tt.firstSource)
				}
				if tt.owner != "" && r.Post.Author.Handle != tt.owner {
					t.Errorf("author %q, want the archive owner %q", r.Post.Author.Handle, tt.owner)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if posts != tt.posts || bad != tt.bad {
				t.Errorf("%d posts, %d bad; want %d and %d", posts, bad, tt.posts, tt.bad)
			}
		})
	}
}
