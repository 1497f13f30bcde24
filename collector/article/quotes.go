package article

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// paragraph is one block of the article: doc[start:end]. Its text has line
// breaks turned into spaces, byte for byte, so offsets into it are offsets
// into the document.
type paragraph struct {
	start, end int
	text       string
}

// splitParagraphs cuts a plain-text article into paragraphs: one a line,
// except that a hard-wrapped line (one that stops mid-sentence and whose
// next line goes on in lower case) joins the next.
func splitParagraphs(doc string) []paragraph {
	var paras []paragraph
	type line struct{ start, end int }
	var lines []line
	for pos := 0; pos <= len(doc); {
		i := strings.IndexByte(doc[pos:], '\n')
		end := len(doc)
		if i >= 0 {
			end = pos + i
		}
		lines = append(lines, line{pos, end})
		if i < 0 {
			break
		}
		pos = end + 1
	}
	cur := -1 // index into paras of the paragraph being built, or -1
	for i, ln := range lines {
		s := strings.TrimSpace(doc[ln.start:ln.end])
		if s == "" || reBoilerplate.MatchString(s) {
			// "Advertisement" and its kind between paragraphs are no part
			// of the article: they neither end a quotation running over
			// paragraphs nor count as one.
			cur = -1
			continue
		}
		if cur >= 0 && i > 0 && wrapped(doc[lines[i-1].start:lines[i-1].end], s) {
			paras[cur].end = ln.end
			continue
		}
		paras = append(paras, paragraph{start: ln.start, end: ln.end})
		cur = len(paras) - 1
	}
	for i := range paras {
		p := &paras[i]
		// Trim the paragraph's own white space, keeping offsets exact.
		t := doc[p.start:p.end]
		lead := len(t) - len(strings.TrimLeftFunc(t, unicode.IsSpace))
		p.start += lead
		p.end -= len(t) - len(strings.TrimRightFunc(t, unicode.IsSpace))
		p.text = strings.Map(func(r rune) rune {
			if r == '\n' || r == '\r' || r == '\t' {
				return ' '
			}
			return r
		}, doc[p.start:p.end])
	}
	return paras
}

// reBoilerplate: lines a copied page leaves between paragraphs.
var reBoilerplate = regexp.MustCompile(`(?i)^(?:advertisement|advert|sponsored|skip\s+advertisement|story\s+continues\s+(?:below|after)(?:\s+(?:the\s+)?(?:advertisement|this\s+ad))?|continue\s+reading(?:\s+the\s+main\s+story)?|scroll\s+to\s+continue(?:\s+with\s+content)?|article\s+continues\s+(?:below|after\s+advertisement)|广告|相关阅读|推荐阅读)[.:]?$`)

// wrapped reports whether line prev was cut mid-sentence and next goes on.
func wrapped(prev, next string) bool {
	prev = strings.TrimRightFunc(prev, unicode.IsSpace)
	if prev == "" {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(prev)
	if strings.ContainsRune(".!?:;。！？：；\"”’»」』…)]|", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(next)
	return unicode.IsLower(first) || last == ',' || last == '-'
}

// span is a byte range of the document.
type span struct{ start, end int }

// rawQuote is a quotation as the marks delimit it: the text inside the
// marks, in one piece a paragraph when it runs over several.
type rawQuote struct {
	pieces    []span // inside the marks; one a paragraph
	open      int    // offset of the opening mark
	close     int    // offset just past the closing mark (or the paragraph's end)
	para      int    // paragraph it opens in
	lastPara  int    // paragraph it closes in
	unclosed  bool   // ran to the end of its paragraph without a closing mark
	singleSet bool   // delimited by single quotation marks
}

// mark classes.
const (
	notMark = iota
	doubleMark
	cornerOpen  // 「
	cornerClose // 」
	singleMark
)

func markKind(r rune) int {
	switch r {
	case '"', '“', '”', '„', '‟', '«', '»', '＂', '〝', '〞', '〟':
		return doubleMark
	case '「', '『':
		return cornerOpen
	case '」', '』':
		return cornerClose
	case '\'', '‘', '’', '‚', '‛', '‹', '›':
		return singleMark
	}
	return notMark
}

// maxQuoteParas bounds how many paragraphs one quotation may run over.
const maxQuoteParas = 6

// findQuotes finds every quotation in the paragraphs, in order. Double
// marks of any kind pair with each other (an opening “ may be closed by a
// straight "), corner brackets with their own kind; single marks count only
// in a paragraph that has no other quotation. A quotation left open at the
// end of a paragraph goes on when the next paragraph opens with a mark (the
// convention for a quotation over several paragraphs), else it ends there.
func findQuotes(paras []paragraph) []rawQuote {
	var out []rawQuote
	var cur *rawQuote // a quotation carried over from the previous paragraph
	for pi := range paras {
		p := paras[pi]
		t := p.text
		from := 0
		if cur != nil {
			// The continuation's opening mark.
			lead := len(t) - len(strings.TrimLeftFunc(t, unicode.IsSpace))
			_, n := utf8.DecodeRuneInString(t[lead:])
			from = lead + n
		}
		got := scanDouble(p, pi, from, cur)
		if cur != nil && len(got) > 0 && got[0].para != pi {
			cur = nil // its first entry is the carried-over quotation
		}
		// The last quotation may run on.
		if n := len(got); n > 0 && got[n-1].unclosed && pi+1 < len(paras) &&
			opensWithMark(paras[pi+1].text) && got[n-1].lastPara-got[n-1].para+1 < maxQuoteParas {
			q := got[n-1]
			got = got[:n-1]
			out = append(out, got...)
			q.unclosed = false
			cur = &q
			continue
		}
		cur = nil
		if len(got) == 0 {
			got = scanSingle(p, pi)
		}
		out = append(out, got...)
	}
	if cur != nil {
		cur.unclosed = true
		out = append(out, *cur)
	}
	return out
}

func opensWithMark(t string) bool {
	t = strings.TrimLeftFunc(t, unicode.IsSpace)
	r, _ := utf8.DecodeRuneInString(t)
	k := markKind(r)
	return k == doubleMark || k == cornerOpen
}

// scanDouble finds double-mark and corner-bracket quotations in p from
// byte from on. carried, when not nil, is a quotation open since an earlier
// paragraph: it is the first one returned, closed here or left open.
func scanDouble(p paragraph, pi, from int, carried *rawQuote) []rawQuote {
	t := p.text
	var out []rawQuote
	in := 0 // the kind that opened the current quotation, or notMark
	var q rawQuote
	start := 0 // where the current piece starts, in t
	if carried != nil {
		q = *carried
		in = doubleMark
		start = from
	}
	prev := rune(0)
	if from > 0 {
		prev, _ = utf8.DecodeLastRuneInString(t[:from])
	}
	for i, r := range t[from:] {
		i += from
		k := markKind(r)
		switch {
		case in == notMark && k == doubleMark:
			if r == '"' && unicode.IsDigit(prev) {
				break // an inch mark: 6'2"
			}
			in = doubleMark
			q = rawQuote{open: p.start + i, para: pi}
			start = i + utf8.RuneLen(r)
		case in == notMark && k == cornerOpen:
			in = cornerOpen
			q = rawQuote{open: p.start + i, para: pi}
			start = i + utf8.RuneLen(r)
		case in == doubleMark && k == doubleMark, in == cornerOpen && k == cornerClose && r == pairOf(t, q.open-p.start):
			q.pieces = append(q.pieces, span{p.start + start, p.start + i})
			q.close = p.start + i + utf8.RuneLen(r)
			q.lastPara = pi
			out = append(out, q)
			in = notMark
		}
		prev = r
	}
	if in != notMark {
		q.pieces = append(q.pieces, span{p.start + start, p.end})
		q.close = p.end
		q.lastPara = pi
		q.unclosed = true
		out = append(out, q)
	}
	return out
}

// pairOf is the closing bracket for the corner bracket at t[i].
func pairOf(t string, i int) rune {
	if i >= 0 && i < len(t) {
		if r, _ := utf8.DecodeRuneInString(t[i:]); r == '『' {
			return '』'
		}
	}
	return '」'
}

// laterCloser reports whether a single mark after t[from:] could close a
// quotation where one ends: after a letter or punctuation, before the
// paragraph's end or punctuation and space.
func laterCloser(t string, from int) bool {
	end := min(len(t), from+1000) // bounds the work; a closer further on is not looked for
	for end < len(t) && !utf8.RuneStart(t[end]) {
		end++
	}
	t = t[:end]
	for i, r := range t[from:] {
		if markKind(r) != singleMark || i == 0 {
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(t[:from+i])
		rest := t[from+i+utf8.RuneLen(r):]
		next, _ := utf8.DecodeRuneInString(rest)
		if unicode.IsSpace(prev) || (unicode.IsLetter(prev) && unicode.IsLetter(next)) {
			continue
		}
		if rest == "" || unicode.IsPunct(next) || strings.ContainsRune(".,!?…", prev) {
			return true
		}
	}
	return false
}

// scanSingle finds quotations in single marks, telling them from
// apostrophes: an opening mark follows white space or the paragraph's start
// and comes before a letter; a closing one follows a non-space and is not
// inside a word.
func scanSingle(p paragraph, pi int) []rawQuote {
	t := p.text
	var out []rawQuote
	in := false
	var q rawQuote
	start := 0
	prev := rune(' ')
	for i, r := range t {
		next := rune(0) // at the paragraph's end
		if i+utf8.RuneLen(r) < len(t) {
			next, _ = utf8.DecodeRuneInString(t[i+utf8.RuneLen(r):])
		}
		if markKind(r) == singleMark {
			wordInside := (unicode.IsLetter(prev) || unicode.IsDigit(prev)) && (unicode.IsLetter(next) || unicode.IsDigit(next))
			switch {
			case wordInside:
			case !in && (unicode.IsSpace(prev) || strings.ContainsRune("([—–-“\"", prev)) && (unicode.IsLetter(next) || unicode.IsDigit(next) || next == '[' || next == '#' || next == '@'):
				in = true
				q = rawQuote{open: p.start + i, para: pi, singleSet: true}
				start = i + utf8.RuneLen(r)
			case in && (prev == 's' || prev == 'S') && unicode.IsSpace(next) && laterCloser(t, i+utf8.RuneLen(r)):
				// "the players' fault": a plural's apostrophe, since the
				// quotation closes further on.
			case in && !unicode.IsSpace(prev) && (next == 0 || unicode.IsSpace(next) || unicode.IsPunct(next)):
				q.pieces = append(q.pieces, span{p.start + start, p.start + i})
				q.close = p.start + i + utf8.RuneLen(r)
				q.lastPara = pi
				out = append(out, q)
				in = false
			}
		}
		prev = r
	}
	return out // an unclosed single mark is an apostrophe or a slip: no quotation
}
