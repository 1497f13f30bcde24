package file

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/chorus-news/chorus"
)

// sniffBytes is how much of a stream Sniff is shown.
const sniffBytes = 16 << 10

// Sniff returns the format of a stream from its first bytes (a UTF-8 BOM is
// skipped): "ndjson" for canonical posts as JSON lines or a JSON array, "csv"
// for a header row naming canonical columns. JSON and CSV that other
// collectors read are named for them ("twarc2", "x-archive", "weibo-api",
// "weibo-mobile", "weibo-crawler"), so that the caller can say what to do.
// Anything else is an error wrapping chorus.ErrInvalid.
func Sniff(head []byte) (string, error) {
	head = bytes.TrimPrefix(head, []byte(utf8BOM))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		return "", &chorus.FieldError{Field: "format", Reason: "cannot tell the format of an empty input; use --format"}
	}
	switch trimmed[0] {
	case '{':
		return sniffObject(trimmed), nil
	case '[':
		// The first element tells, when it is an object.
		rest := bytes.TrimLeft(trimmed[1:], " \t\r\n")
		if bytes.HasPrefix(bytes.TrimLeft(bytes.TrimPrefix(rest, []byte("{")), " \t\r\n"), []byte(`"tweet"`)) {
			return "x-archive", nil // an archive's tweets.js without its window.YTD prefix
		}
		if len(rest) > 0 && rest[0] == '{' {
			if f := sniffObject(rest); f != NDJSON {
				return f, nil
			}
		}
		return NDJSON, nil
	}
	if bytes.HasPrefix(trimmed, []byte("window.YTD.")) {
		return "x-archive", nil
	}
	for _, m := range []struct{ magic, name string }{
		{"PK\x03\x04", "a zip archive"}, {"BZh", "bzip2-compressed"}, {"\xfd7zXZ\x00", "xz-compressed"},
		{"\x28\xb5\x2f\xfd", "zstd-compressed"}, {"\x1f\x8b", "gzip-compressed"},
	} {
		if bytes.HasPrefix(head, []byte(m.magic)) {
			if f, ok := sniffRegistered(head); ok {
				return f, nil // a container a platform reads whole (an X archive's zip)
			}
			return "", &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("the input is %s: extract the file first (gzip files are read as they are)", m.name)}
		}
	}
	line := trimmed
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if h := parseHeader(string(bytes.TrimRight(line, "\r"))); h.known >= 2 {
		return CSV, nil
	}
	if f, ok := sniffRegistered(trimmed); ok {
		return f, nil
	}
	if s := string(line); strings.Contains(s, "正文") {
		return "weibo-crawler", nil
	}
	return "", &chorus.FieldError{Field: "format", Reason: fmt.Sprintf("cannot tell the format of input starting %q: want JSON posts or a CSV header naming columns such as platform,id,text,created_at; use --format (supported: %s)",
		clipBytes(line), strings.Join(Supported(), ", "))}
}

// objectFormat tells other platforms' JSON from canonical posts by a key of
// the first object: the first key found here, in document order, decides.
func objectFormat(key string) string {
	switch key {
	case "platform":
		return NDJSON
	case "data", "includes", "__twarc", "author_id", "public_metrics", "id_str", "full_text", "in_reply_to_status_id_str",
		// An X page with no results: twarc2 hydrate's page of deleted
		// posts ({"errors":[…]}), an empty search page ({"meta":…}), a
		// stream line's rules; X names them first as often as data.
		"errors", "meta", "matching_rules", "edit_history_tweet_ids", "referenced_tweets", "note_tweet":
		return "twarc2"
	case "statuses", "comments", "idstr", "mid", "attitudes_count", "reposts_count":
		return "weibo-api"
	case "ok", "cards", "mblog":
		return "weibo-mobile"
	case "weibo":
		return "weibo-crawler"
	}
	return ""
}

// sniffObject looks at the top-level keys of the object starting head
// (which may be cut short) and names its format; ndjson when nothing else
// fits.
func sniffObject(head []byte) string {
	d := decoder{data: head}
	found := NDJSON
	first := true
	stop := errors.New("stop")
	_ = d.object(func(key []byte) error {
		if first && string(key) == "data" && d.pos < len(d.data) && d.data[d.pos] == '{' {
			// Weibo's answers wrap their lists in a data object too
			// (m.weibo.cn, weibo.com/ajax): its keys tell.
			if weiboData(d.data[d.pos:]) {
				found, first = "weibo-mobile", false
			}
		}
		if f := objectFormat(string(key)); f != "" {
			if f == NDJSON {
				found = NDJSON
				return stop
			}
			if first {
				found, first = f, false
			}
		}
		return d.skipValue()
	})
	return found
}

// weiboData tells a data object of a Weibo answer by its keys.
func weiboData(obj []byte) bool {
	d := decoder{data: obj}
	is := false
	stop := errors.New("stop")
	_ = d.object(func(key []byte) error {
		switch string(key) {
		case "cards", "cardlistInfo", "longTextContent", "mblog", "statuses", "list", "isLongText", "mblogid", "card_group":
			is = true
			return stop
		}
		return d.skipValue()
	})
	return is
}
