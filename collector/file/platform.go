package file

import (
	"bufio"
	"path/filepath"

	"github.com/chorus-news/chorus/collector/x"
)

// platformFormat is a format another package decodes (collector/x,
// collector/weibo, …): one entry each. read gets the file's name ("" for
// stdin) for formats that look beside it (an X archive's account.js).
type platformFormat struct {
	name    string
	aliases []string
	read    func(br *bufio.Reader, name string, fn func(Record) error) error
}

// platformFormats lists them in the order help text shows them.
var platformFormats = []platformFormat{
	{name: "twarc2", aliases: []string{"twarc"}, read: readTwarc2},
	{name: "x-archive", aliases: []string{"x_archive", "twitter-archive"}, read: readXArchive},
}

func platformReader(format string) func(br *bufio.Reader, name string, fn func(Record) error) error {
	for _, f := range platformFormats {
		if f.name == format {
			return f.read
		}
		for _, a := range f.aliases {
			if a == format {
				return f.read
			}
		}
	}
	return nil
}

// readTwarc2 reads twarc2 JSON lines (raw pages, stream lines, flattened
// posts, twarc 1 lines), as collector/x decodes them.
func readTwarc2(br *bufio.Reader, _ string, fn func(Record) error) error {
	return x.ReadTwarc2(br, func(r x.Record) error { return fn(Record{Line: r.Line, Post: r.Post, Err: r.Err}) })
}

// readXArchive reads an X account archive's tweets.js; account.js,
// follower.js and note-tweet.js beside the file name the owner and give
// long posts their full text.
func readXArchive(br *bufio.Reader, name string, fn func(Record) error) error {
	var a *x.Archive
	if name != "" {
		a = x.LoadArchive(filepath.Dir(name))
	}
	return x.ReadArchive(br, a, func(r x.Record) error { return fn(Record{Line: r.Line, Post: r.Post, Err: r.Err}) })
}
