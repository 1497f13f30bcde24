package weibo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/chorus-news/chorus"
)

// emitFunc receives each post or bad record with the line it starts on.
type emitFunc func(line int, p chorus.Post, err error) error

// ReadJSON reads saved Weibo JSON: open-API answers (statuses lists, one
// status, comments/show), mobile web answers (getIndex search and
// timeline pages with their cards, statuses/show, comment lists) and the
// weibo-crawler JSON ({"user":…,"weibo":[…]}), as one document, a JSON
// array of them, or JSON lines; each post is named by the line it starts
// on. A syntax fault is reported where it is and the posts before it are
// kept; in JSON lines the reading goes on at the next line.
func ReadJSON(r io.Reader, c *Converter, emit emitFunc) error {
	lr := &lineReader{r: r}
	lineMode := true // every top-level value so far sat on one line
	for {
		dec := json.NewDecoder(lr)
		for {
			var raw json.RawMessage
			err := dec.Decode(&raw)
			if err == io.EOF {
				return nil
			}
			if err != nil {
				// Walk what there is, so the posts before the fault are
				// kept and the fault is named at its line.
				start := lr.skipSpace(lr.base)
				rest := lr.from(start)
				line := lr.lineAt(start)
				w := newWalker(rest, line, c, emit)
				werr := w.top()
				if errors.Is(werr, io.EOF) {
					werr = io.ErrUnexpectedEOF
				}
				if werr == nil || !isSyntax(werr) {
					// The bytes read so far parse whole: the decoder's
					// fault is past them.
					if werr != nil {
						return werr
					}
					werr = &json.SyntaxError{Offset: int64(len(rest))}
				}
				off := start + w.errOffset(werr)
				if e := emit(lr.lineAt(off), chorus.Post{}, &chorus.FieldError{Field: "json", Reason: syntaxReason(werr, rest, w.errOffset(werr))}); e != nil {
					return e
				}
				if !lineMode || bytes.IndexByte(lr.slice(start, off), '\n') >= 0 || !lr.nextLine(off) {
					return nil
				}
				break // a fresh decoder from the next line
			}
			end := dec.InputOffset()
			start := end - int64(len(raw))
			line := lr.lineAt(start)
			if bytes.IndexByte(raw, '\n') >= 0 {
				lineMode = false
			}
			if err := newWalker(raw, line, c, emit).top(); err != nil {
				return err
			}
			lr.forget(end)
		}
	}
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF)
}

func syntaxReason(err error, data []byte, off int64) string {
	if int(off) >= len(bytes.TrimRight(data, " \t\r\n")) {
		return "unexpected end of input (the file is cut short)"
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// walker walks one JSON value held in memory.
type walker struct {
	data  []byte
	dec   *json.Decoder
	line  int   // line of data[0]
	off   int64 // offset counted up to
	conv  *Converter
	emit  emitFunc
	count int
}

func newWalker(data []byte, line int, c *Converter, emit emitFunc) *walker {
	return &walker{data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: line, conv: c, emit: emit}
}

// lineOf returns the line of the next value at or after off (offsets must
// not go back).
func (w *walker) lineOf(off int64) int {
	off = w.skip(off)
	if off > w.off {
		w.line += bytes.Count(w.data[w.off:off], []byte{'\n'})
		w.off = off
	}
	return w.line
}

// skip passes white space and separators.
func (w *walker) skip(off int64) int64 {
	for int(off) < len(w.data) {
		switch w.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

// next returns the first byte of the next value.
func (w *walker) next() byte {
	if off := w.skip(w.dec.InputOffset()); int(off) < len(w.data) {
		return w.data[off]
	}
	return 0
}

func (w *walker) errOffset(err error) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return int64(len(bytes.TrimRight(w.data, " \t\r\n")))
	}
	return w.dec.InputOffset()
}

// top walks the value: an object, an array of objects, or a scalar
// (nothing to read).
func (w *walker) top() error {
	switch w.next() {
	case '{':
		line := w.lineOf(w.dec.InputOffset())
		if _, err := w.dec.Token(); err != nil {
			return err
		}
		f, err := w.object("", line, true)
		if err == nil && !f.any {
			return w.emit(line, chorus.Post{}, &chorus.FieldError{Field: "json", Reason: f.noPosts()})
		}
		return err
	case '[':
		if _, err := w.dec.Token(); err != nil {
			return err
		}
		return w.array("", func(path string, line int) error {
			if w.next() != '{' {
				var skip json.RawMessage
				return w.dec.Decode(&skip)
			}
			if _, err := w.dec.Token(); err != nil {
				return err
			}
			f, err := w.object(path, line, true)
			if err == nil && !f.any {
				return w.emit(line, chorus.Post{}, &chorus.FieldError{Field: path, Reason: f.noPosts()})
			}
			return err
		})
	}
	var skip json.RawMessage
	return w.dec.Decode(&skip)
}

// array walks an array whose '[' was just read, calling elem at each
// element with its path and line; elem consumes the element.
func (w *walker) array(path string, elem func(path string, line int) error) error {
	for i := 0; w.dec.More(); i++ {
		line := w.lineOf(w.dec.InputOffset())
		if err := elem(fmt.Sprintf("%s[%d]", path, i), line); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // ']'
	return err
}

// found says what an object held.
type found struct {
	any  bool // posts, a page, or an answer that says there are none
	line int
	keys []string
	ok   string
	msg  string
}

func (f found) noPosts() string {
	if f.ok != "" && f.ok != "1" {
		if f.ok == "-100" {
			return "a login answer (ok -100): the cookie was not accepted when this page was saved; it holds no posts"
		}
		return fmt.Sprintf("an error answer (ok %s, %q): it holds no posts", f.ok, clip(f.msg))
	}
	keys := f.keys
	if len(keys) > 8 {
		keys = append(keys[:8:8], "…")
	}
	return fmt.Sprintf("no Weibo posts in an object with keys %s (want statuses, comments, cards, weibo, or a status)", strings.Join(keys, ", "))
}

// containers are the keys whose arrays hold posts, cards or comments.
var containers = map[string]string{
	"statuses": "status", "list": "status", "comments": "comment", "weibo": "crawler",
	"cards": "card", "card_group": "card", "data": "auto", "mblogs": "status",
	"reposts": "status", "favorites": "status", "mentions": "status",
}

// object walks an object whose '{' was just read, at path. Keys naming
// post arrays are streamed element by element; a "data" object is walked
// in turn; everything else is kept, and an object that turns out to be a
// status itself is converted at its end.
func (w *walker) object(path string, line int, walkData bool) (found, error) {
	f := found{line: line}
	fields := map[string]json.RawMessage{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return f, err
		}
		key, _ := tok.(string)
		f.keys = append(f.keys, key)
		if kind, ok := containers[key]; ok && w.next() == '[' {
			if _, err := w.dec.Token(); err != nil {
				return f, err
			}
			f.any = true
			user := fields["user"]
			if err := w.array(join(path, key), func(p string, l int) error { return w.element(kind, p, l, user) }); err != nil {
				return f, err
			}
			continue
		}
		if key == "data" && walkData && w.next() == '{' {
			if _, err := w.dec.Token(); err != nil {
				return f, err
			}
			inner, err := w.object(join(path, "data"), w.lineOf(w.dec.InputOffset()), true)
			if err != nil {
				return f, err
			}
			if inner.any {
				f.any = true
			} else {
				fields["data"] = nil // looked at: neither posts nor a status
				f.keys = append(f.keys, prefixAll("data.", inner.keys)...)
				if inner.ok != "" {
					f.ok, f.msg = inner.ok, inner.msg
				}
			}
			continue
		}
		var raw json.RawMessage
		if err := w.dec.Decode(&raw); err != nil {
			return f, err
		}
		fields[key] = raw
	}
	if _, err := w.dec.Token(); err != nil { // '}'
		return f, err
	}
	if v, ok := fields["ok"]; ok {
		f.ok = strings.Trim(string(v), `"`)
		_ = json.Unmarshal(fields["msg"], &f.msg)
		if f.ok != "1" && len(fields) <= 6 {
			if f.ok == "0" && !f.any && strings.Contains(f.msg, "没有内容") {
				f.any = true // an empty result page, saved
			}
			return f, nil
		}
	}
	if f.any {
		return f, nil
	}
	return f, w.loose(&f, path, line, fields)
}

// loose handles an object that held no post arrays: a status or a comment,
// a statuses/show or render_data wrapper, or a long-text answer.
func (w *walker) loose(f *found, path string, line int, fields map[string]json.RawMessage) error {
	_, hasTime := fields["created_at"]
	_, hasID := fields["id"]
	_, hasIDStr := fields["idstr"]
	_, hasMID := fields["mid"]
	if hasTime && (hasID || hasIDStr || hasMID) {
		f.any = true
		raw, _ := json.Marshal(fields)
		_, comment := fields["rootid"]
		if _, ok := fields["floor_number"]; ok {
			comment = true
		}
		if s, ok := fields["status"]; ok && len(s) > 0 && s[0] == '{' {
			comment = true
		}
		return w.status(raw, path, line, comment)
	}
	for _, k := range []string{"mblog", "status"} {
		if raw, ok := fields[k]; ok && len(raw) > 0 && raw[0] == '{' {
			f.any = true
			return w.status(raw, join(path, k), line, false)
		}
	}
	if _, ok := fields["longTextContent"]; ok {
		// A long-text answer (statuses/extend, ajax/statuses/longtext)
		// names neither its post nor its time: no post of its own. It
		// completes the cut post of a page saved beside it (LongTexts).
		f.any = true
		return nil
	}
	sort.Strings(f.keys)
	return nil
}

// element handles one element of a container array.
func (w *walker) element(kind, path string, line int, user json.RawMessage) error {
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return err
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil // a stray scalar in a list
	}
	switch kind {
	case "card":
		return w.card(raw, path, line)
	case "comment":
		return w.status(raw, path, line, true)
	case "crawler":
		return w.crawler(raw, path, line, user)
	case "auto": // data: [...] — mobile comment lists and some timelines
		var probe struct {
			RootID    json.RawMessage `json:"rootid"`
			Floor     json.RawMessage `json:"floor_number"`
			CardType  json.RawMessage `json:"card_type"`
			Retweeted json.RawMessage `json:"retweeted_status"`
		}
		_ = json.Unmarshal(raw, &probe)
		if probe.CardType != nil {
			return w.card(raw, path, line)
		}
		return w.status(raw, path, line, probe.Retweeted == nil && (probe.RootID != nil || probe.Floor != nil))
	}
	return w.status(raw, path, line, false)
}

// card handles a search or timeline card: type 9 holds a post, type 11
// more cards; everything else (users, topics, ads) is skipped. It is
// decoded in one pass, posts and all.
func (w *walker) card(raw json.RawMessage, path string, line int) error {
	var c typedCard
	if err := json.Unmarshal(raw, &c); err != nil {
		return w.emit(line, chorus.Post{}, &chorus.FieldError{Field: path, Reason: jsonReason(err)})
	}
	return c.each(path, func(s *status, p string) error { return w.emitAll(line, s, p, false) })
}

// typedCard is a card decoded with its post.
type typedCard struct {
	CardType  flexString  `json:"card_type"`
	Mblog     *status     `json:"mblog"`
	CardGroup []typedCard `json:"card_group"`
}

func (c *typedCard) each(path string, fn func(s *status, path string) error) error {
	switch strings.TrimSpace(string(c.CardType)) {
	case "9":
		if c.Mblog != nil {
			return fn(c.Mblog, path+".mblog")
		}
	case "11":
		for i := range c.CardGroup {
			if err := c.CardGroup[i].each(fmt.Sprintf("%s.card_group[%d]", path, i), fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// status converts one status and emits what it yields.
func (w *walker) status(raw json.RawMessage, path string, line int, comment bool) error {
	s, err := decodeStatus(raw, path)
	if err != nil {
		return w.emit(line, chorus.Post{}, err)
	}
	return w.emitAll(line, s, path, comment)
}

func (w *walker) emitAll(line int, s *status, path string, comment bool) error {
	posts, err := w.conv.posts(s, path, comment)
	for _, p := range posts {
		w.count++
		if e := w.emit(line, p, nil); e != nil {
			return e
		}
	}
	if err != nil {
		return w.emit(line, chorus.Post{}, err)
	}
	return nil
}

// card is a search or timeline card.
type card struct {
	CardType  flexString        `json:"card_type"`
	Mblog     json.RawMessage   `json:"mblog"`
	CardGroup []json.RawMessage `json:"card_group"`
}

// each calls fn with every post in the card (type 9, or inside type 11's
// card_group, to any depth); other cards are skipped.
func (c *card) each(path string, fn func(mblog json.RawMessage, path string) error) error {
	switch strings.TrimSpace(string(c.CardType)) {
	case "9":
		if len(c.Mblog) > 0 && c.Mblog[0] == '{' {
			return fn(c.Mblog, path+".mblog")
		}
	case "11":
		for i, raw := range c.CardGroup {
			var inner card
			p := fmt.Sprintf("%s.card_group[%d]", path, i)
			if err := json.Unmarshal(raw, &inner); err != nil {
				continue // a group member of another shape
			}
			if err := inner.each(p, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

func prefixAll(p string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = p + k
	}
	return out
}

// lineReader keeps the bytes a json.Decoder has read since the last value
// it finished, so offsets turn into line numbers in one pass and a value
// cut short can be walked as far as it goes.
type lineReader struct {
	r    io.Reader
	buf  []byte // bytes from base on
	base int64
	line int // newlines before base
}

func (l *lineReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.buf = append(l.buf, p[:n]...)
	return n, err
}

func (l *lineReader) clampIndex(off int64) int {
	k := int(off - l.base)
	return max(0, min(k, len(l.buf)))
}

// lineAt returns the 1-based line of off (at or after base).
func (l *lineReader) lineAt(off int64) int {
	return l.line + bytes.Count(l.buf[:l.clampIndex(off)], []byte{'\n'}) + 1
}

// skipSpace returns the offset of the first byte at or after off that is
// not white space.
func (l *lineReader) skipSpace(off int64) int64 {
	k := l.clampIndex(off)
	for k < len(l.buf) && (l.buf[k] == ' ' || l.buf[k] == '\t' || l.buf[k] == '\r' || l.buf[k] == '\n') {
		k++
	}
	return l.base + int64(k)
}

func (l *lineReader) from(off int64) []byte { return l.buf[l.clampIndex(off):] }

func (l *lineReader) slice(from, to int64) []byte { return l.buf[l.clampIndex(from):l.clampIndex(to)] }

// forget drops the bytes before off, counting their lines.
func (l *lineReader) forget(off int64) {
	k := l.clampIndex(off)
	l.line += bytes.Count(l.buf[:k], []byte{'\n'})
	l.base += int64(k)
	l.buf = l.buf[k:]
	if cap(l.buf) > 1<<20 && len(l.buf) < cap(l.buf)/4 {
		l.buf = append([]byte(nil), l.buf...)
	}
}

// nextLine moves to the line after off, so that a fresh decoder reads on
// from there; false when there is none. The fresh decoder counts offsets
// from 0 again, so base is reset to match.
func (l *lineReader) nextLine(off int64) bool {
	for {
		k := l.clampIndex(off)
		if i := bytes.IndexByte(l.buf[k:], '\n'); i >= 0 {
			k += i + 1
			l.line += bytes.Count(l.buf[:k], []byte{'\n'})
			rest := append([]byte(nil), l.buf[k:]...)
			l.buf, l.base = nil, 0
			l.r = io.MultiReader(bytes.NewReader(rest), l.r)
			return true
		}
		chunk := make([]byte, 32<<10)
		n, err := l.r.Read(chunk)
		l.buf = append(l.buf, chunk[:n]...)
		if n == 0 && err != nil {
			return false
		}
	}
}
