package x

import (
	"path/filepath"

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
	file.Register(file.Format{Name: FormatArchive, Aliases: []string{"x_archive", "twitter-archive"}, Read: func(in file.Input, fn func(file.Record) error) error {
		// account.js, follower.js and note-tweet.js beside tweets.js name
		// the owner and give long posts their full text.
		var a *Archive
		if in.Name != "" {
			a = LoadArchive(filepath.Dir(in.Name))
		}
		return ReadArchive(in.R, a, func(r Record) error { return fn(file.Record{Line: r.Line, Post: r.Post, Err: r.Err}) })
	}})
}
