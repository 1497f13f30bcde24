package x

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
)

// Archive is what an X account archive's side files say about its posts:
// the owner (account.js, with the follower count from follower.js) and the
// full text of long posts (note-tweet.js). The zero Archive knows nothing.
type Archive struct {
	Owner *chorus.Author
	notes []note
}

type note struct {
	at   time.Time
	text string
}

// LoadArchive reads the side files found in dir, the archive's data
// folder: account.js, follower.js and note-tweet.js. Missing or unreadable
// ones are skipped: posts import without them.
func LoadArchive(dir string) *Archive { return LoadArchiveFS(os.DirFS(dir), ".") }

// LoadArchiveFS is LoadArchive for the folder dir of fsys (an archive's
// zip, say).
func LoadArchiveFS(fsys fs.FS, dir string) *Archive {
	a := &Archive{}
	if acct := readSide(fsys, path.Join(dir, "account.js"), func(elem []byte, acc *chorus.Author) {
		var v struct {
			Account struct {
				AccountID   id     `json:"accountId"`
				Username    string `json:"username"`
				DisplayName string `json:"accountDisplayName"`
			} `json:"account"`
		}
		if json.Unmarshal(elem, &v) == nil && v.Account.AccountID != "" && acc.ID == "" {
			*acc = chorus.Author{ID: string(v.Account.AccountID), Handle: v.Account.Username, Name: v.Account.DisplayName}
		}
	}); acct.ID != "" {
		a.Owner = &acct
		files, _ := fs.Glob(fsys, path.Join(dir, "follower*.js"))
		for _, f := range files {
			readSide(fsys, f, func([]byte, *chorus.Author) { a.Owner.Followers++ })
		}
	}
	files, _ := fs.Glob(fsys, path.Join(dir, "note-tweet*.js"))
	for _, f := range files {
		readSide(fsys, f, func(elem []byte, _ *chorus.Author) {
			var v struct {
				NoteTweet struct {
					CreatedAt string `json:"createdAt"`
					Core      struct {
						Text string `json:"text"`
					} `json:"core"`
					Results struct {
						Text string `json:"text"`
					} `json:"noteTweetResults"`
				} `json:"noteTweet"`
			}
			if json.Unmarshal(elem, &v) != nil {
				return
			}
			text := v.NoteTweet.Core.Text
			if text == "" {
				text = v.NoteTweet.Results.Text
			}
			at, err := chorus.ParseTime("createdAt", v.NoteTweet.CreatedAt)
			if err == nil && text != "" {
				a.notes = append(a.notes, note{at: at, text: unescape.Replace(text)})
			}
		})
	}
	sort.Slice(a.notes, func(i, j int) bool { return a.notes[i].at.Before(a.notes[j].at) })
	return a
}

// readSide calls fn for each element of one side file, ignoring faults.
func readSide(fsys fs.FS, name string, fn func([]byte, *chorus.Author)) chorus.Author {
	var acc chorus.Author
	f, err := fsys.Open(name)
	if err != nil {
		return acc
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if _, err := archiveKind(br); err != nil {
		return acc
	}
	_ = elements(br, 1, func(_ int, elem []byte, size int) error {
		if size <= chorus.MaxRecordBytes {
			fn(elem, &acc)
		}
		return nil
	})
	return acc
}

// noteSpan is how far apart a post and its note may be created.
const noteSpan = 10 * time.Minute

// fullText finds the note holding the whole of a long post: created
// within noteSpan of it and starting with the post's text, less the "…"
// and link X adds to the cut version.
func (a *Archive) fullText(text string, at time.Time) string {
	if a == nil || len(a.notes) == 0 {
		return text
	}
	prefix := strings.TrimSpace(text)
	for {
		i := strings.LastIndexAny(prefix, " \n")
		if i < 0 || !strings.HasPrefix(prefix[i+1:], "https://t.co/") {
			break
		}
		prefix = strings.TrimSpace(prefix[:i])
	}
	prefix = strings.TrimSpace(strings.TrimSuffix(prefix, "…"))
	if utf8.RuneCountInString(prefix) < 20 {
		return text
	}
	i := sort.Search(len(a.notes), func(i int) bool { return !a.notes[i].at.Before(at.Add(-noteSpan)) })
	best, bestGap := "", noteSpan+1
	for ; i < len(a.notes) && !a.notes[i].at.After(at.Add(noteSpan)); i++ {
		n := a.notes[i]
		if len(n.text) > len(text) && strings.HasPrefix(n.text, prefix) {
			gap := n.at.Sub(at).Abs()
			if gap < bestGap {
				best, bestGap = n.text, gap
			}
		}
	}
	if best == "" {
		return text
	}
	return best
}

// ReadArchive reads one data file of an X account archive: tweets.js,
// tweet.js (older archives) or tweets-partN.js, JavaScript of the form
// window.YTD.tweets.part0 = [ … ]. Each element is {"tweet": {…}} or, in
// older archives, the post object itself, in the v1.1 shape with numbers
// as strings. a (from LoadArchive, may be nil) supplies the owner, who
// wrote every post, and long posts' full text. account.js, follower.js and
// note-tweet.js hold no posts and read as none; other archive files are
// an error naming what they hold.
func ReadArchive(r io.Reader, a *Archive, fn func(Record) error) error {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	kind, err := archiveKind(br)
	if err != nil {
		return err
	}
	switch kind {
	case "", "tweets", "tweet":
	case "account", "follower", "note_tweet", "note-tweet":
		return nil // side files: LoadArchive reads them
	default:
		return &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("this archive file holds %q, not the account's posts: import data/tweets.js (account.js and note-tweet.js beside it are read too)", kind)}
	}
	var owner *chorus.Author
	if a != nil {
		owner = a.Owner
	}
	return elements(br, 1, func(line int, elem []byte, size int) error {
		if size > chorus.MaxRecordBytes {
			return fn(Record{Line: line, Err: &chorus.FieldError{Field: "record", Reason: fmt.Sprintf("%d bytes, over the %d byte limit", size, chorus.MaxRecordBytes)}})
		}
		if elem == nil {
			return fn(Record{Line: line, Err: &chorus.FieldError{Field: "json", Reason: "unexpected end of input: the array is not closed"}})
		}
		var v struct {
			Tweet *v1Tweet `json:"tweet"`
			v1Tweet
		}
		if err := json.Unmarshal(elem, &v); err != nil {
			return fn(Record{Line: line, Err: jsonError("", err)})
		}
		t, prefix := &v.v1Tweet, ""
		if v.Tweet != nil {
			t, prefix = v.Tweet, "tweet"
		}
		if a != nil && len(a.notes) > 0 {
			if at, err := createdAt(t.CreatedAt, t.id()); err == nil {
				full := a.fullText(t.text(), at)
				t.FullText, t.ExtendedTweet = &full, nil
			}
		}
		return v1Posts(t, withOwner(owner), SourceArchive, prefix, func(p chorus.Post, err error) error {
			return fn(Record{Line: line, Post: p, Err: err})
		})
	})
}

// withOwner is the author of an archive's posts: the owner, or an empty
// author (which still marks the posts as the archive's own).
func withOwner(owner *chorus.Author) *chorus.Author {
	if owner != nil {
		return owner
	}
	return &chorus.Author{}
}

// archiveKind reads past the "window.YTD.<kind>.partN = " prefix up to
// the array's '[' and returns kind ("" when the input is a bare array).
func archiveKind(br *bufio.Reader) (string, error) {
	var head []byte
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			if len(bytes.TrimSpace(head)) == 0 {
				return "", nil
			}
			return "", &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("no JSON array after %q: want window.YTD.tweets.part0 = [ … ]", clip(head))}
		}
		if err != nil {
			return "", fmt.Errorf("read: %w", err)
		}
		if c == '[' {
			_ = br.UnreadByte()
			break
		}
		head = append(head, c)
		if len(head) > 4096 {
			return "", &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("not an X archive file: it starts %q, want window.YTD.tweets.part0 = [ … ]", clip(head))}
		}
	}
	s := strings.TrimSpace(strings.TrimPrefix(string(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))), "\ufeff"))
	if s == "" {
		return "", nil
	}
	s = strings.TrimSpace(strings.TrimSuffix(s, "="))
	if g, ok := strings.CutPrefix(s, "Grailbird.data."); ok {
		// The archive of 2012–2018: data/js/tweets/2014_01.js, v1.1
		// posts with their user.
		if strings.HasPrefix(g, "tweets") {
			return "tweets", nil
		}
		kind, _, _ := strings.Cut(g, " ")
		return kind, nil
	}
	rest, ok := strings.CutPrefix(s, "window.YTD.")
	if !ok {
		rest, ok = strings.CutPrefix(s, "YTD.")
	}
	if !ok {
		return "", &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("not an X archive file: it starts %q, want window.YTD.tweets.part0 = [ … ]", clip(head))}
	}
	kind, _, _ := strings.Cut(rest, ".")
	return kind, nil
}

func clip[T string | []byte](b T) string {
	if len(b) > 60 {
		b = b[:60]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// elements reads a JSON array from br element by element, calling fn with
// each element's bytes, the line it starts on and its size. An element
// over chorus.MaxRecordBytes comes as nil with its size; an array cut off
// mid-element ends with fn(line, nil, 0). The split follows strings and
// nesting, so one bad element does not lose the next.
func elements(br *bufio.Reader, line int, fn func(line int, elem []byte, size int) error) error {
	var (
		buf      []byte
		depth    int
		inString bool
		escaped  bool
		started  bool // inside the array
		start    int  // line the current element starts on
		size     int
	)
	flush := func() error {
		e := bytes.TrimSpace(buf)
		if size == 0 && len(e) == 0 {
			return nil
		}
		var elem []byte
		if size <= chorus.MaxRecordBytes {
			elem = e
		}
		err := fn(start, elem, size)
		buf, size = buf[:0], 0
		return err
	}
	for {
		c, err := br.ReadByte()
		if err == io.EOF {
			if !started {
				return nil
			}
			if size == 0 {
				start = line
			}
			return fn(start, nil, 0) // the array is not closed
		}
		if err != nil {
			return fmt.Errorf("read line %d: %w", line, err)
		}
		if c == '\n' {
			line++
		}
		if !started {
			if c == '[' {
				started = true
			}
			continue
		}
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		} else {
			switch c {
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}':
				depth--
			case ']':
				if depth == 0 {
					if err := flush(); err != nil {
						return err
					}
					started = false // anything after the array is ignored
					continue
				}
				depth--
			case ',':
				if depth == 0 {
					if err := flush(); err != nil {
						return err
					}
					continue
				}
			}
		}
		if size == 0 && len(buf) == 0 {
			if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
				continue
			}
			start = line
		}
		size++
		if size <= chorus.MaxRecordBytes {
			buf = append(buf, c)
		}
	}
}

// zipMagic starts every zip file.
const zipMagic = "PK\x03\x04"

// ReadArchiveZip reads the posts of an X archive's zip as it was
// downloaded: data/tweets.js and any tweets-partN.js (or tweet.js in older
// archives), with account.js, follower.js and note-tweet.js beside them.
// A bad record's field names the file inside the zip.
func ReadArchiveZip(name string, fn func(Record) error) error {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer zr.Close()
	var parts []string
	for _, f := range zr.File {
		base := path.Base(f.Name)
		if (base == "tweets.js" || base == "tweet.js" || strings.HasPrefix(base, "tweets-part") && strings.HasSuffix(base, ".js")) && !strings.Contains(f.Name, "deleted") {
			parts = append(parts, f.Name)
		}
	}
	if len(parts) == 0 {
		return &chorus.FieldError{Field: "format", Reason: "a zip without data/tweets.js: not an X account archive (extract the file and import it by name)"}
	}
	sort.Strings(parts)
	for _, p := range parts {
		f, err := zr.Open(p)
		if err != nil {
			return fmt.Errorf("open %s in %s: %w", p, name, err)
		}
		a := LoadArchiveFS(zr, path.Dir(p))
		err = ReadArchive(f, a, func(r Record) error {
			if fe, ok := r.Err.(*chorus.FieldError); ok {
				r.Err = &chorus.FieldError{Field: p + ": " + fe.Field, Reason: fe.Reason}
			}
			return fn(r)
		})
		f.Close()
		if err != nil {
			return fmt.Errorf("read %s in %s: %w", p, name, err)
		}
	}
	return nil
}
