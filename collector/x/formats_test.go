package x_test

import (
	"archive/zip"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
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
		{"testdata/archive-2014/2014_07.js", 3, 0, "", x.SourceArchive},
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

// The archive's zip, as X hands it out, imports whole: every tweets part,
// the owner from account.js, long text from note-tweet.js.
func TestArchiveZip(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "twitter-2024-08-01-abc.zip")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	add := func(entry, src string, data []byte) {
		w, err := zw.Create(entry)
		if err != nil {
			t.Fatal(err)
		}
		if src != "" {
			if data, err = os.ReadFile(src); err != nil {
				t.Fatal(err)
			}
		}
		w.Write(data)
	}
	add("Your archive.html", "", []byte("<html>viewer</html>"))
	for _, side := range []string{"account.js", "follower.js", "note-tweet.js", "tweets.js"} {
		add("data/"+side, "testdata/archive/"+side, nil)
	}
	add("data/tweets-part1.js", "", []byte("window.YTD.tweets.part1 = [ {\"tweet\": {\"id_str\": \"1818700000000000999\", \"full_text\": \"part one\", \"created_at\": \"Wed Jul 31 18:00:00 +0000 2024\", \"favorite_count\": \"1\"}}, {\"tweet\": {\"id_str\": \"x\"}} ]"))
	add("data/like.js", "", []byte(`window.YTD.like.part0 = [{"like":{"tweetId":"1","fullText":"not mine"}}]`))
	zw.Close()
	f.Close()

	rc, err := file.Open(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var posts []chorus.Post
	var bad []string
	err = file.ReadFile(rc, name, "auto", func(r file.Record) error {
		if r.Err != nil {
			bad = append(bad, fmt.Sprintf("%d: %v", r.Line, r.Err))
			return nil
		}
		posts = append(posts, r.Post)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 5 || len(bad) != 1 || !strings.Contains(bad[0], "data/tweets-part1.js: tweet.") {
		t.Fatalf("%d posts, bad %v; want 5 and one naming data/tweets-part1.js", len(posts), bad)
	}
	long := false
	for _, p := range posts {
		if p.Author.Handle != "desk_reader" || p.Author.Followers != 3 || p.Source != x.SourceArchive {
			t.Errorf("post %s: author %+v source %s", p.ID, p.Author, p.Source)
		}
		long = long || strings.HasSuffix(p.Text, "Thank you, Paris.")
	}
	if !long {
		t.Error("no post took its full text from note-tweet.js")
	}
}

// An extracted archive's folder named instead of its tweets.js says which
// file to name.
func TestArchiveFolderIsNamed(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "tweets.js"), []byte("window.YTD.tweets.part0 = []"), 0o644)
	_, err := file.Open(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "is a directory: an X archive: import "+filepath.Join(dir, "data", "tweets.js")) {
		t.Errorf("Open(folder) = %v", err)
	}
}
