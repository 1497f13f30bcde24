package file

import (
	"bufio"
	"bytes"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// A Decoder reads one platform's file format (collector/x, collector/weibo
// …), calling fn once per record in order, as Read does: a bad record
// reaches fn with Err set and the read goes on.
type Decoder func(in Input, fn func(Record) error) error

// Input is the stream a Decoder reads.
type Input struct {
	// R is the content as UTF-8: byte order mark removed, UTF-16 and
	// GB18030/GBK input already converted.
	R *bufio.Reader
	// Name is the file as named on the command line; "" for stdin or
	// a stream without a name. Decoders may read files beside it (a
	// crawler's users.csv) and take an author from it.
	Name string
	// ModTime is when the file was last written (zero when unknown): the
	// time a saved page was fetched, against which relative dates ("5分钟前")
	// are read.
	ModTime time.Time
}

// Format is a file format another package reads.
type Format struct {
	Name    string   // as --format takes it
	Aliases []string // other names --format takes
	Read    Decoder
	// Sniff, if set, claims an input for --format auto from its first
	// bytes (BOM removed, UTF-8), when the built-in sniffing does not name
	// a format of its own for it.
	Sniff func(head []byte) bool
	// Priority orders the sniffers: higher first, then in registration
	// order. A sniffer for a marker only one tool writes (Weibo's
	// $render_data in an HTML page) goes before a general one (any HTML
	// page is an article).
	Priority int
}

var registry struct {
	sync.RWMutex
	formats []Format
}

// Register makes a format readable by Read and ReadFile. Packages register
// theirs from init, as image formats do; a second registration of a name
// replaces the first.
func Register(f Format) {
	registry.Lock()
	defer registry.Unlock()
	registry.formats = slices.DeleteFunc(registry.formats, func(g Format) bool { return g.Name == f.Name })
	registry.formats = append(registry.formats, f)
}

// registered finds a registered format by name or alias.
func registered(name string) (Format, bool) {
	registry.RLock()
	defer registry.RUnlock()
	for _, f := range registry.formats {
		if f.Name == name || slices.Contains(f.Aliases, name) {
			return f, true
		}
	}
	return Format{}, false
}

// sniffRegistered asks each registered format, in registration order.
func sniffRegistered(head []byte) (string, bool) {
	registry.RLock()
	formats := slices.Clone(registry.formats)
	registry.RUnlock()
	slices.SortStableFunc(formats, func(a, b Format) int { return b.Priority - a.Priority })
	for _, f := range formats {
		if f.Sniff != nil && f.Sniff(head) {
			return f.Name, true
		}
	}
	return "", false
}

// registeredNames lists the registered formats, for help and messages.
func registeredNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.formats))
	for _, f := range registry.formats {
		names = append(names, f.Name)
	}
	return names
}

// gbHead tells a head that is not UTF-8 but reads cleanly as GB18030 (GBK
// is a subset), as files saved by Excel on Chinese Windows are.
func gbHead(head []byte) ([]byte, bool) {
	// A rune cut at the end of the head does not count against it.
	trimmed := head
	for i := 0; i < utf8.UTFMax && len(trimmed) > 0 && !utf8.Valid(trimmed); i++ {
		trimmed = trimmed[:len(trimmed)-1]
	}
	if utf8.Valid(trimmed) {
		return nil, false
	}
	dec, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), head)
	if err != nil {
		return nil, false
	}
	// The last character may be cut; any other replacement character means
	// the bytes are not GB18030.
	if i := bytes.Index(dec, []byte("\ufffd")); i >= 0 && i < len(dec)-8 {
		return nil, false
	}
	return dec, true
}

// gbReader converts GB18030 to UTF-8.
func gbReader(br *bufio.Reader) *bufio.Reader {
	return bufio.NewReaderSize(transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), bufSize)
}
