package x

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/chorus-news/chorus"
)

// MaxLineBytes bounds one line of a twarc2 file. A raw page line holds up
// to 500 posts (full-archive search) with their expansions, so it is far
// over chorus.MaxRecordBytes; each post it yields is still held to the
// post limits.
const MaxLineBytes = 64 << 20

// ReadTwarc2 reads a twarc2 file (JSON lines, as twarc2 writes them),
// telling each line's shape on its own:
//
//   - a raw API page (twarc2 search, timeline, hydrate …): data an array,
//     includes, meta, optional errors, plus twarc's __twarc;
//   - a stream message (twarc2 stream/filter/sample): data an object with
//     matching_rules;
//   - a flattened post (twarc2 flatten): the post itself, author and
//     referenced posts inline;
//   - a twarc 1 / v1.1 post: id_str, full_text or text, user.
//
// Blank lines and keep-alives are skipped, as are objects that hold no
// posts (an errors-only page). Each post, or bad line, reaches fn once: a
// page line gives every post it holds, all on that line. A line cut off
// mid-object (a stream file whose writer was killed) is one bad record;
// the lines around it are kept.
func ReadTwarc2(r io.Reader, fn func(Record) error) error {
	lr := newLineReader(r, MaxLineBytes)
	for {
		line, size, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := lr.line
		if size > lr.limit {
			if err := fn(Record{Line: n, Err: &chorus.FieldError{Field: "record", Reason: fmt.Sprintf("%d bytes, over the %d byte limit", size, lr.limit)}}); err != nil {
				return err
			}
			continue
		}
		line = bytes.TrimSpace(bytes.TrimPrefix(line, []byte("\xef\xbb\xbf")))
		if len(line) == 0 {
			continue
		}
		err = decodeLine(line, SourceTwarc2, func(p chorus.Post, err error) error {
			return fn(Record{Line: n, Post: p, Err: err})
		})
		if err != nil {
			return err
		}
	}
}

// lineShape holds a line's top-level keys that tell its shape, beside a
// page's own fields.
type lineShape struct {
	page
	ID       json.RawMessage `json:"id"`
	IDStr    json.RawMessage `json:"id_str"`
	FullText json.RawMessage `json:"full_text"`
	User     json.RawMessage `json:"user"`
}

// decodeLine decodes one JSON line of any X shape.
func decodeLine(line []byte, source string, emit func(chorus.Post, error) error) error {
	if line[0] != '{' {
		if line[0] == '[' {
			return emit(chorus.Post{}, &chorus.FieldError{Field: "json", Reason: "a JSON array, want one object per line"})
		}
		return emit(chorus.Post{}, jsonError("", json.Unmarshal(line, new(struct{}))))
	}
	var s lineShape
	if err := json.Unmarshal(line, &s); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return emit(chorus.Post{}, jsonError("", err))
		}
		// A field of an unexpected type: the shape is still told by
		// what did decode, and the post decoder names the field.
	}
	switch {
	case len(s.Data) > 0:
		return pagePosts(&s.page, source, emit)
	case len(s.IDStr) > 0 || len(s.FullText) > 0 || len(s.User) > 0:
		var t v1Tweet
		if err := json.Unmarshal(line, &t); err != nil {
			return emit(chorus.Post{}, jsonError("", err))
		}
		return v1Posts(&t, nil, source, "", emit)
	case len(s.ID) > 0:
		var t tweet
		if err := json.Unmarshal(line, &t); err != nil {
			return emit(chorus.Post{}, jsonError("", err))
		}
		return tweetPosts(&t, &pageContext{}, source, "", emit)
	}
	return nil // keep-alive object, errors-only page, or something that holds no post
}

// lineReader splits a stream into lines, counting them; a line over limit
// is measured and skipped, never held whole.
type lineReader struct {
	br    *bufio.Reader
	limit int
	line  int
	buf   []byte
}

func newLineReader(r io.Reader, limit int) *lineReader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 64<<10 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &lineReader{br: br, limit: limit}
}

// next returns the next line without its end (valid until the next call)
// and its size; when size is over the limit the line is nil. io.EOF at
// the end.
func (lr *lineReader) next() ([]byte, int, error) {
	lr.buf = lr.buf[:0]
	size := 0
	for {
		b, err := lr.br.ReadSlice('\n')
		size += len(b)
		if size <= lr.limit+2 {
			lr.buf = append(lr.buf, b...)
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if size == 0 {
				return nil, 0, io.EOF
			}
		default:
			return nil, 0, fmt.Errorf("read line %d: %w", lr.line+1, err)
		}
		lr.line++
		line := bytes.TrimSuffix(lr.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if size > lr.limit+2 {
			return nil, size, nil
		}
		return line, len(line), nil
	}
}
