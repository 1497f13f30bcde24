// Package x turns X (Twitter) payloads into canonical posts, by any path:
// API v2 recent search pages and filtered-stream messages, twarc2 files
// (raw pages, stream lines, flattened posts, twarc1 lines), and account
// archives (tweets.js). It also holds the X collector: the recent-search
// client, the filtered stream and polling.
//
// One rule for what counts as a reaction applies to every path:
//
//   - A plain retweet repeats someone else's words. Its original is emitted
//     once as an ordinary post (when the payload carries it: includes.tweets,
//     a flattened referenced_tweets entry, retweeted_status), and the
//     retweet itself as a repost record (Post.RepostOf = the original's id),
//     which the store counts as reach on the original, never as a post.
//   - A quote post and a reply are the author's own reaction: ordinary
//     posts, QuotedID set to the quoted post for quotes.
//   - Posts under includes.tweets are context: only retweeted originals
//     are emitted from there; quoted and replied-to posts are not.
//
// Ids are strings end to end: X ids pass 2^53, so numbers are never read
// through float64.
package x

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// Sources name the path a post came in by (Post.Source).
const (
	SourceSearch  = "x-search"
	SourceStream  = "x-stream"
	SourceTwarc2  = "twarc2"
	SourceArchive = "x-archive"
)

// Record is one record read from a file: a post, or a bad record named by
// the line it starts on.
type Record struct {
	Line int         // 1-based line on which the record starts
	Post chorus.Post // validated when Err == nil
	Err  error       // a *chorus.FieldError; nil for a good post
}

// id is an X id: a JSON string, or a JSON number whose digits are kept
// exactly (v1.1 payloads send both "id" and "id_str").
type id string

func (s *id) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = id(strings.TrimSpace(v))
	case string(b) == "null":
	default:
		if !digits(b) {
			return &json.UnmarshalTypeError{Value: "number " + clip(b), Type: reflect.TypeFor[string]()}
		}
		*s = id(b)
	}
	return nil
}

func digits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// count is an engagement count: a JSON number, a numeric string (archives
// write every number as a string) or null.
type count int64

func (c *count) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(s))
		if len(b) == 0 {
			return nil
		}
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*c = count(n)
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f < -1e18 || f > 1e18 {
		return &json.UnmarshalTypeError{Value: "value " + strconv.Quote(clip(b)), Type: reflect.TypeFor[int64]()}
	}
	*c = count(f)
	return nil
}

// twitterEpoch is when X's snowflake ids start, in Unix milliseconds.
const twitterEpoch = 1288834974657

// firstSnowflake is about the smallest snowflake id (November 2010); ids
// below it are sequential and carry no time.
const firstSnowflake = 29700859247

// idTime is the creation time a snowflake id carries (millisecond
// precision), or zero for an id that is not one. Default-field search
// pages carry no created_at: the id still says when the post was made.
func idTime(s string) time.Time {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n < firstSnowflake {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + twitterEpoch).UTC()
}

// createdAt parses a created_at value (RFC 3339 in v2, the Ruby layout in
// v1.1 and archives), falling back to the id's time when it is missing.
func createdAt(s, postID string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		if t := idTime(postID); !t.IsZero() {
			return t, nil
		}
	}
	t, err := chorus.ParseTime("created_at", s)
	if err != nil {
		// The 2012–2018 archive writes "2014-01-31 12:00:00 +0000".
		if t2, err2 := time.Parse("2006-01-02 15:04:05 -0700", strings.TrimSpace(s)); err2 == nil {
			return t2.UTC(), nil
		}
	}
	return t, err
}

// lang maps X's language tag to the canonical one: X's "undetermined" and
// special codes (und, zxx, qme, qht, qam, qct, qst …) become empty so that
// analysis detects the language itself; v1.1's old codes become BCP 47.
func lang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "" || s == "und" || s == "zxx":
		return ""
	case len(s) == 3 && s[0] == 'q':
		return ""
	case s == "in":
		return "id"
	case s == "iw":
		return "he"
	}
	return s
}

// unescape undoes the three HTML escapes X applies to post text.
var unescape = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// postURL is where a post is read on x.com.
func postURL(handle, postID string) string {
	if handle == "" {
		handle = "i"
	}
	return "https://x.com/" + handle + "/status/" + postID
}

// fieldError prefixes the field of a *chorus.FieldError (or names field
// for any other error).
func fieldError(prefix string, err error) error {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*chorus.FieldError); ok {
		if prefix == "" {
			return fe
		}
		return &chorus.FieldError{Field: prefix + "." + fe.Field, Reason: fe.Reason}
	}
	if prefix == "" {
		prefix = "json"
	}
	return &chorus.FieldError{Field: prefix, Reason: err.Error()}
}

// jsonError turns an encoding/json error into a *chorus.FieldError naming
// the field at fault, or "json" for a syntax fault.
func jsonError(prefix string, err error) error {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		f := e.Field
		if f == "" {
			f = "json"
		}
		if prefix != "" {
			f = prefix + "." + f
		}
		return &chorus.FieldError{Field: f, Reason: fmt.Sprintf("want %s, got %s", kindName(e.Type), e.Value)}
	case *json.SyntaxError:
		if strings.Contains(e.Error(), "unexpected end of JSON input") {
			return &chorus.FieldError{Field: "json", Reason: "unexpected end of input: the record is cut off"}
		}
		return &chorus.FieldError{Field: "json", Reason: fmt.Sprintf("%v (offset %d)", strings.TrimPrefix(e.Error(), "json: "), e.Offset)}
	}
	msg := err.Error()
	if msg == "unexpected EOF" {
		msg = "unexpected end of input: the record is cut off"
	}
	return fieldError(prefix, fmt.Errorf("%s", strings.TrimPrefix(msg, "json: ")))
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int64, reflect.Int:
		return "a whole number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}
