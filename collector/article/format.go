package article

import (
	"strings"
	"time"

	"github.com/chorus-news/chorus/collector/file"
)

// Format is the import format name; Aliases are the other names
// --format takes for it.
const Format = "article"

// Aliases of Format.
var Aliases = []string{"html", "text", "txt", "news"}

// IsFormat reports whether name (as --format gives it) is this package's.
func IsFormat(name string) bool {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == Format {
		return true
	}
	for _, a := range Aliases {
		if name == a {
			return true
		}
	}
	return false
}

func init() {
	// --format article reads any stream; --format auto takes an HTML page
	// for an article. Plain text needs --format article: it could be
	// anything.
	file.Register(file.Format{Name: Format, Aliases: Aliases, Sniff: looksHTML, Read: decode})
}

// decode reads an article as a file format: one record a post, its line
// the line of the article's text the quotation starts on.
func decode(in file.Input, fn func(file.Record) error) error {
	res, err := Read(in.R, Options{Source: in.Name, Now: time.Now()})
	if err != nil {
		return err
	}
	for i, p := range res.Posts {
		if err := fn(file.Record{Line: res.Line(res.postQuote(i)), Post: p}); err != nil {
			return err
		}
	}
	return nil
}

// postQuote is the quotation post i came from.
func (r *Result) postQuote(i int) Quote {
	n := 0
	for _, q := range r.Quotes {
		if q.Post() {
			if n == i {
				return q
			}
			n++
		}
	}
	return Quote{}
}

// Line is the 1-based line of Result.Text on which q starts.
func (r *Result) Line(q Quote) int {
	line, chars := 1, 0
	for _, c := range r.Text {
		if chars >= q.Start {
			break
		}
		if c == '\n' {
			line++
		}
		chars++
	}
	return line
}
