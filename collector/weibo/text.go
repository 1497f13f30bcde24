package weibo

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text turns the HTML Weibo's mobile web puts in a post's text into plain
// text, read with an HTML tokenizer:
//
//   - links and mentions keep their words (<a href='/n/名字'>@名字</a> is
//     "@名字", a #topic# link is "#topic#", a web link is its label);
//   - an emoticon image keeps its code, the alt text ("[心]", "[doge]");
//     other images (link icons) are dropped;
//   - <br> is a line break; entities are decoded;
//   - the "全文" link that ends a cut post is dropped (the full text comes
//     from statuses/extend);
//   - zero-width spaces are dropped, runs of blank lines and the white space
//     at both ends are trimmed.
//
// Text without any markup is returned with only entities decoded, so plain
// text with a '<' in it ("a<b") is kept as written.
func Text(s string) string {
	if !hasMarkup(s) {
		if strings.IndexByte(s, '&') >= 0 {
			s = html.UnescapeString(s)
		}
		return tidy(cutFullTextLink(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0          // inside <script>/<style>: text dropped
	expand := 0        // inside weibo.com's <span class="expand">: dropped
	var link []linkRun // open <a> elements: where their text began
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidy(b.String())
		case html.TextToken:
			if skip == 0 && expand == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch a := atom.Lookup(name); a {
			case atom.Br:
				b.WriteByte('\n')
			case atom.P, atom.Div, atom.Li:
				newline(&b)
			case atom.Img:
				if alt := attr(z, hasAttr, "alt"); isEmoticon(alt) {
					b.WriteString(alt)
				}
			case atom.Script, atom.Style:
				skip++
			case atom.Span:
				if strings.Contains(attr(z, hasAttr, "class"), "expand") {
					expand++ // weibo.com's "展开" (expand) marker of a cut post
				} else if expand > 0 {
					expand++
				}
			case atom.A:
				link = append(link, linkRun{start: b.Len(), href: attr(z, hasAttr, "href")})
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Script, atom.Style:
				if skip > 0 {
					skip--
				}
			case atom.Span:
				if expand > 0 {
					expand--
				}
			case atom.P, atom.Div, atom.Li:
				newline(&b)
			case atom.A:
				if n := len(link); n > 0 {
					l := link[n-1]
					link = link[:n-1]
					if isFullTextLink(b.String()[l.start:], l.href) {
						s := b.String()[:l.start]
						b.Reset()
						b.WriteString(s)
					}
				}
			}
		}
	}
}

type linkRun struct {
	start int
	href  string
}

// hasMarkup tells whether s holds a tag of the kinds Weibo writes (a, span,
// img, br, p, div, i, b, em, strong, script, style, comments): plain text
// with a '<' ("a<b", "<3") is not markup.
func hasMarkup(s string) bool {
	for i := strings.IndexByte(s, '<'); i >= 0; {
		rest := s[i+1:]
		rest = strings.TrimPrefix(rest, "/")
		if strings.HasPrefix(rest, "!--") {
			return true
		}
		n := 0
		for n < len(rest) && n < 8 && (rest[n] >= 'a' && rest[n] <= 'z' || rest[n] >= 'A' && rest[n] <= 'Z') {
			n++
		}
		if n > 0 && n < len(rest) && (rest[n] == ' ' || rest[n] == '>' || rest[n] == '/' || rest[n] == '\t' || rest[n] == '\n') {
			switch strings.ToLower(rest[:n]) {
			case "a", "span", "img", "br", "p", "div", "i", "b", "em", "strong", "script", "style", "font", "u", "li", "ul", "video", "iframe":
				if rest[:n] != "b" && rest[:n] != "i" && rest[:n] != "u" || strings.Contains(s, "</"+rest[:n]+">") {
					return true
				}
			}
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

func attr(z *html.Tokenizer, more bool, want string) string {
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if string(k) == want {
			return strings.TrimSpace(string(v))
		}
	}
	return ""
}

// isEmoticon tells an emoticon code: a short bracketed name.
func isEmoticon(alt string) bool {
	return len(alt) >= 3 && alt[0] == '[' && alt[len(alt)-1] == ']' &&
		utf8.RuneCountInString(alt) <= 16 && !strings.ContainsAny(alt[1:len(alt)-1], "[]\n")
}

// cutFullTextLink drops the "全文： http://m.weibo.cn/…" that ends a cut
// post in the open API's plain text.
func cutFullTextLink(s string) string {
	// s.weibo.com's expand and collapse links, left at the end of texts
	// scraped from its pages (weibo-search).
	for _, tail := range []string{"收起全文d", "展开全文c", "收起d"} {
		if t, ok := strings.CutSuffix(strings.TrimRight(s, " \n"), tail); ok {
			return strings.TrimRight(t, " ")
		}
	}
	i := strings.LastIndex(s, "全文")
	if i < 0 {
		return s
	}
	rest := strings.TrimLeft(s[i+len("全文"):], " ")
	rest = strings.TrimPrefix(strings.TrimPrefix(rest, "："), ":")
	rest = strings.TrimSpace(rest)
	if (strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://")) && !strings.ContainsAny(rest, " \n\t") {
		return strings.TrimRight(s[:i], " ")
	}
	return s
}

// isFullTextLink tells the "全文" link that ends a cut post.
func isFullTextLink(label, href string) bool {
	label = strings.TrimSpace(label)
	if label != "全文" && label != "展开全文" && label != "展开全文c" && label != "全文c" {
		return false
	}
	return href == "" || strings.Contains(href, "/status/") || strings.Contains(href, "/detail/") ||
		strings.Contains(href, "weibo.c")
}

func newline(b *strings.Builder) {
	if s := b.String(); len(s) > 0 && s[len(s)-1] != '\n' {
		b.WriteByte('\n')
	}
}

// tidy drops zero-width spaces and no-break spaces' oddities, turns CRLF
// into LF, squeezes runs of more than one blank line and trims the ends.
func tidy(s string) string {
	if strings.ContainsAny(s, "\u200b\u200c\u200d\ufeff\r") {
		s = strings.NewReplacer("\u200b", "", "\u200c", "", "\u200d", "", "\ufeff", "", "\r\n", "\n", "\r", "\n").Replace(s)
	}
	s = strings.TrimSpace(s)
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return s
}

// OwnWords splits a repost's text at the first "//@": the words before it
// are the reposter's own, the rest is the chain of earlier reposters.
// "转发微博" (the text Weibo fills in for an empty repost) and its
// translations count as no words.
func OwnWords(text string) string {
	own := text
	if i := strings.Index(own, "//@"); i >= 0 {
		own = own[:i]
	}
	own = strings.TrimSpace(own)
	switch strings.TrimRight(own, " .。!！") {
	case "", "转发微博", "轉發微博", "转发", "轉發", "Repost", "repost", "Reposted", "转发了", "//":
		return ""
	}
	return own
}
