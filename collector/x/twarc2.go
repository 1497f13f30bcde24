package x

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

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
//
// A file that is one JSON document spread over many lines (an API answer
// saved pretty-printed, a JSON array of pages or posts) is read whole.
func ReadTwarc2(r io.Reader, fn func(Record) error) error {
	lr := newLineReader(r, MaxLineBytes)
	if whole, err := prettyPrinted(lr.br); err != nil {
		return err
	} else if whole {
		return readDocument(lr.br, fn)
	}
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

// lineShape is a line decoded once as every shape at the same time: a
// page's fields, a v2 post's (flattened lines), and the keys that tell a
// v1.1 post.
type lineShape struct {
	page
	tweet
	IDStr    json.RawMessage `json:"id_str"`
	FullText json.RawMessage `json:"full_text"`
	User     json.RawMessage `json:"user"`
}

// decodeLine decodes one JSON line of any X shape.
func decodeLine(line []byte, source string, emit func(chorus.Post, error) error) error {
	if line[0] == '[' {
		// An array on one line (a minified answer or list of posts).
		var items []json.RawMessage
		if err := json.Unmarshal(line, &items); err != nil {
			return emit(chorus.Post{}, jsonError("", err))
		}
		for i, item := range items {
			item = bytes.TrimSpace(item)
			if len(item) == 0 || item[0] != '{' {
				if err := emit(chorus.Post{}, &chorus.FieldError{Field: fmt.Sprintf("[%d]", i), Reason: "not an object: want a page or a post"}); err != nil {
					return err
				}
				continue
			}
			if err := decodeLine(item, source, emit); err != nil {
				return err
			}
		}
		return nil
	}
	if line[0] != '{' {
		return emit(chorus.Post{}, jsonError("", json.Unmarshal(line, new(struct{}))))
	}
	var s lineShape
	if err := json.Unmarshal(line, &s); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return emit(chorus.Post{}, jsonError("", err))
		}
		return decodeOddLine(line, te, source, emit)
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
	case s.tweet.ID != "" || s.tweet.Text != nil:
		return tweetPosts(&s.tweet, &pageContext{}, source, "", emit)
	}
	return nil // keep-alive object, errors-only page, or something that holds no post
}

// decodeOddLine reads a line in which some field has an unexpected type
// (decoding stops at the first): a page keeps every post that still
// decodes, its includes read as far as they go; a post is named by the
// field at fault.
func decodeOddLine(line []byte, te *json.UnmarshalTypeError, source string, emit func(chorus.Post, error) error) error {
	var raw struct {
		Data     json.RawMessage `json:"data"`
		ID       json.RawMessage `json:"id"`
		Text     json.RawMessage `json:"text"`
		IDStr    json.RawMessage `json:"id_str"`
		FullText json.RawMessage `json:"full_text"`
		User     json.RawMessage `json:"user"`
	}
	if err := json.Unmarshal(line, &raw); err != nil {
		return emit(chorus.Post{}, jsonError("", err))
	}
	switch {
	case len(raw.Data) > 0:
		p, err := lenientPage(line)
		if err != nil {
			return emit(chorus.Post{}, err)
		}
		return pagePosts(&p, source, emit)
	case len(raw.IDStr) > 0 || len(raw.FullText) > 0 || len(raw.User) > 0:
		var t v1Tweet
		if err := json.Unmarshal(line, &t); err != nil {
			return emit(chorus.Post{}, jsonError("", err))
		}
		return v1Posts(&t, nil, source, "", emit)
	case len(raw.ID) > 0 || len(raw.Text) > 0:
		f := strings.TrimPrefix(te.Field, "tweet.")
		return emit(chorus.Post{}, jsonError("", &json.UnmarshalTypeError{Value: te.Value, Type: te.Type, Field: f}))
	}
	return nil
}

// lineReader splits a stream into lines, counting them; a line over limit
// is measured and skipped, never held whole.
type lineReader struct {
	br    *bufio.Reader
	limit int
	line  int
	buf   []byte
	ended bool // the last line ended with a line end (not cut by EOF)
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
		lr.ended = bytes.HasSuffix(lr.buf, []byte("\n")) || size > lr.limit+2
		line := bytes.TrimSuffix(lr.buf, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if size > lr.limit+2 {
			return nil, size, nil
		}
		return line, len(line), nil
	}
}

// prettyPrinted tells a document spread over lines from JSON lines by its
// first line: "[" starts an array; a first line that opens an object or
// array and does not close it ("{", `{"data": [`) is pretty-printed JSON.
func prettyPrinted(br *bufio.Reader) (bool, error) {
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return false, fmt.Errorf("read: %w", err)
	}
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) == 0 {
		return false, nil
	}
	i := bytes.IndexByte(head, '\n')
	if head[0] != '{' && head[0] != '[' || i < 0 {
		return false, nil // one line, or a line longer than the peek: JSON lines
	}
	first := bytes.TrimSpace(head[:i])
	if json.Valid(first) {
		return false, nil
	}
	switch first[len(first)-1] {
	case '{', '[', ',', ':':
		return true, nil
	}
	return false, nil
}

// maxDocumentBytes bounds a pretty-printed document, which is read whole.
const maxDocumentBytes = 256 << 20

// readDocument reads JSON values (pages, stream messages, posts) that
// follow each other, or one array of them, each spread over any number of
// lines. A syntax fault ends the read with one bad record: the values
// before it are kept.
func readDocument(br *bufio.Reader, fn func(Record) error) error {
	data, err := io.ReadAll(io.LimitReader(br, maxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if len(data) > maxDocumentBytes {
		return fn(Record{Line: 1, Err: &chorus.FieldError{Field: "record", Reason: fmt.Sprintf("a JSON document over %d bytes: write it as JSON lines (one page per line), as twarc2 does", maxDocumentBytes)}})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lineAt := func(off int64) int {
		off = min(off, int64(len(data)))
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		return 1 + bytes.Count(data[:off], []byte("\n"))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	array := bytes.TrimLeft(data, " \t\r\n")[0] == '['
	if array {
		if _, err := dec.Token(); err != nil {
			return fn(Record{Line: 1, Err: jsonError("", err)})
		}
	}
	for {
		if array && !dec.More() {
			if _, err := dec.Token(); err != nil {
				return fn(Record{Line: lineAt(dec.InputOffset()), Err: &chorus.FieldError{Field: "json", Reason: "unexpected end of input: the array is not closed"}})
			}
			return nil
		}
		line := lineAt(dec.InputOffset())
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			return nil
		} else if err != nil {
			return fn(Record{Line: line, Err: jsonError("", err)})
		}
		raw = bytes.TrimSpace(raw)
		err := decodeLine(raw, SourceTwarc2, func(p chorus.Post, err error) error {
			return fn(Record{Line: line, Post: p, Err: err})
		})
		if err != nil {
			return err
		}
	}
}

// lenientPage decodes a page part by part, so that a field of an
// unexpected type (decoding stops at the first) costs only its part: data
// is kept whole for the posts to be decoded one by one; includes, errors,
// meta and matching_rules are read as far as they go. The error is a
// *chorus.FieldError when b is not a JSON object.
func lenientPage(b []byte) (page, error) {
	var raw struct {
		Data          json.RawMessage `json:"data"`
		Includes      json.RawMessage `json:"includes"`
		Errors        json.RawMessage `json:"errors"`
		Meta          json.RawMessage `json:"meta"`
		MatchingRules json.RawMessage `json:"matching_rules"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return page{}, jsonError("", err)
	}
	p := page{Data: raw.Data}
	if len(raw.Includes) > 0 {
		var inc struct {
			Users  json.RawMessage `json:"users"`
			Tweets json.RawMessage `json:"tweets"`
		}
		if json.Unmarshal(raw.Includes, &inc) == nil {
			_ = json.Unmarshal(inc.Users, &p.Includes.Users)
			_ = json.Unmarshal(inc.Tweets, &p.Includes.Tweets)
		}
	}
	p.Errors = eachOf[apiError](raw.Errors)
	var m struct {
		NewestID    json.RawMessage `json:"newest_id"`
		OldestID    json.RawMessage `json:"oldest_id"`
		ResultCount json.RawMessage `json:"result_count"`
		NextToken   json.RawMessage `json:"next_token"`
	}
	if json.Unmarshal(raw.Meta, &m) == nil {
		_ = json.Unmarshal(m.NewestID, &p.Meta.NewestID)
		_ = json.Unmarshal(m.OldestID, &p.Meta.OldestID)
		_ = json.Unmarshal(m.ResultCount, &p.Meta.ResultCount)
		_ = json.Unmarshal(m.NextToken, &p.Meta.NextToken)
	}
	p.MatchingRules = eachOf[MatchingRule](raw.MatchingRules)
	return p, nil
}

// eachOf decodes a JSON array element by element, keeping those that
// decode as T: one odd element costs only itself.
func eachOf[T any](raw json.RawMessage) []T {
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil
	}
	var out []T
	for _, e := range elems {
		var v T
		if json.Unmarshal(e, &v) == nil {
			out = append(out, v)
		}
	}
	return out
}
