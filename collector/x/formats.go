package x

import (
	"bytes"
	"path/filepath"

	"github.com/chorus-news/chorus"

	"github.com/chorus-news/chorus/collector/file"
)

// The import formats this package reads (chorus import --format NAME).
// collector/file's own sniffing names both for --format auto.
const (
	FormatTwarc2  = "twarc2"
	FormatArchive = "x-archive"
)

func init() {
	file.Register(file.Format{Name: FormatTwarc2, Aliases: []string{"twarc"}, Read: func(in file.Input, fn func(file.Record) error) error {
		return ReadTwarc2(in.R, func(r Record) error { return fn(file.Record{Line: r.Line, Post: r.Post, Err: r.Err}) })
	}})
	file.Register(file.Format{Name: FormatArchive, Aliases: []string{"x_archive", "twitter-archive"}, Sniff: isArchive, Read: func(in file.Input, fn func(file.Record) error) error {
		// account.js, follower.js and note-tweet.js beside tweets.js name
		// the owner and give long posts their full text.
		if head, _ := in.R.Peek(len(zipMagic)); string(head) == zipMagic {
			if in.Name == "" {
				return &chorus.FieldError{Field: "format", Reason: "an X archive's zip is read from a file, not stdin: name the file"}
			}
			return ReadArchiveZip(in.Name, func(r Record) error { return fn(file.Record{Line: r.Line, Post: r.Post, Err: r.Err}) })
		}
		var a *Archive
		if in.Name != "" {
			a = LoadArchive(filepath.Dir(in.Name))
		}
		return ReadArchive(in.R, a, func(r Record) error { return fn(file.Record{Line: r.Line, Post: r.Post, Err: r.Err}) })
	}})
}

// isArchive claims the 2012–2018 archive's monthly files
// (Grailbird.data.tweets_2014_01 = [ … ]) and a zip whose first entries
// look like an X account archive's (the data/ folder, manifest.js, Your
// archive.html).
func isArchive(head []byte) bool {
	if bytes.HasPrefix(head, []byte("Grailbird.data.")) {
		return true
	}
	if !bytes.HasPrefix(head, []byte(zipMagic)) {
		return false
	}
	// A local file header names its entry at offset 30; the first entries
	// of an archive are its data/*.js files and the HTML viewer.
	for _, hint := range []string{"data/", "assets/", "Your archive.html", "manifest.js", "tweets.js", "tweet.js"} {
		if bytes.Contains(head, []byte(hint)) {
			return true
		}
	}
	return false
}
