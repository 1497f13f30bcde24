// Package article finds the X and Weibo posts a news article quotes and
// turns each into a canonical post, keeping who the article says wrote it.
//
// An article is plain text or an HTML page (its main text is taken with
// readability, the algorithm of Firefox's reader view). A quotation is a
// post when the article ties it to X (Twitter, "X (formerly Twitter)", a
// tweet) or to Weibo (微博, "the Chinese equivalent of Twitter", "netizens
// on Weibo") and to someone posting: "…," wrote one user on X; One Weibo
// user wrote: "…"; in what an X user called "…". The attribution may come
// after the quotation, before it, in the sentence or paragraph before, or
// in the next paragraph for a quotation standing alone; "wrote another"
// takes the platform named just before. A quotation split around its
// attribution is one post; so is one running over paragraphs.
//
// A quotation is not a post when it comes from an interview, a statement,
// a briefing or remarks to reporters; when it names a hashtag, a trending
// topic, a song, a show or a slogan; when it is a phrase woven into the
// writer's own sentence (scare quotes); when it was posted on another
// platform (Douyin, TikTok, Xiaohongshu, WeChat, Instagram, Facebook,
// Reddit, Threads, …); and when the platform cannot be told. Each of those
// is kept in Result.Quotes with the reason, so that a person can check.
package article

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"

	"github.com/chorus-news/chorus"
)

// MaxBytes bounds an article as read from a file or a URL.
const MaxBytes = 8 << 20

// Options say where an article comes from and when it is read.
type Options struct {
	// Source is the file name or URL; posts carry "article:"+Source (a
	// file by its base name, "-" as stdin).
	Source string
	// ContentType is the type a server gave ("text/html; charset=…"),
	// when the article was fetched; it picks HTML or text and the charset.
	ContentType string
	// Now is the import time: posts are dated with it when the article
	// states no date. Zero means time.Now.
	Now time.Time
	// Date, when set, dates the posts whatever the article says.
	Date time.Time
}

// Result is what one article gives.
type Result struct {
	Source string    // as posts carry it, after "article:"
	Title  string    // the HTML page's title, or the text's first line
	HTML   bool      // the article was an HTML page
	Text   string    // the text the quotations were read from; offsets count into it
	Date   time.Time // the posts' created_at
	Dated  bool      // Date is the article's own (or Options.Date); false: the import time
	Quotes []Quote   // every quotation, posts and the rest, in article order
	Posts  []chorus.Post
}

// Read reads an article of at most MaxBytes from r and extracts its posts.
func Read(r io.Reader, opts Options) (*Result, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read article: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, &chorus.FieldError{Field: "article", Reason: fmt.Sprintf("over the %d MiB limit", MaxBytes>>20)}
	}
	return Parse(data, opts)
}

// Parse extracts the posts of the article in data.
func Parse(data []byte, opts Options) (*Result, error) {
	res := &Result{Source: SourceName(opts.Source)}
	isHTML := looksHTML(data)
	if ct := strings.ToLower(opts.ContentType); strings.Contains(ct, "html") {
		isHTML = true
	} else if strings.HasPrefix(ct, "text/plain") {
		isHTML = false
	}
	var stated time.Time
	if isHTML {
		pg, err := readHTML(data, opts.ContentType, urlOf(opts.Source))
		if err != nil {
			return nil, err
		}
		res.HTML, res.Title, res.Text, stated = true, pg.title, pg.text, pg.date
	} else {
		text, err := plainText(data)
		if err != nil {
			return nil, err
		}
		res.Text = text
		if first, _, _ := strings.Cut(strings.TrimSpace(text), "\n"); len(first) < 300 {
			res.Title = strings.TrimSpace(first)
		}
	}
	if stated.IsZero() {
		stated, _ = textDate(res.Text)
	}
	switch {
	case !opts.Date.IsZero():
		res.Date, res.Dated = opts.Date.UTC(), true
	case !stated.IsZero():
		res.Date, res.Dated = stated.UTC(), true
	default:
		now := opts.Now
		if now.IsZero() {
			now = time.Now()
		}
		res.Date = now.UTC().Truncate(time.Second)
	}
	res.Quotes = Extract(res.Text)
	res.Posts = res.posts()
	return res, nil
}

// plainText decodes a text article: UTF-8 (a byte order mark dropped) or
// UTF-16 with its mark; bytes that are not UTF-8 become U+FFFD.
func plainText(data []byte) (string, error) {
	if bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) {
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", fmt.Errorf("article: UTF-16: %w", err)
		}
		data = out
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, 0) >= 0 {
		return "", &chorus.FieldError{Field: "article", Reason: "binary data, not text or HTML"}
	}
	s := string(data)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s, nil
}

// SourceName is how posts name where an article came from: a URL whole,
// a file by its base name, stdin as "stdin".
func SourceName(name string) string {
	switch {
	case name == "" || name == "-":
		return "stdin"
	case IsURL(name):
		if len(name) > chorus.MaxFieldBytes-len("article:") {
			name = name[:chorus.MaxFieldBytes-len("article:")]
			for !utf8.ValidString(name) {
				name = name[:len(name)-1]
			}
		}
		return name
	}
	return filepath.Base(name)
}

// IsURL reports whether name is an http or https URL.
func IsURL(name string) bool {
	low := strings.ToLower(name)
	return strings.HasPrefix(low, "http://") || strings.HasPrefix(low, "https://")
}

func urlOf(name string) string {
	if IsURL(name) {
		return name
	}
	return ""
}

// ID is a post's id from its platform and words: the same post quoted
// again, in this article or another, gets the same id and counts once.
func ID(platform chorus.Platform, text string) string {
	sum := sha256.Sum256([]byte(string(platform) + "\x00" + idText(text)))
	return "article-" + hex.EncodeToString(sum[:8])
}

// idText folds what an article's typography changes: quotation marks,
// apostrophes, dashes and white space.
func idText(s string) string {
	r := strings.NewReplacer("“", `"`, "”", `"`, "„", `"`, "‘", "'", "’", "'", "–", "-", "—", "-", "\u00a0", " ")
	return strings.Join(strings.Fields(r.Replace(s)), " ")
}

// posts turns the quotations that are posts into canonical posts; a
// second quotation of the same words is marked a repeat.
func (r *Result) posts() []chorus.Post {
	var out []chorus.Post
	seen := map[string]bool{}
	for i := range r.Quotes {
		q := &r.Quotes[i]
		if !q.Post() {
			continue
		}
		p := chorus.Post{
			Platform:  q.Platform,
			ID:        ID(q.Platform, q.Text),
			Author:    chorus.Author{Name: clipName(q.Attribution), Handle: q.Handle},
			Text:      q.Text,
			CreatedAt: r.Date,
			Source:    "article:" + r.Source,
		}
		if !q.date.IsZero() {
			p.CreatedAt = q.date // an embedded post dates itself
		}
		if seen[p.Key()] {
			q.Skip = skipDuplicate
			continue
		}
		if err := p.Validate(); err != nil {
			q.Skip = "not a valid post: " + err.Error()
			continue
		}
		seen[p.Key()] = true
		out = append(out, p)
	}
	return out
}

func clipName(s string) string {
	if len(s) <= 200 {
		return s
	}
	s = s[:200]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
