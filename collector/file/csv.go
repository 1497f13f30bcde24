package file

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/chorus-news/chorus"
)

// The canonical fields a CSV column can fill.
const (
	colPlatform = iota
	colID
	colText
	colLang
	colCreatedAt
	colURL
	colQuotedID
	colRepostOf
	colSource
	colAuthorID
	colAuthorHandle
	colAuthorName
	colAuthorFollowers
	colLikes
	colReposts
	colReplies
	colQuotes
	numCols
)

// columnOf maps a header name to the field it fills. Names are
// case-insensitive; author and metrics fields may be flattened with '_' or
// '.' ("author_id", "author.id"), and metrics may also go bare ("likes").
func columnOf(name string) (int, bool) {
	n := strings.Map(func(r rune) rune {
		switch r {
		case '.', ' ', '-':
			return '_'
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "metrics_")
	switch n {
	case "platform":
		return colPlatform, true
	case "id":
		return colID, true
	case "text":
		return colText, true
	case "lang":
		return colLang, true
	case "created_at":
		return colCreatedAt, true
	case "url":
		return colURL, true
	case "quoted_id":
		return colQuotedID, true
	case "repost_of":
		return colRepostOf, true
	case "source":
		return colSource, true
	case "author_id":
		return colAuthorID, true
	case "author_handle":
		return colAuthorHandle, true
	case "author_name":
		return colAuthorName, true
	case "author_followers":
		return colAuthorFollowers, true
	case "likes":
		return colLikes, true
	case "reposts":
		return colReposts, true
	case "replies":
		return colReplies, true
	case "quotes":
		return colQuotes, true
	}
	return 0, false
}

// columnName is the canonical header name of a field, for messages.
func columnName(col int) string {
	switch col {
	case colPlatform:
		return "platform"
	case colID:
		return "id"
	case colCreatedAt:
		return "created_at"
	}
	return fmt.Sprint(col)
}

// header is a parsed header row.
type header struct {
	names  []string     // as written
	index  [numCols]int // field -> column, -1 when absent
	fields int          // columns in the header
	limit  int          // chorus.MaxRecordBytes but in tests
	known  int          // columns that fill a field
	comma  rune
}

func newHeader(names []string, comma rune) header {
	h := header{names: slices.Clone(names), fields: len(names), comma: comma}
	for i := range h.index {
		h.index[i] = -1
	}
	for i, name := range names {
		if col, ok := columnOf(name); ok && h.index[col] < 0 {
			h.index[col] = i
			h.known++
		}
	}
	return h
}

// parseHeader reads a header line roughly (no quoting rules), trying ',',
// tab and ';' as the separator and keeping the one that names the most
// fields. Sniff uses it, and readCSV to pick the separator.
func parseHeader(line string) header {
	best := header{comma: ','}
	for _, comma := range []rune{',', '\t', ';'} {
		names := strings.Split(line, string(comma))
		for i, n := range names {
			names[i] = strings.Trim(strings.TrimSpace(n), `"`)
		}
		if h := newHeader(names, comma); h.known > best.known {
			best = h
		}
	}
	return best
}

// readCSV reads posts from CSV with a header row of canonical field names.
func readCSV(br *bufio.Reader, fn func(Record) error) error {
	// Quotes and CR LFs can make a record's raw bytes up to about twice its
	// fields'; a record run past twice the limit, with room to spare, is
	// surely over it.
	return readCSVLimit(br, fn, chorus.MaxRecordBytes, 2*chorus.MaxRecordBytes+64<<10)
}

// readCSVLimit is readCSV with the limits as parameters, for tests.
func readCSVLimit(br *bufio.Reader, fn func(Record) error, limit, maxRun int) error {
	lc := &lineCapper{br: br, limit: limit, maxRun: maxRun, long: map[int]error{}}
	comma, err := sniffComma(br)
	if err != nil {
		return err
	}
	r := csv.NewReader(lc)
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var h header
	haveHeader := false
	for {
		fields, err := r.Read()
		lc.sawRecord()
		if err == io.EOF {
			return nil
		}
		var rec Record
		switch {
		case err != nil && isParseError(err):
			pe := err.(*csv.ParseError)
			rec.Line = pe.StartLine
			if long := lc.over(pe.StartLine, pe.Line); long != nil {
				rec.Err = long
			} else {
				rec.Err = &chorus.FieldError{Field: "csv", Reason: pe.Err.Error()}
			}
			if !haveHeader {
				// Without a header no row can be read; each says so.
				rec.Err = &chorus.FieldError{Field: "header", Reason: rec.Err.Error()}
				h, haveHeader = newHeader(nil, comma), true
				h.limit = limit
			}
		case err != nil:
			return err
		default:
			rec.Line, _ = r.FieldPos(0)
			if len(fields) == 1 && blank([]byte(fields[0])) {
				continue
			}
			if long := lc.over(rec.Line, rec.Line+newlines(fields)); long != nil {
				rec.Err = long
				if !haveHeader {
					rec.Err = &chorus.FieldError{Field: "header", Reason: rec.Err.Error()}
					h, haveHeader = newHeader(nil, comma), true
					h.limit = limit
				}
			} else if !haveHeader {
				h = newHeader(fields, comma)
				h.limit, haveHeader = limit, true
				continue
			} else if h.repeated(fields) {
				continue // files joined with cat repeat the header
			} else {
				rec.Post, rec.Err = h.post(fields)
			}
		}
		lc.forget(rec.Line)
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func isParseError(err error) bool {
	_, ok := err.(*csv.ParseError)
	return ok
}

// sniffComma picks the separator from the first non-empty line.
func sniffComma(br *bufio.Reader) (rune, error) {
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, fmt.Errorf("read: %w", err)
	}
	for _, line := range strings.Split(string(head), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return parseHeader(line).comma, nil
		}
	}
	return ',', nil
}

func newlines(fields []string) int {
	n := 0
	for _, f := range fields {
		n += strings.Count(f, "\n")
	}
	return n
}

// repeated says whether fields is the header row again: every column
// that fills a field holds its header name.
func (h *header) repeated(fields []string) bool {
	if len(fields) != h.fields || h.known == 0 {
		return false
	}
	for _, i := range h.index {
		if i >= 0 && !strings.EqualFold(strings.TrimPrefix(fields[i], utf8BOM), strings.TrimPrefix(h.names[i], utf8BOM)) {
			return false
		}
	}
	return true
}

// post builds and validates a post from one row.
func (h *header) post(fields []string) (chorus.Post, error) {
	for _, col := range []int{colPlatform, colID, colCreatedAt} {
		if h.index[col] < 0 {
			return chorus.Post{}, &chorus.FieldError{Field: columnName(col), Reason: "missing: the header has no " + columnName(col) + " column"}
		}
	}
	if len(fields) != h.fields {
		return chorus.Post{}, &chorus.FieldError{Field: "record", Reason: fmt.Sprintf("%d fields, the header has %d", len(fields), h.fields)}
	}
	size := 0
	for _, f := range fields {
		size += len(f)
	}
	if size > h.limit {
		return chorus.Post{}, tooLong(size)
	}
	get := func(col int) string {
		if i := h.index[col]; i >= 0 {
			return fields[i]
		}
		return ""
	}
	p := chorus.Post{
		Platform: chorus.Platform(get(colPlatform)),
		ID:       strings.TrimSpace(get(colID)),
		Text:     get(colText),
		Lang:     strings.TrimSpace(get(colLang)),
		URL:      strings.TrimSpace(get(colURL)),
		QuotedID: strings.TrimSpace(get(colQuotedID)),
		RepostOf: strings.TrimSpace(get(colRepostOf)),
		Source:   get(colSource),
		Author: chorus.Author{
			ID:     strings.TrimSpace(get(colAuthorID)),
			Handle: get(colAuthorHandle),
			Name:   get(colAuthorName),
		},
	}
	var err error
	count := func(col int, field string) int64 {
		s := get(col)
		if s == "" || err != nil {
			return 0
		}
		v, reason := parseCount(s)
		if reason != "" {
			err = &chorus.FieldError{Field: field, Reason: fmt.Sprintf("%s: %q", reason, clip(s))}
		}
		return v
	}
	p.Author.Followers = count(colAuthorFollowers, "author.followers")
	p.Metrics = chorus.Metrics{
		Likes:   count(colLikes, "metrics.likes"),
		Reposts: count(colReposts, "metrics.reposts"),
		Replies: count(colReplies, "metrics.replies"),
		Quotes:  count(colQuotes, "metrics.quotes"),
	}
	if err != nil {
		return chorus.Post{}, err
	}
	if s := strings.TrimSpace(get(colCreatedAt)); isDigits(s) {
		t, reason := unixTime(s)
		if reason != "" {
			return chorus.Post{}, &chorus.FieldError{Field: "created_at", Reason: fmt.Sprintf("%s: %s", reason, s)}
		}
		p.CreatedAt = t
	} else {
		t, err := chorus.ParseTime("created_at", s)
		if err != nil {
			return chorus.Post{}, err
		}
		p.CreatedAt = t
	}
	if err := p.Validate(); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// lineCapper passes a stream to encoding/csv so that no record is ever
// held whole when it is much over limit.
//
// Each line is cut short after limit bytes (and a byte for a CR), keeping
// the parity of the quotes it drops, so that the parser's quoting state after
// the line is as it would have been and the following records parse as they
// should.
//
// A record of many lines can only be a quoted field holding line breaks (a
// line break outside quotes ends a record). Once a record has run past half
// of maxRun bytes, lines are passed one Read at a time, so that when the
// parser asks for more after a line break it has surely taken that line
// break as part of the record. If the record is then past maxRun, the rest
// of it is dropped line by line: only the line breaks are passed, so the
// parser's line numbers stay right, and where the quotes say the record
// ends a closing quote is passed, so the parser ends the record there. An
// unclosed quote thus costs one rejected record, not the memory to hold the
// rest of the file.
type lineCapper struct {
	br      *bufio.Reader
	limit   int // chorus.MaxRecordBytes but in tests
	maxRun  int // bytes of one record passed before dropping the rest
	line    int // lines completed so far
	lineLen int // bytes of the current line so far
	last    byte
	quotes  int           // quotes dropped from the current line
	run     int           // bytes passed since the parser last gave a record
	content bool          // a line not empty was passed since then
	lineEnd bool          // the last byte passed on ends a line
	drop    bool          // dropping the rest of a record
	inQuote bool          // while dropping: the quotes seen leave a field open
	from    int           // while dropping: the first line dropped
	long    map[int]error // line -> why the record holding it is rejected
	pending []byte        // bytes of br's buffer not yet passed on
	extra   []byte        // bytes made up here, passed after pending
	eof     error
}

// sawRecord is called each time the parser returns.
func (c *lineCapper) sawRecord() { c.run, c.content = 0, false }

func (c *lineCapper) Read(p []byte) (int, error) {
	if !c.drop && c.run > c.maxRun && c.lineEnd && c.content && len(c.pending)+len(c.extra) == 0 {
		// The parser took the last line break into the record (it skips
		// empty lines only before one): it is inside a quoted field.
		c.drop, c.inQuote, c.from = true, true, c.line+1
	}
	n := 0
	for n < len(p) {
		if len(c.pending) > 0 {
			k := copy(p[n:], c.pending)
			c.pending = c.pending[k:]
			n += k
			continue
		}
		if len(c.extra) > 0 {
			k := copy(p[n:], c.extra)
			c.extra = c.extra[k:]
			n += k
			continue
		}
		if c.eof != nil {
			if n > 0 {
				return n, nil
			}
			return 0, c.eof
		}
		if n > 0 && (c.br.Buffered() == 0 || c.lineEnd && c.run > c.maxRun/2) {
			return n, nil // do not wait for more when there is some
		}
		b, err := c.br.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			c.eof = err
		}
		if c.drop {
			c.dropChunk(b, c.eof != nil)
		} else {
			c.take(b, c.eof != nil)
		}
	}
	return n, nil
}

// take passes on the chunk b of the current line, or what fits of it.
// atEOF says no more is coming.
func (c *lineCapper) take(b []byte, atEOF bool) {
	content := b
	ends := len(b) > 0 && b[len(b)-1] == '\n'
	if ends {
		content = b[:len(b)-1]
	}
	// One byte over the limit passes, as it may be the CR of a CR LF.
	room := max(c.limit+1-c.lineLen, 0)
	c.lineLen += len(content)
	if len(content) > 0 {
		c.last = content[len(content)-1]
	}
	cut := c.lineLen > c.limit+1
	if !cut {
		c.pending = b
	} else {
		c.pending = content[:min(room, len(content))]
		for _, ch := range content[len(c.pending):] {
			if ch == '"' {
				c.quotes++
			}
		}
	}
	c.run += len(c.pending)
	c.lineEnd = ends
	if !ends && !atEOF {
		return
	}
	size := c.lineLen
	if ends && c.last == '\r' {
		size--
	}
	if size > c.limit {
		c.long[c.line+1] = tooLong(size)
	}
	if size > 0 {
		c.content = true
	} else if !c.content {
		c.run = 0 // an empty line outside a record, which the parser skips
	}
	c.extra = c.extra[:0]
	if cut {
		if c.quotes%2 == 1 {
			c.extra = append(c.extra, '"')
		}
		if ends {
			c.extra = append(c.extra, '\n')
		}
	}
	c.line++
	c.lineLen, c.quotes, c.last = 0, 0, 0
}

// dropChunk drops the chunk b of a record that ran too long, passing only
// line breaks, and a closing quote where the record ends.
func (c *lineCapper) dropChunk(b []byte, atEOF bool) {
	for _, ch := range b {
		if ch == '"' {
			c.inQuote = !c.inQuote
		}
	}
	ends := len(b) > 0 && b[len(b)-1] == '\n'
	if !ends && !atEOF {
		return
	}
	c.extra = c.extra[:0]
	if ends && c.inQuote {
		c.extra = append(c.extra, '\n')
		c.line++
		return
	}
	// The record ends on this line (or the input does, inside it).
	end := c.line + 1
	if len(b) == 0 {
		end = c.line // the input ended with the last line break
	}
	c.long[c.from] = &chorus.FieldError{Field: "record", Reason: fmt.Sprintf("over the %d byte limit: a quoted field runs on to line %d", chorus.MaxRecordBytes, end)}
	c.extra = append(c.extra, '"')
	if ends {
		c.extra = append(c.extra, '\n')
		c.line++
	}
	c.drop, c.run = false, 0
}

// over returns why a record on lines first..last is rejected, or nil.
func (c *lineCapper) over(first, last int) error {
	if len(c.long) == 0 {
		return nil
	}
	for l := first; l <= last; l++ {
		if err, ok := c.long[l]; ok {
			return err
		}
	}
	return nil
}

// forget drops what is known of lines before line.
func (c *lineCapper) forget(line int) {
	for l := range c.long {
		if l < line {
			delete(c.long, l)
		}
	}
}
