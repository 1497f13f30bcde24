package file

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
)

// The canonical post has a fixed shape, so it is decoded by a small scanner
// instead of encoding/json: three to five times faster than encoding/json
// and about twice sonic into the same struct (BenchmarkStdlibUnmarshal),
// with one allocation a post, and it keeps what encoding/json would lose. Ids keep their exact digits whether quoted or
// not, numbers may arrive as numeric strings, and strings keep their bytes
// as they are, so invalid UTF-8 reaches Post.Validate and is named by field
// instead of being replaced with U+FFFD. The syntax it accepts is exactly
// RFC 8259 JSON (the fuzz target checks this against encoding/json).

// maxDepth bounds nesting inside skipped values.
const maxDepth = 1000

// decoder scans one JSON value held in data.
type decoder struct {
	data  []byte
	pos   int
	depth int
	// field is the first field whose value has the wrong type or range;
	// scanning goes on so that a syntax error, if any, wins.
	field *chorus.FieldError
	buf   []byte // scratch for unescaping

	// The strings of one post are gathered in arena and made into one Go
	// string at the end, each field a slice of it: one allocation a post
	// instead of one a field.
	arena []byte
	refs  []strRef
	cur   chorus.Post // the post being read; refs point into it
}

// strRef is a post field waiting for its string: arena[off:off+n].
type strRef struct {
	dst    *string
	off, n int
}

// syntaxError is a JSON syntax fault, reported as "json: …".
type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return "json: " + e.msg }

func (d *decoder) fail(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...)}
}

func (d *decoder) unexpected() error {
	if d.pos >= len(d.data) {
		return d.fail("unexpected end of input")
	}
	return d.fail("invalid character %s at offset %d", quoteChar(d.data[d.pos]), d.pos)
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	if c < utf8.RuneSelf && strconv.IsPrint(rune(c)) {
		return "'" + string(c) + "'"
	}
	return fmt.Sprintf("0x%02x", c)
}

// setField records the first wrong-typed field.
func (d *decoder) setField(field, format string, args ...any) {
	if d.field == nil {
		d.field = &chorus.FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
}

// decodePost parses one canonical post from line and validates it. The
// error is always a *chorus.FieldError: field "json" for a syntax fault.
// A decoder may be used for any number of lines, one after the other.
func (d *decoder) decodePost(line []byte) (chorus.Post, error) {
	d.data, d.pos, d.depth, d.field = line, 0, 0, nil
	d.arena, d.refs = d.arena[:0], d.refs[:0]
	d.cur = chorus.Post{}
	err := d.post(&d.cur)
	if err == nil {
		err = d.end()
	}
	if err == nil && d.field != nil {
		err = d.field
	}
	if err != nil {
		d.cur = chorus.Post{}
		if se, ok := err.(*syntaxError); ok {
			return chorus.Post{}, &chorus.FieldError{Field: "json", Reason: se.msg}
		}
		return chorus.Post{}, err
	}
	if len(d.refs) > 0 {
		all := string(d.arena)
		for _, r := range d.refs {
			*r.dst = all[r.off : r.off+r.n]
		}
	}
	p := d.cur
	d.cur = chorus.Post{} // hold no strings between posts
	if err := p.Validate(); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

// end checks that nothing but white space follows the value.
func (d *decoder) end() error {
	d.skipSpace()
	if d.pos < len(d.data) {
		return d.fail("unexpected %s after the value at offset %d", quoteChar(d.data[d.pos]), d.pos)
	}
	return nil
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// post reads the top-level object.
func (d *decoder) post(p *chorus.Post) error {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return d.unexpected()
	}
	if c := d.data[d.pos]; c != '{' {
		if err := d.skipValue(); err != nil {
			return err
		}
		if err := d.end(); err != nil {
			return err
		}
		return &chorus.FieldError{Field: "json", Reason: "want an object, got " + kindOf(c)}
	}
	return d.object(func(key []byte) error { return d.postMember(p, key) })
}

// postMember reads the value of the post field named key.
func (d *decoder) postMember(p *chorus.Post, key []byte) error {
	switch string(key) {
	case "platform":
		return d.stringField("platform", (*string)(&p.Platform))
	case "id":
		return d.idField("id", &p.ID)
	case "author":
		return d.author(&p.Author)
	case "text":
		return d.stringField("text", &p.Text)
	case "lang":
		return d.stringField("lang", &p.Lang)
	case "created_at":
		return d.timeField("created_at", &p.CreatedAt)
	case "url":
		return d.stringField("url", &p.URL)
	case "metrics":
		return d.metrics(&p.Metrics)
	case "quoted_id":
		return d.idField("quoted_id", &p.QuotedID)
	case "repost_of":
		return d.idField("repost_of", &p.RepostOf)
	case "source":
		return d.stringField("source", &p.Source)
	}
	if lower := lowered(key); lower != nil {
		return d.postMember(p, lower)
	}
	// event is set by the caller and sentiment by Chorus; others are not
	// ours.
	return d.skipValue()
}

// nested decodes an object-valued field (author, metrics) member by
// member; null leaves it empty.
func (d *decoder) nested(field string, member func(key []byte) error) error {
	if d.null() {
		return nil
	}
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return d.wrongType(field, "an object")
	}
	return d.object(member)
}

func (d *decoder) author(a *chorus.Author) error {
	return d.nested("author", func(key []byte) error { return d.authorMember(a, key) })
}

func (d *decoder) authorMember(a *chorus.Author, key []byte) error {
	switch string(key) {
	case "id":
		return d.idField("author.id", &a.ID)
	case "handle":
		return d.stringField("author.handle", &a.Handle)
	case "name":
		return d.stringField("author.name", &a.Name)
	case "followers":
		return d.intField("author.followers", &a.Followers)
	}
	if lower := lowered(key); lower != nil {
		return d.authorMember(a, lower)
	}
	return d.skipValue()
}

func (d *decoder) metrics(m *chorus.Metrics) error {
	return d.nested("metrics", func(key []byte) error { return d.metricsMember(m, key) })
}

func (d *decoder) metricsMember(m *chorus.Metrics, key []byte) error {
	switch string(key) {
	case "likes":
		return d.intField("metrics.likes", &m.Likes)
	case "reposts":
		return d.intField("metrics.reposts", &m.Reposts)
	case "replies":
		return d.intField("metrics.replies", &m.Replies)
	case "quotes":
		return d.intField("metrics.quotes", &m.Quotes)
	}
	if lower := lowered(key); lower != nil {
		return d.metricsMember(m, lower)
	}
	return d.skipValue()
}

// lowered returns key in lower case when it has capitals, else nil: keys
// are matched without case, as encoding/json does.
func lowered(key []byte) []byte {
	for i, c := range key {
		if c >= 'A' && c <= 'Z' {
			lower := make([]byte, len(key))
			copy(lower, key[:i])
			for j := i; j < len(key); j++ {
				c := key[j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				lower[j] = c
			}
			return lower
		}
	}
	return nil
}

// kindOf names the JSON type starting with c.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// wrongType records a type fault for field and skips the value.
func (d *decoder) wrongType(field, want string) error {
	if d.pos >= len(d.data) {
		return d.unexpected()
	}
	got := kindOf(d.data[d.pos])
	start := d.pos
	if err := d.skipValue(); err != nil {
		return err
	}
	if got == "a number" || got == "a boolean" {
		d.setField(field, "want %s, got %s", want, clipBytes(d.data[start:d.pos]))
	} else {
		d.setField(field, "want %s, got %s", want, got)
	}
	return nil
}

// clipBytes shortens a value quoted in an error message, cutting between
// runes.
func clipBytes(b []byte) string { return clip(string(b)) }

func clip(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > max-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if len(d.data)-d.pos >= 4 && string(d.data[d.pos:d.pos+4]) == "null" {
		d.pos += 4
		return true
	}
	return false
}

// object reads an object whose '{' is next, calling member with each key
// and the position at its value.
func (d *decoder) object(member func(key []byte) error) error {
	d.depth++
	if d.depth > maxDepth {
		return d.fail("nested deeper than %d", maxDepth)
	}
	d.pos++ // '{'
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.unexpected()
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.unexpected()
		}
		d.pos++
		d.skipSpace()
		if err := member(key); err != nil {
			return err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return d.unexpected()
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			d.depth--
			return nil
		default:
			return d.unexpected()
		}
	}
}

// str reads a string whose '"' is next. The bytes returned are valid until
// the next call (they may be the scratch buffer).
func (d *decoder) str() ([]byte, error) {
	d.pos++ // '"'
	start := d.pos
	i := start + plainPrefix(d.data[start:])
	for ; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\':
			d.buf = append(d.buf[:0], d.data[start:i]...)
			d.pos = i
			return d.strEscaped()
		case c < 0x20:
			d.pos = i
			return nil, d.fail("invalid character %s in string at offset %d", quoteChar(c), i)
		}
	}
	d.pos = len(d.data)
	return nil, d.unexpected()
}

// plainPrefix returns how many leading bytes of b, in whole words of 8, need
// no attention inside a string: no '"', no '\\', no control character.
// It tests 8 bytes at once with the has-less-than and has-zero bit tricks.
func plainPrefix(b []byte) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ ('"' * ones)
		s := x ^ ('\\' * ones)
		if ((x-0x20*ones)&^x|(q-ones)&^q|(s-ones)&^s)&highs != 0 {
			break
		}
	}
	return i
}

// strEscaped continues a string from its first backslash, unescaping into
// d.buf.
func (d *decoder) strEscaped() ([]byte, error) {
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return d.buf, nil
		case c < 0x20:
			return nil, d.fail("invalid character %s in string at offset %d", quoteChar(c), d.pos)
		case c != '\\':
			d.buf = append(d.buf, c)
			d.pos++
			continue
		}
		d.pos++ // '\\'
		if d.pos >= len(d.data) {
			return nil, d.unexpected()
		}
		switch e := d.data[d.pos]; e {
		case '"', '\\', '/':
			d.buf = append(d.buf, e)
		case 'b':
			d.buf = append(d.buf, '\b')
		case 'f':
			d.buf = append(d.buf, '\f')
		case 'n':
			d.buf = append(d.buf, '\n')
		case 'r':
			d.buf = append(d.buf, '\r')
		case 't':
			d.buf = append(d.buf, '\t')
		case 'u':
			r, ok := d.hex4(d.pos + 1)
			if !ok {
				return nil, d.fail("invalid escape in string at offset %d", d.pos-1)
			}
			d.pos += 4
			if utf16.IsSurrogate(r) {
				// A high surrogate followed by an escaped low one is one
				// rune; a lone half becomes U+FFFD, as in encoding/json.
				if r2, ok := d.hex4(d.pos + 3); ok && d.pos+2 < len(d.data) && d.data[d.pos+1] == '\\' && d.data[d.pos+2] == 'u' {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						d.pos += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			d.buf = utf8.AppendRune(d.buf, r)
		default:
			return nil, d.fail("invalid escape in string at offset %d", d.pos-1)
		}
		d.pos++
	}
	return nil, d.unexpected()
}

// hex4 reads four hex digits at i.
func (d *decoder) hex4(i int) (rune, bool) {
	if i+4 > len(d.data) {
		return 0, false
	}
	var r rune
	for _, c := range d.data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads a number literal and says whether it is an integer (no
// fraction, no exponent).
func (d *decoder) number() (lit []byte, integer bool, err error) {
	start := d.pos
	i := d.pos
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case i < len(d.data) && d.data[i] >= '1' && d.data[i] <= '9':
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	default:
		d.pos = i
		return nil, false, d.unexpected()
	}
	integer = true
	if i < len(d.data) && d.data[i] == '.' {
		integer = false
		i++
		if i >= len(d.data) || d.data[i] < '0' || d.data[i] > '9' {
			d.pos = i
			return nil, false, d.unexpected()
		}
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		integer = false
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if i >= len(d.data) || d.data[i] < '0' || d.data[i] > '9' {
			d.pos = i
			return nil, false, d.unexpected()
		}
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	}
	d.pos = i
	return d.data[start:i], integer, nil
}

// literal reads true, false or null.
func (d *decoder) literal() error {
	for _, lit := range []string{"true", "false", "null"} {
		if len(d.data)-d.pos >= len(lit) && string(d.data[d.pos:d.pos+len(lit)]) == lit {
			d.pos += len(lit)
			return nil
		}
	}
	// Point at the first byte that differs, as encoding/json does.
	for _, lit := range []string{"true", "false", "null"} {
		if d.data[d.pos] == lit[0] {
			for j := 1; j < len(lit); j++ {
				if d.pos+j >= len(d.data) || d.data[d.pos+j] != lit[j] {
					d.pos += j
					return d.unexpected()
				}
			}
		}
	}
	return d.unexpected()
}

// skipValue checks and skips any value.
func (d *decoder) skipValue() error {
	if d.pos >= len(d.data) {
		return d.unexpected()
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(func([]byte) error { return d.skipValue() })
	case c == '[':
		return d.array(d.skipValue)
	case c == '"':
		_, err := d.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		_, _, err := d.number()
		return err
	case c == 't' || c == 'f' || c == 'n':
		return d.literal()
	}
	return d.unexpected()
}

// array reads an array whose '[' is next, calling elem at each element.
func (d *decoder) array(elem func() error) error {
	d.depth++
	if d.depth > maxDepth {
		return d.fail("nested deeper than %d", maxDepth)
	}
	d.pos++ // '['
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return d.unexpected()
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			d.depth--
			return nil
		default:
			return d.unexpected()
		}
	}
}

// stringField reads a string (or null) for field into dst.
func (d *decoder) stringField(field string, dst *string) error {
	if d.pos < len(d.data) && d.data[d.pos] == '"' {
		s, err := d.str()
		if err != nil {
			return err
		}
		d.keep(dst, s)
		return nil
	}
	if d.null() {
		d.keep(dst, nil) // in turn with the others, as a repeated key may come later
		return nil
	}
	return d.wrongType(field, "a string")
}

// keep queues b to become the string *dst.
func (d *decoder) keep(dst *string, b []byte) {
	d.refs = append(d.refs, strRef{dst: dst, off: len(d.arena), n: len(b)})
	d.arena = append(d.arena, b...)
}

// idField reads an id into dst: a string, or an integer literal kept digit
// for digit (ids beyond 2^53 lose digits as float64).
func (d *decoder) idField(field string, dst *string) error {
	if d.pos < len(d.data) && (d.data[d.pos] == '-' || d.data[d.pos] >= '0' && d.data[d.pos] <= '9') {
		lit, integer, err := d.number()
		if err != nil {
			return err
		}
		if !integer {
			d.setField(field, "not an integer: %s (write large ids as strings)", clipBytes(lit))
			return nil
		}
		d.keep(dst, lit)
		return nil
	}
	return d.stringField(field, dst)
}

// intField reads a count into dst: a number, a numeric string, or null.
func (d *decoder) intField(field string, dst *int64) error {
	if d.pos >= len(d.data) {
		return d.unexpected()
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		n, reason := parseCount(string(s))
		if reason != "" {
			d.setField(field, "%s: %q", reason, clipBytes(s))
		}
		*dst = n
		return nil
	case c == '-' || c >= '0' && c <= '9':
		lit, integer, err := d.number()
		if err != nil {
			return err
		}
		if n, ok := smallInt(lit); ok && integer {
			*dst = n
			return nil
		}
		n, reason := parseCount(string(lit))
		if reason != "" {
			d.setField(field, "%s: %s", reason, clipBytes(lit))
		}
		*dst = n
		return nil
	}
	if d.null() {
		*dst = 0
		return nil
	}
	return d.wrongType(field, "a number")
}

// smallInt reads an integer literal of up to 18 digits (no overflow).
func smallInt(lit []byte) (int64, bool) {
	neg := len(lit) > 0 && lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	if len(lit) == 0 || len(lit) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range lit {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// parseCount reads a count from s: digits with an optional sign, or a
// float with no fraction (12.0, 1e3, as spreadsheets and pandas write
// them). Empty is 0. The reason is "" when s is good.
func parseCount(s string) (int64, string) {
	s = strings.Trim(s, " \t")
	if len(s) == 0 {
		return 0, ""
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, ""
	} else if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
		return 0, "out of range"
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, "not a number"
	}
	if f != math.Trunc(f) {
		return 0, "not a whole number"
	}
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return 0, "out of range"
	}
	return int64(f), ""
}

// timeField reads created_at: a string chorus.ParseTime accepts, or Unix
// time as a number (seconds, or milliseconds when over 1e11).
func (d *decoder) timeField(field string, t *time.Time) error {
	if d.pos >= len(d.data) {
		return d.unexpected()
	}
	switch c := d.data[d.pos]; {
	case c == '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		var v time.Time
		if v.UnmarshalText(s) == nil { // RFC 3339, the usual case, read without allocating
			*t = v.UTC()
			return nil
		}
		v, err = chorus.ParseTime(field, string(s))
		if err != nil {
			if fe, ok := err.(*chorus.FieldError); ok {
				d.setField(fe.Field, "%s", fe.Reason)
			} else {
				d.setField(field, "%v", err)
			}
			return nil
		}
		*t = v
		return nil
	case c == '-' || c >= '0' && c <= '9':
		lit, _, err := d.number()
		if err != nil {
			return err
		}
		v, reason := unixTime(string(lit))
		if reason != "" {
			d.setField(field, "%s: %s", reason, clipBytes(lit))
			return nil
		}
		*t = v
		return nil
	}
	if d.null() {
		return nil
	}
	return d.wrongType(field, "a string")
}

// unixTime reads seconds since 1970, or milliseconds when the number is too
// big to be seconds of this era.
func unixTime(lit string) (time.Time, string) {
	n, reason := parseCount(string(lit))
	if reason != "" {
		return time.Time{}, reason
	}
	if n <= 0 {
		return time.Time{}, "not a Unix time"
	}
	if n > 1e11 {
		if n > 1e14 {
			return time.Time{}, "not a Unix time"
		}
		return time.UnixMilli(n).UTC(), ""
	}
	return time.Unix(n, 0).UTC(), ""
}
