package article

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// addSeeds adds the testdata articles and passages to the corpus.
func addSeeds(f *testing.F) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		if fi, err := os.Stat(name); err != nil || fi.IsDir() {
			continue
		}
		if strings.HasSuffix(name, "passages.txt") || strings.HasSuffix(name, "heldout.txt") {
			for _, p := range readPassages(f, name) {
				f.Add([]byte(p.text)) // one seed a passage: small inputs fuzz faster
			}
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range pathological(100) { // small: the fuzzer mutates them
		f.Add([]byte(s))
	}
}

// pathological inputs: long unclosed quotations, marks only, deep markup;
// n sets their size.
func pathological(n int) []string {
	return []string{
		"\"" + strings.Repeat("word ", n*50000/1000),
		strings.Repeat("“", n*20000/1000) + strings.Repeat("”", n*20000/1000),
		strings.Repeat("\"a,\" wrote another. ", n*20000/1000),
		strings.Repeat("\"\n", n*20000/1000),
		strings.Repeat("「", n*10000/1000) + strings.Repeat("」", n*10000/1000),
		strings.Repeat("'a' ", n*20000/1000),
		"'" + strings.Repeat("players' ", n*20000/1000),
		"<html><body>" + strings.Repeat("<div>", n*50000/1000) + "“deep,” one user wrote on X." + strings.Repeat("</div>", n*50000/1000),
		"<p>" + strings.Repeat("<b><i>", n*20000/1000) + "x",
		strings.Repeat("one user wrote on X: ", n*20000/1000),
		strings.Repeat("\"x\"", n*30000/1000),
	}
}

// FuzzParse: no input panics, loops or takes unbounded time, and what comes
// out is always a valid post whose words are in the article.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Parse(data, Options{Source: "fuzz.txt", Now: importTime})
		if err != nil {
			return
		}
		checkResult(t, res)
	})
}

func checkResult(t *testing.T, res *Result) {
	t.Helper()
	n := utf8.RuneCountInString(res.Text)
	for _, q := range res.Quotes {
		if q.Start < 0 || q.End < q.Start || q.End > n {
			t.Fatalf("quote %q: offsets [%d,%d) outside %d characters", q.Text, q.Start, q.End, n)
		}
	}
	folded := fold(res.Text)
	for _, p := range res.Posts {
		if err := p.Validate(); err != nil {
			t.Fatalf("post %+v: %v", p, err)
		}
		if p.Platform != "x" && p.Platform != "weibo" {
			t.Fatalf("post platform %q", p.Platform)
		}
		for _, w := range strings.Fields(p.Text) { // pieces are joined, so word by word
			if !strings.Contains(folded, fold(w)) {
				t.Fatalf("post text %q: %q is not in the article", p.Text, w)
			}
		}
	}
}

// TestPathologicalInputIsBounded: inputs built to make a scanner go
// quadratic are read in bounded time (a benchmark would be the place for
// speed; this is a guard against a hang, with a generous bound).
func TestPathologicalInputIsBounded(t *testing.T) {
	for i, s := range pathological(1000) {
		done := make(chan *Result, 1)
		go func() {
			res, _ := Parse([]byte(s), Options{Source: "p.txt", Now: importTime})
			done <- res
		}()
		select {
		case res := <-done:
			if res != nil {
				checkResult(t, res)
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("input %d (%d bytes) not read within a minute", i, len(s))
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	data, err := os.ReadFile("testdata/passages.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Extract(string(data))
	}
}
