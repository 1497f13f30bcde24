package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chorus-news/chorus"
)

// addSeeds adds every testdata input matching pattern to the corpus.
func addSeeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no seeds match testdata/%s", p)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// checkRead reads data in format and checks what holds for any input: no
// error from Read, each record either a FieldError or a post that passes
// Validate, line numbers within the input and in order (strictly for
// line-per-record input).
func checkRead(t *testing.T, data []byte, format string, strict bool) {
	lines := bytes.Count(data, []byte("\n")) + 1
	last := 0
	err := Read(bytes.NewReader(data), format, func(r Record) error {
		if r.Line < 1 || r.Line > lines {
			t.Fatalf("record on line %d of an input of %d lines", r.Line, lines)
		}
		if r.Line < last || strict && r.Line == last {
			t.Fatalf("record on line %d after one on line %d", r.Line, last)
		}
		last = r.Line
		if r.Err != nil {
			var fe *chorus.FieldError
			if !errors.As(r.Err, &fe) || !errors.Is(r.Err, chorus.ErrInvalid) {
				t.Fatalf("line %d: error %v (%T) is not a *chorus.FieldError", r.Line, r.Err, r.Err)
			}
			if r.Post != (chorus.Post{}) {
				t.Fatalf("line %d: error %v comes with a post %+v", r.Line, r.Err, r.Post)
			}
			return nil
		}
		p := r.Post
		if err := p.Validate(); err != nil {
			t.Fatalf("line %d: post without error fails Validate: %v", r.Line, err)
		}
		if p != r.Post {
			t.Fatalf("line %d: Validate changed a validated post:\n%+v\n%+v", r.Line, r.Post, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s) = %v, want nil for in-memory input", format, err)
	}
}

func FuzzReadNDJSON(f *testing.F) {
	addSeeds(f, "*.ndjson", "*.json")
	f.Add([]byte("\xef\xbb\xbf{\"platform\":\"x\",\"id\":1,\"created_at\":\"2024-07-31T19:05:00Z\"}\r\n\r\n{"))
	f.Add([]byte("[{\"platform\":\"x\"},\n{\"id\":\"\\ud83d\\ude00\"}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte(utf8BOM)), " \t\r\n")
		array := len(trimmed) > 0 && trimmed[0] == '['
		checkRead(t, data, "ndjson", !array)
	})
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, "*.csv")
	f.Add([]byte("platform,id,created_at\nx,1,2024-07-31T19:05:00Z\n\"x\n\",\"2\",\"\"\"\"\n"))
	f.Add([]byte("id;platform;likes\r\n1;x;\"1\r\n2\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data, "csv", true)
	})
}

// FuzzDecodePost checks the post scanner against encoding/json: it takes
// exactly the JSON that encoding/json takes, and reads the same strings.
func FuzzDecodePost(f *testing.F) {
	addSeeds(f, "*.ndjson")
	for _, s := range []string{`{"text":"\u00e9\ud83d\ude00\ud800x"}`, `{"a":[1,2.5e-3,true,false,null,{}]}`, `{"text":"a\"b","TEXT":"c"}`, `-0`, `{"id":01}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d decoder
		p, err := d.decodePost(data)
		var fe *chorus.FieldError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("decodePost(%q) error %v (%T) is not a *chorus.FieldError", data, err, err)
		}
		syntax := fe != nil && fe.Field == "json" && !strings.HasPrefix(fe.Reason, "want an object") && !strings.HasPrefix(fe.Reason, "nested deeper")
		if fe != nil && strings.HasPrefix(fe.Reason, "nested deeper") {
			return
		}
		if valid := json.Valid(data); syntax == valid {
			t.Fatalf("decodePost(%q): error %v, but json.Valid = %v", data, err, valid)
		}
		if err != nil || !utf8.Valid(data) {
			return
		}
		var std struct{ Text string }
		if err := json.Unmarshal(data, &std); err != nil {
			return // a type encoding/json rejects where decodePost is lenient
		}
		// encoding/json folds keys by Unicode rules ("ſ" matches 's',
		// the Kelvin sign 'k'); decodePost folds ASCII only.
		if p.Text != std.Text && !bytes.ContainsAny(data, "\u017f\u212a") {
			t.Fatalf("decodePost(%q).Text = %q, encoding/json reads %q", data, p.Text, std.Text)
		}
	})
}
