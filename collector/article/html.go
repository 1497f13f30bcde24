package article

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	readability "codeberg.org/readeck/go-readability/v2"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/chorus-news/chorus"
)

// looksHTML tells an HTML page from plain text by its first bytes.
func looksHTML(data []byte) bool {
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	low := bytes.ToLower(head)
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<article", "<?xml version=\"1.0\"?><html", "<!--"} {
		if bytes.HasPrefix(low, []byte(p)) {
			return true
		}
	}
	return bytes.HasPrefix(low, []byte("<")) && (bytes.Contains(low, []byte("<p")) || bytes.Contains(low, []byte("<div")) || bytes.Contains(low, []byte("<br")))
}

// maxElements bounds the page readability scores; a bigger page is read
// whole without it.
const maxElements = 60000

// page is what the HTML of an article gives.
type page struct {
	title string
	text  string // the main text, a paragraph a block
	date  time.Time
}

// readHTML takes the main text of an HTML page with readability (the
// algorithm of Firefox's reader view), keeping paragraphs, captions and
// block quotes as paragraphs. When readability finds nothing worth the
// name, the whole body is read instead, without scripts, navigation and
// forms. contentType, when known, names the page's charset.
func readHTML(data []byte, contentType, pageURL string) (page, error) {
	var r io.Reader = bytes.NewReader(data)
	if _, params, _ := mime.ParseMediaType(contentType); params["charset"] != "" || !utf8.Valid(data) {
		// A declared charset, or bytes that are not UTF-8: decode. Valid
		// UTF-8 is taken as it is, since the guess charset makes when a
		// page's <meta charset> comes late is windows-1252.
		cr, err := charset.NewReader(r, contentType)
		if err != nil {
			return page{}, fmt.Errorf("html: charset: %w", err)
		}
		r = cr
	}
	doc, err := html.Parse(r)
	if err != nil {
		// x/net/html refuses markup nested past 512 open elements.
		return page{}, &chorus.FieldError{Field: "html", Reason: strings.TrimPrefix(err.Error(), "html: ")}
	}
	var u *url.URL
	if pageURL != "" {
		u, _ = url.Parse(pageURL)
	}
	var pg page
	body := textBlocks(doc, true)
	if countElements(doc, maxElements) < maxElements {
		p := readability.NewParser()
		p.MaxElemsToParse = maxElements
		if art, err := p.ParseDocument(doc, u); err == nil {
			pg.title = art.Title()
			if t, err := art.PublishedTime(); err == nil {
				pg.date = t
			}
			if art.Node != nil {
				main := textBlocks(art.Node, false)
				// Readability may keep too little of a page of short
				// paragraphs (a live blog, a list of reactions).
				if len(main) >= 200 && len(main)*3 >= len(body) {
					pg.text = main
				}
			}
		}
	}
	if pg.text == "" {
		pg.text = body
	}
	if pg.title == "" {
		pg.title = titleOf(doc)
	}
	if pg.date.IsZero() {
		pg.date = metaDate(doc)
	}
	return pg, nil
}

func countElements(n *html.Node, limit int) int {
	count := 0
	stack := []*html.Node{n}
	for len(stack) > 0 && count < limit {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode {
			count++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			stack = append(stack, c)
		}
	}
	return count
}

// skipped elements hold no article text.
var skipped = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Iframe: true, atom.Button: true, atom.Select: true, atom.Textarea: true, atom.Head: true,
	atom.Object: true, atom.Canvas: true, atom.Math: true}

// boilerplate is also skipped when the whole body is read.
var boilerplate = map[atom.Atom]bool{atom.Nav: true, atom.Form: true, atom.Aside: true, atom.Menu: true}

// block elements end a paragraph.
var block = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Li: true, atom.Blockquote: true, atom.H1: true,
	atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Figcaption: true, atom.Pre: true,
	atom.Td: true, atom.Th: true, atom.Dd: true, atom.Dt: true, atom.Section: true, atom.Article: true, atom.Header: true,
	atom.Footer: true, atom.Caption: true, atom.Summary: true, atom.Address: true, atom.Tr: true, atom.Ul: true,
	atom.Ol: true, atom.Table: true, atom.Figure: true, atom.Main: true, atom.Hr: true, atom.Dl: true, atom.Details: true,
	atom.Body: true, atom.Html: true}

// textBlocks is the text under n, a paragraph per block element, blocks
// separated by blank lines. A block quotation set without quotation marks
// (a long post, as pages often set one) gets them, a mark opening each of
// its paragraphs and one closing the last, as a printed quotation over
// paragraphs has; an embedded tweet is left as the page gives it, its
// "— Name (@handle) date" line after it. It walks without recursion, so
// that deep markup costs no stack.
func textBlocks(n *html.Node, wholeBody bool) string {
	var out, cur strings.Builder
	quoting := 0    // depth inside block quotations being marked
	opened := false // the current marked quotation has a paragraph out
	flush := func() {
		t := strings.Join(strings.Fields(cur.String()), " ")
		cur.Reset()
		if t != "" {
			if out.Len() > 0 {
				out.WriteString("\n\n")
			}
			if quoting > 0 {
				out.WriteString("“")
				opened = true
			}
			out.WriteString(t)
		}
	}
	type frame struct {
		n     *html.Node
		leave bool
		quote bool // leaving a marked block quotation
	}
	stack := []frame{{n: n}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := f.n
		if f.leave {
			flush()
			if f.quote {
				if quoting--; quoting == 0 && opened {
					out.WriteString("”")
					opened = false
				}
			}
			continue
		}
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			continue
		case html.ElementNode:
			if skipped[n.DataAtom] || wholeBody && boilerplate[n.DataAtom] || hidden(n) {
				continue
			}
			if n.DataAtom == atom.Br {
				cur.WriteByte(' ')
				continue
			}
			if block[n.DataAtom] {
				flush()
				mark := n.DataAtom == atom.Blockquote && quoting == 0 && !embeddedPost(n) && !startsWithMark(n)
				if mark {
					quoting++
				}
				stack = append(stack, frame{n: n, leave: true, quote: mark})
			}
		case html.DocumentNode:
		default:
			continue
		}
		// Children in order: pushed last first.
		var kids []*html.Node
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			kids = append(kids, c)
		}
		for i := len(kids) - 1; i >= 0; i-- {
			stack = append(stack, frame{n: kids[i]})
		}
	}
	flush()
	return out.String()
}

// embeddedPost tells an embedded tweet (or a platform's embed) from a
// quotation the writer set as a block.
func embeddedPost(n *html.Node) bool {
	class := strings.ToLower(attr(n, "class"))
	if strings.Contains(class, "tweet") || strings.Contains(class, "twitter") || strings.Contains(class, "instagram") ||
		strings.Contains(class, "tiktok") || strings.Contains(class, "embed") || attr(n, "data-tweet-id") != "" {
		return true
	}
	// Readability drops classes: an embed still links to its post.
	return find(n, func(a *html.Node) bool {
		if a.DataAtom != atom.A {
			return false
		}
		h := strings.ToLower(attr(a, "href"))
		return strings.Contains(h, "/status/") || strings.Contains(h, "instagram.com/p/") || strings.Contains(h, "tiktok.com/")
	}) != nil
}

// startsWithMark reports whether the text under n opens with a quotation
// mark already.
func startsWithMark(n *html.Node) bool {
	var b strings.Builder
	for c := n; c != nil && b.Len() < 8; {
		if c.Type == html.TextNode {
			b.WriteString(strings.TrimSpace(c.Data))
		}
		switch {
		case c.FirstChild != nil:
			c = c.FirstChild
		case c == n:
			c = nil
		case c.NextSibling != nil:
			c = c.NextSibling
		default:
			for c != nil && c != n && c.NextSibling == nil {
				c = c.Parent
			}
			if c == nil || c == n {
				c = nil
			} else {
				c = c.NextSibling
			}
		}
	}
	r, _ := utf8.DecodeRuneInString(b.String())
	k := markKind(r)
	return k == doubleMark || k == cornerOpen || k == singleMark
}

func hidden(n *html.Node) bool {
	for _, a := range n.Attr {
		if a.Key == "hidden" || a.Key == "aria-hidden" && a.Val == "true" {
			return true
		}
		if a.Key == "style" && strings.Contains(strings.ReplaceAll(strings.ToLower(a.Val), " ", ""), "display:none") {
			return true
		}
	}
	return false
}

// find returns the first element under n for which ok holds.
func find(n *html.Node, ok func(*html.Node) bool) *html.Node {
	stack := []*html.Node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Type == html.ElementNode && ok(n) {
			return n
		}
		for c := n.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, c)
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func titleOf(doc *html.Node) string {
	if t := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Title }); t != nil && t.FirstChild != nil {
		return strings.TrimSpace(t.FirstChild.Data)
	}
	return ""
}

// metaDate reads a publication date from the usual meta tags and <time>.
func metaDate(doc *html.Node) time.Time {
	names := map[string]bool{"article:published_time": true, "og:published_time": true, "date": true, "pubdate": true,
		"publishdate": true, "dc.date": true, "dc.date.issued": true, "sailthru.date": true, "parsely-pub-date": true,
		"datepublished": true, "publish-date": true, "published_time": true}
	var found time.Time
	find(doc, func(n *html.Node) bool {
		switch n.DataAtom {
		case atom.Meta:
			key := strings.ToLower(attr(n, "property") + attr(n, "name") + attr(n, "itemprop"))
			if names[key] {
				if t, ok := parseDate(attr(n, "content")); ok {
					found = t
					return true
				}
			}
		case atom.Time:
			if t, ok := parseDate(attr(n, "datetime")); ok {
				found = t
				return true
			}
		}
		return false
	})
	return found
}
