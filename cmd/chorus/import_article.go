package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/article"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/collector/weibo"
)

// isArticle tells which inputs import reads as news articles itself, with
// a report of what was found: URLs, --format article, and .html files
// under --format auto. (Other HTML reaches collector/article through
// file.ReadFile's sniffing, without the report.)
func (imp *importer) isArticle(name string) bool {
	if article.IsURL(name) || article.IsFormat(imp.format) {
		return true
	}
	if f := strings.ToLower(strings.TrimSpace(imp.format)); f == "" || f == file.Auto {
		switch strings.ToLower(filepath.Ext(strings.TrimSuffix(name, ".gz"))) {
		case ".html", ".htm", ".xhtml":
			return !weibo.IsDetailPage(name) // a saved m.weibo.cn post page is Weibo's
		case ".txt", ".text", ".md":
			// A text file that is no other format is an article.
			return !sniffsAsRecords(name, imp.stdin)
		}
	}
	return false
}

// sniffsAsRecords reports whether the file's first bytes are a format of
// posts (JSON, CSV, a platform's export) rather than prose.
func sniffsAsRecords(name string, stdin io.Reader) bool {
	if name == "-" {
		return true // stdin cannot be read twice: --format article says it
	}
	rc, err := file.Open(name, stdin)
	if err != nil {
		return true // let the ordinary path name the error
	}
	defer rc.Close()
	head := make([]byte, 16<<10)
	n, _ := io.ReadFull(rc, head)
	_, err = file.Sniff(head[:n])
	return err == nil
}

// articleInfo is what --dry-run adds to a post from an article.
type articleInfo struct {
	Attribution string `json:"attribution"`
	Start       int    `json:"start"`
	End         int    `json:"end"`
	How         string `json:"how,omitempty"`
	Dated       string `json:"dated"` // "article" or "import time"
}

// dryRunPost is a canonical post with, for one from an article, where the
// article quotes it.
type dryRunPost struct {
	chorus.Post
	Article *articleInfo `json:"article,omitempty"`
}

func (imp *importer) dryRunRecord(p chorus.Post) any {
	if info, ok := imp.articles[p.Key()]; ok {
		return dryRunPost{Post: p, Article: info}
	}
	return p
}

// eachArticle reads one article (a file, stdin or a URL), reports its
// quotations on stderr when dry-running or when it states no date, and
// hands each post to fn.
func (imp *importer) eachArticle(name string, fn func(chorus.Post) error) error {
	display := name
	if name == "-" {
		display = "stdin"
	}
	opts := article.Options{Source: name, Now: imp.now()}
	var res *article.Result
	if article.IsURL(name) {
		ctx := imp.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		f := &article.Fetcher{Timeout: imp.fetchTimeout, UserAgent: "chorus/" + version + " (+https://github.com/chorus-news/chorus)"}
		got, err := f.Fetch(ctx, name)
		if err != nil {
			return err // it names the URL
		}
		opts.ContentType = got.ContentType
		if res, err = article.Parse(got.Body, opts); err != nil {
			return fmt.Errorf("%s: %w", display, err)
		}
	} else {
		rc, err := file.Open(name, imp.stdin)
		if err != nil {
			return err
		}
		res, err = article.Read(rc, opts)
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", display, err)
		}
	}
	imp.reportArticle(display, res)
	for i := range res.Posts {
		p := res.Posts[i]
		p.Event = imp.event
		imp.read.Add(1)
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// reportArticle prints, on stderr, what the article gave: under
// --dry-run every quotation found, post or skipped and why, with its
// character offsets; always a line when the posts are dated at import
// time.
func (imp *importer) reportArticle(display string, res *article.Result) {
	dated := "article"
	when := "dated " + res.Date.Format(time.RFC3339) + " as the article states"
	if !res.Dated {
		dated = "import time"
		when = "the article states no date: posts dated at import time, " + res.Date.Format(time.RFC3339)
	}
	skipped := len(res.Quotes) - len(res.Posts)
	if imp.dry || !res.Dated {
		imp.progress.Printf("%s: %d posts from %d quotations (%d skipped); %s", display, len(res.Posts), len(res.Quotes), skipped, when)
	}
	if !imp.dry {
		return
	}
	if imp.articles == nil {
		imp.articles = map[string]*articleInfo{}
	}
	byText := map[string]article.Quote{}
	for _, q := range res.Quotes {
		if q.Post() {
			byText[string(q.Platform)+"\x00"+q.Text] = q
		}
	}
	for _, p := range res.Posts {
		q := byText[string(p.Platform)+"\x00"+p.Text]
		imp.articles[p.Key()] = &articleInfo{Attribution: q.Attribution, Start: q.Start, End: q.End, How: q.How, Dated: dated}
	}
	for _, q := range res.Quotes {
		if q.Post() {
			imp.progress.Printf("%s: found   %-5s [%d,%d) %q by %q (%s)", display, q.Platform, q.Start, q.End, clipQuote(q.Text), q.Attribution, q.How)
		} else {
			imp.progress.Printf("%s: skipped       [%d,%d) %q: %s", display, q.Start, q.End, clipQuote(q.Text), q.Skip)
		}
	}
}

// clipQuote shortens a quotation for a report line.
func clipQuote(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= 100 {
		return s
	}
	r := []rune(s)
	return string(r[:97]) + "…"
}

func (imp *importer) now() time.Time {
	if imp.clock != nil {
		return imp.clock()
	}
	return time.Now()
}
