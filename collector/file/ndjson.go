package file

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/chorus-news/chorus"
)

// readNDJSON reads canonical posts one per line. A stream whose first
// non-space byte is '[' is read as a JSON array of posts, and whatever
// follows the array line by line again.
func readNDJSON(br *bufio.Reader, fn func(Record) error) error {
	lr := lineReader{br: br, limit: chorus.MaxRecordBytes}
	if c, err := firstByte(br); err != nil {
		return err
	} else if c == '[' {
		// After the array, any more input is read line by line.
		next, err := readArray(br, fn)
		if err != nil || next == 0 {
			return err
		}
		lr.line = next - 1
	}
	var d decoder
	for {
		line, size, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		rec := Record{Line: lr.line}
		switch {
		case size > lr.limit:
			rec.Err = tooLong(size)
		case blank(line):
			continue
		default:
			// Files joined with cat may carry a BOM at the start of each.
			line = bytes.TrimPrefix(line, []byte(utf8BOM))
			rec.Post, rec.Err = d.decodePost(line)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func tooLong(size int) error {
	return &chorus.FieldError{Field: "record", Reason: fmt.Sprintf("%d bytes, over the %d byte limit", size, chorus.MaxRecordBytes)}
}

// firstByte peeks past leading white space (as far as the buffer reaches)
// for the first byte of content; 0 when there is none.
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; n <= br.Size(); n *= 2 {
		b, err := br.Peek(n)
		for _, c := range b {
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			}
			return c, nil
		}
		if err == io.EOF || errors.Is(err, bufio.ErrBufferFull) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("read: %w", err)
		}
	}
	return 0, nil
}

func blank(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r', '\n', '\f', '\v':
		default:
			return false
		}
	}
	return true
}

// lineReader splits a stream into lines, counting them. A line longer than
// limit is measured and skipped, never held whole.
type lineReader struct {
	br    *bufio.Reader
	limit int    // chorus.MaxRecordBytes but in tests
	line  int    // number of the line last returned
	long  []byte // a line longer than br's buffer, up to the limit
}

// next returns the next line without its line end (valid until the next
// call) and its size in bytes without the line end. When size is over the
// limit the line itself is not returned. The error is io.EOF at the end.
func (lr *lineReader) next() (line []byte, size int, err error) {
	b, err := lr.br.ReadSlice('\n')
	switch {
	case err == io.EOF && len(b) == 0:
		return nil, 0, io.EOF
	case err == nil || err == io.EOF:
		lr.line++
		line = trimEOL(b)
		if len(line) > lr.limit {
			return nil, len(line), nil
		}
		return line, len(line), nil
	case !errors.Is(err, bufio.ErrBufferFull):
		return nil, 0, fmt.Errorf("read line %d: %w", lr.line+1, err)
	}
	lr.line++
	// keep is how much is worth holding: the limit plus a CR LF.
	keep := lr.limit + 2
	if cap(lr.long) < keep {
		lr.long = make([]byte, 0, keep)
	}
	lr.long = append(lr.long[:0], b...)
	total := len(b)
	// tail is the last two bytes seen, to drop the line end (a CR may end
	// one chunk and its LF start the next).
	tail := [2]byte{b[len(b)-2], b[len(b)-1]}
	for {
		b, err = lr.br.ReadSlice('\n')
		total += len(b)
		if len(lr.long) < keep {
			lr.long = append(lr.long, b[:min(len(b), keep-len(lr.long))]...)
		}
		switch {
		case len(b) >= 2:
			tail = [2]byte{b[len(b)-2], b[len(b)-1]}
		case len(b) == 1:
			tail = [2]byte{tail[1], b[0]}
		}
		if err == nil || err == io.EOF {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, 0, fmt.Errorf("read line %d: %w", lr.line, err)
		}
	}
	size = total
	if tail[1] == '\n' {
		size--
		if tail[0] == '\r' {
			size--
		}
	}
	if size > lr.limit {
		return nil, size, nil
	}
	return trimEOL(lr.long), size, nil
}

// trimEOL drops a trailing "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// readArray reads a JSON array of posts, each element one record whose Line
// is where the element starts. Elements are split by a scan that follows
// strings and nesting, so one bad element does not lose the next. When
// something other than white space follows the array, readArray returns
// the line it is on, left unread; 0 at the end of input.
func readArray(br *bufio.Reader, fn func(Record) error) (next int, err error) {
	s := arrayScanner{br: br, line: 1}
	c, err := s.skipSpace()
	if err != nil {
		return 0, err
	}
	if c != '[' {
		return 0, fmt.Errorf("read: array scan at %q", c) // firstByte saw '['
	}
	notClosed := func() error {
		return fn(Record{Line: s.line, Err: &chorus.FieldError{Field: "json", Reason: "unexpected end of input: the array is not closed"}})
	}
	var d decoder
	first := true
	for {
		c, err := s.skipSpace()
		if err == io.EOF {
			return 0, notClosed()
		}
		if err != nil {
			return 0, err
		}
		if c == ']' && first {
			break
		}
		first = false
		s.unread()
		rec := Record{Line: s.line}
		elem, size, end, err := s.element()
		if err != nil && err != io.EOF {
			return 0, err
		}
		switch {
		case size > chorus.MaxRecordBytes:
			rec.Err = tooLong(size)
		default:
			rec.Post, rec.Err = d.decodePost(elem)
		}
		if ferr := fn(rec); ferr != nil {
			return 0, ferr
		}
		if err == io.EOF {
			if rec.Err == nil {
				return 0, notClosed()
			}
			return 0, nil
		}
		if end == ']' {
			break
		}
	}
	if _, err = s.skipSpace(); err == io.EOF {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	s.unread()
	return s.line, nil
}

// arrayScanner reads an array byte by byte, counting lines.
type arrayScanner struct {
	br   *bufio.Reader
	line int
	last byte
	buf  []byte
}

func (s *arrayScanner) read() (byte, error) {
	c, err := s.br.ReadByte()
	if err != nil {
		if err != io.EOF {
			err = fmt.Errorf("read line %d: %w", s.line, err)
		}
		return 0, err
	}
	if c == '\n' {
		s.line++
	}
	s.last = c
	return c, nil
}

func (s *arrayScanner) unread() {
	_ = s.br.UnreadByte()
	if s.last == '\n' {
		s.line--
	}
}

// skipSpace returns the next byte that is not white space.
func (s *arrayScanner) skipSpace() (byte, error) {
	for {
		c, err := s.read()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c, nil
	}
}

// element reads one element up to the ',' or ']' that ends it, returning
// its bytes (nil when over the limit), its size and the end byte (0 at the
// end of input). It scans the reader's buffer a chunk at a time.
func (s *arrayScanner) element() (elem []byte, size int, end byte, err error) {
	s.buf = s.buf[:0]
	depth := 0
	inString, escaped := false, false
	for {
		if _, err := s.br.Peek(1); err != nil {
			if err != io.EOF {
				err = fmt.Errorf("read line %d: %w", s.line, err)
			}
			return s.trimmed(size), size, 0, err
		}
		chunk, _ := s.br.Peek(s.br.Buffered())
		i := 0
	scan:
		for i < len(chunk) {
			c := chunk[i]
			i++
			if inString {
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
				}
				if c == '\n' { // not JSON, but lines must still count
					s.line++
				}
				continue
			}
			switch c {
			case '"':
				inString = true
				i += plainPrefix(chunk[i:])
			case '\n':
				s.line++
			case '{', '[':
				depth++
			case '}', ']':
				if depth > 0 {
					depth--
				} else if c == ']' {
					end = c
				}
			case ',':
				if depth == 0 {
					end = c
				}
			}
			if end != 0 {
				i-- // the end byte is not part of the element
				break scan
			}
		}
		if size < chorus.MaxRecordBytes {
			s.buf = append(s.buf, chunk[:min(i, chorus.MaxRecordBytes-size)]...)
		}
		size += i
		if end != 0 {
			_, _ = s.br.Discard(i + 1)
			s.last = end
			return s.trimmed(size), size, end, nil
		}
		_, _ = s.br.Discard(i)
	}
}

// trimmed returns the element held, without trailing white space, or nil
// when it was over the limit.
func (s *arrayScanner) trimmed(size int) []byte {
	if size > chorus.MaxRecordBytes {
		return nil
	}
	b := s.buf
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}
