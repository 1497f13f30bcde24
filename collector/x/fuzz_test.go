package x

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/chorus-news/chorus"
)

func addSeeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil || len(files) == 0 {
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

// addLineSeeds adds each line of the matching files, and each pair of
// lines, as a seed.
func addLineSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(files) == 0 {
		f.Fatalf("no seeds match testdata/%s", pattern)
	}
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		for i := range lines {
			f.Add(lines[i])
			if i+1 < len(lines) {
				f.Add(append(append([]byte{}, lines[i]...), lines[i+1]...))
			}
		}
	}
}

// checkRecords checks what holds for any input: each record is either a
// *chorus.FieldError with no post or a post that passes Validate
// unchanged, on a line inside the input, in order.
func checkRecords(t *testing.T, data []byte, recs []Record) {
	lines := bytes.Count(data, []byte("\n")) + 1
	last := 0
	for _, r := range recs {
		if r.Line < 1 || r.Line > lines || r.Line < last {
			t.Fatalf("record on line %d (after %d) of an input of %d lines", r.Line, last, lines)
		}
		last = r.Line
		if r.Err != nil {
			var fe *chorus.FieldError
			if !errors.As(r.Err, &fe) {
				t.Fatalf("line %d: error %v (%T) is not a *chorus.FieldError", r.Line, r.Err, r.Err)
			}
			if r.Post != (chorus.Post{}) {
				t.Fatalf("line %d: error %v comes with a post", r.Line, r.Err)
			}
			continue
		}
		p := r.Post
		if err := p.Validate(); err != nil || p != r.Post {
			t.Fatalf("line %d: post fails Validate (%v) or changes under it", r.Line, err)
		}
		if p.Platform != chorus.X || p.ID == "" || p.CreatedAt.IsZero() {
			t.Fatalf("line %d: post without platform, id or time: %+v", r.Line, p)
		}
	}
}

func briefs(recs []Record) []string {
	var s []string
	for _, r := range recs {
		s = append(s, fmt.Sprintf("%d %v %+v", r.Line, r.Err, r.Post))
	}
	return s
}

func FuzzTwarc2(f *testing.F) {
	// Seeded a few lines at a time: the whole files make the coverage-guided
	// engine crawl.
	addLineSeeds(f, "*.jsonl")
	f.Add([]byte("[\n{\"id\":\"1818712345678901234\",\n\"text\":\"x\"},\n{\"id\":\"1818712345678901235\",\"text\":\"y\"}\n]\n"))
	f.Add([]byte("{\n  \"data\": [\n    {\"id\": \"1818712345678901234\", \"text\": \"x\"}\n  ],\n  \"meta\": {\"result_count\": 1}\n}\n"))
	f.Add([]byte(`{"data":{"id":"1","text":"x"},"matching_rules":[{"id":1,"tag":"t"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []Record
		if err := ReadTwarc2(bytes.NewReader(data), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
			t.Fatalf("ReadTwarc2: %v", err)
		}
		checkRecords(t, data, recs)
		var again []Record
		if err := ReadTwarc2(iotest.OneByteReader(bytes.NewReader(data)), func(r Record) error { again = append(again, r); return nil }); err != nil {
			t.Fatalf("ReadTwarc2 one byte at a time: %v", err)
		}
		a, b := briefs(recs), briefs(again)
		if len(a) != len(b) {
			t.Fatalf("%d records, %d one byte at a time", len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("record %d differs read one byte at a time:\n%s\n%s", i, a[i], b[i])
			}
		}
	})
}

func FuzzArchive(f *testing.F) {
	addSeeds(f, "archive/*.js", "archive-old/*.js", "archive-2014/*.js")
	f.Add([]byte(`[{"tweet":{"id_str":"1818799999999999999","full_text":"RT @a: b","created_at":"Wed Jul 31 21:10:00 +0000 2024"}}, {"x": "]"}`))
	a := LoadArchive("testdata/archive")
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []Record
		err := ReadArchive(bytes.NewReader(data), a, func(r Record) error { recs = append(recs, r); return nil })
		var fe *chorus.FieldError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("ReadArchive: %v is not a format error", err)
		}
		checkRecords(t, data, recs)
	})
}

func FuzzPage(f *testing.F) {
	addSeeds(f, "search-*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		var recs []Record
		_, err := DecodePage(data, SourceSearch, func(p chorus.Post, err error) error {
			recs = append(recs, Record{Line: 1, Post: p, Err: err})
			return nil
		})
		_ = err
		checkRecords(t, []byte{}, recs)
	})
}
