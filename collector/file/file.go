// Package file reads the files people already have into canonical posts:
// it opens files, stdin and gzip, sniffs the format, counts lines and turns
// each record into a chorus.Post.
//
// Formats:
//
//   - ndjson: one canonical post object per line (see CONTRACT.md), or one
//     JSON array of them. Ids may be JSON numbers (their digits are kept
//     exactly) or strings; counts may be numbers or numeric strings;
//     created_at is anything chorus.ParseTime takes, or Unix seconds or
//     milliseconds. Unknown fields, "event" and "sentiment" are ignored.
//   - csv: a header row of canonical field names, matched without case:
//     platform, id, text, lang, created_at, url, quoted_id, repost_of, source,
//     author_id, author_handle, author_name, author_followers (or author.id
//     …), likes, reposts, replies, quotes (or metrics_likes, metrics.likes
//     …). Other columns are ignored. Separators ',', tab and ';' are told
//     from the header.
//
// Both may start with a UTF-8 byte order mark, use CRLF, and hold blank
// lines; UTF-16 with a byte order mark is read as well. A record over
// chorus.MaxRecordBytes is rejected without being held whole: a long line is
// measured and skipped, and a CSV quoted field running over many lines (an
// unclosed quote) is dropped from about twice the limit to where its quotes
// close, as one rejected record.
//
// A bad record never stops a read: it reaches the callback with Record.Err
// set (a *chorus.FieldError) and the line it started on, so the caller can
// print FILE:LINE: field: reason and go on.
//
// Platform packages add their formats with Register (collector/x: twarc2,
// x-archive; collector/weibo: weibo-api, weibo-mobile, weibo-crawler,
// weibo-search; collector/article): ReadFile hands them the stream, BOM
// removed and UTF-16 or GB18030 converted, with the file's name and
// modification time, and sniffing asks their Sniff functions.
package file

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/chorus-news/chorus"
)

// Format names accepted by Read.
const (
	Auto   = "auto"
	NDJSON = "ndjson"
	CSV    = "csv"
)

// Supported lists the format names Read accepts, in the order help text
// shows them.
func Supported() []string { return append([]string{Auto, NDJSON, CSV}, registeredNames()...) }

// planned are the formats the import command names that other packages will
// read (collector/x, collector/weibo, collector/article). Until they are
// wired in here, Read says so instead of calling them unknown.
func planned() []string {
	return []string{"twarc2", "x-archive", "weibo-api", "weibo-mobile", "weibo-crawler", "article"}
}

// Record is one record read from a file.
type Record struct {
	Line int         // 1-based line on which the record starts
	Post chorus.Post // parsed and validated (Post.Validate called) when Err == nil
	Err  error       // a *chorus.FieldError naming the field or the syntax fault; nil for a good post
}

// bufSize is the read buffer: lines up to this long are decoded in place
// without copying.
const bufSize = 64 << 10

// gzipMagic starts every gzip stream.
const gzipMagic = "\x1f\x8b"

// Open opens name for reading: "-" is stdin; gzip input is decompressed,
// recognised by a .gz suffix or by the gzip magic bytes. Errors name the
// file ("open NAME: …"). Closing never closes stdin.
func Open(name string, stdin io.Reader) (io.ReadCloser, error) {
	var (
		src    io.Reader
		closer io.Closer
	)
	if name == "-" {
		if stdin == nil {
			return nil, fmt.Errorf("open stdin: no stdin")
		}
		src = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err // an *fs.PathError: "open NAME: reason"
		}
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			hint := "name the files in it"
			for _, tweets := range []string{filepath.Join(name, "data", "tweets.js"), filepath.Join(name, "tweets.js")} {
				if _, err := os.Stat(tweets); err == nil {
					hint = "an X archive: import " + tweets + " (account.js and note-tweet.js beside it are read too), or the archive's zip"
					break
				}
			}
			return nil, fmt.Errorf("open %s: is a directory: %s", name, hint)
		}
		src, closer = f, f
	}
	br := bufio.NewReaderSize(src, bufSize)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		closeQuiet(closer)
		return nil, fmt.Errorf("read %s: %w", displayName(name), err)
	}
	if string(head) != gzipMagic && !strings.HasSuffix(strings.ToLower(name), ".gz") {
		return &readCloser{Reader: br, closer: closer}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		closeQuiet(closer)
		return nil, fmt.Errorf("open %s: gzip: %w", displayName(name), err)
	}
	return &gzipReadCloser{zr: zr, closer: closer}, nil
}

func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

func closeQuiet(c io.Closer) {
	if c != nil {
		_ = c.Close()
	}
}

// readCloser closes the underlying file, if any (never stdin).
type readCloser struct {
	io.Reader
	closer io.Closer
}

func (r *readCloser) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// gzipReadCloser decompresses and closes both the gzip reader and the file.
type gzipReadCloser struct {
	zr     *gzip.Reader
	closer io.Closer
}

func (g *gzipReadCloser) Read(p []byte) (int, error) {
	n, err := g.zr.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

func (g *gzipReadCloser) Close() error {
	err := g.zr.Close()
	if g.closer != nil {
		if cerr := g.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// reader reads one format from a buffered stream whose BOM is already gone.
type reader func(br *bufio.Reader, fn func(Record) error) error

// Read parses r in format ("auto" sniffs it), calling fn once per record in
// order. Bad records are not errors of Read: they reach fn with Err set. Read
// returns an I/O error, fn's error, or an error wrapping chorus.ErrInvalid
// when the format is unknown or cannot be told.
func Read(r io.Reader, format string, fn func(Record) error) error {
	return ReadFile(r, "", format, fn)
}

// ReadFile is Read for a stream opened from the file name ("-" or "" when
// it has none): formats registered by other packages may use the name and
// the file's modification time (see Input).
func ReadFile(r io.Reader, name, format string, fn func(Record) error) error {
	return ReadFileAt(r, name, format, time.Time{}, fn)
}

// ReadFileAt is ReadFile with the time the content was fetched, when the
// user knows it (import --now): relative dates in saved pages ("5分钟前",
// "06-27") are read against it rather than the file's modification time.
// Zero means the modification time.
func ReadFileAt(r io.Reader, name, format string, fetched time.Time, fn func(Record) error) error {
	if rc, ok := r.(*readCloser); ok {
		r = rc.Reader // Open's own buffer: use it rather than copy from it
	}
	br := bufio.NewReaderSize(r, bufSize)
	if err := skipBOM(br); err != nil {
		return err
	}
	if head, _ := br.Peek(2); string(head) == "\xff\xfe" || string(head) == "\xfe\xff" {
		// UTF-16 with a byte order mark, as Excel saves "Unicode text":
		// read it as UTF-8 (the decoder drops the mark).
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), bufSize)
	}
	format = strings.ToLower(strings.TrimSpace(format))
	sniffed := format == "" || format == Auto
	if sniffed {
		head, err := br.Peek(sniffBytes)
		if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("read: %w", err)
		}
		if len(bytes.TrimSpace(head)) == 0 && err == io.EOF {
			return nil // an empty file holds no posts
		}
		if gb, ok := gbHead(head); ok {
			// Not UTF-8 but GB18030 (GBK): a platform's file saved on
			// Chinese Windows.
			if f, err := Sniff(gb); err == nil {
				if _, ok := registered(f); ok {
					return readRegistered(gbReader(br), name, f, fetched, fn)
				}
			}
		}
		if format, err = Sniff(head); err != nil {
			return err
		}
	}
	if _, ok := registered(format); ok {
		if !sniffed {
			if head, _ := br.Peek(sniffBytes); len(head) > 0 {
				if _, ok := gbHead(head); ok {
					br = gbReader(br)
				}
			}
		}
		return readRegistered(br, name, format, fetched, fn)
	}
	read, err := lookup(format)
	if err != nil {
		if sniffed {
			return &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("the input looks like %s, which is not supported yet (supported: %s)", format, strings.Join(Supported(), ", "))}
		}
		return err
	}
	return read(br, fn)
}

// readRegistered hands br to a registered format's decoder.
func readRegistered(br *bufio.Reader, name, format string, fetched time.Time, fn func(Record) error) error {
	f, _ := registered(format)
	in := Input{R: br, ModTime: fetched}
	if name != "-" {
		in.Name = name
	}
	if in.Name != "" && in.ModTime.IsZero() {
		if fi, err := os.Stat(in.Name); err == nil {
			in.ModTime = fi.ModTime()
		}
	}
	return f.Read(in, fn)
}

// lookup maps a format name to its reader. A new format is one more case.
func lookup(format string) (reader, error) {
	switch format {
	case NDJSON, "jsonl", "json":
		return readNDJSON, nil
	case CSV:
		return readCSV, nil
	}
	for _, p := range planned() {
		if format == p {
			return nil, &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("%q is not supported yet (supported: %s)", format, strings.Join(Supported(), ", "))}
		}
	}
	return nil, &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("unknown format %q (supported: %s)", format, strings.Join(Supported(), ", "))}
}

// utf8BOM is the byte order mark some tools (Excel, weibo-crawler) write.
const utf8BOM = "\xef\xbb\xbf"

// skipBOM drops a UTF-8 byte order mark at the start of br.
func skipBOM(br *bufio.Reader) error {
	head, err := br.Peek(len(utf8BOM))
	if err != nil && err != io.EOF {
		return fmt.Errorf("read: %w", err)
	}
	if string(head) == utf8BOM {
		_, _ = br.Discard(len(utf8BOM))
	}
	return nil
}
