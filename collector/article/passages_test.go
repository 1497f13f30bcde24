package article

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/chorus-news/chorus"
)

// passage is one hand-written article excerpt and the posts it quotes.
type passage struct {
	name, genre, about string
	text               string
	want               []pair
}

// pair is what the acceptance check counts: a platform and a quote.
type pair struct {
	platform chorus.Platform
	quote    string
}

// readPassages parses testdata/passages.txt (its header says the format).
func readPassages(t testing.TB, path string) []passage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []passage
	var cur *passage
	var text []string
	flush := func() {
		if cur != nil {
			cur.text = strings.Join(text, "\n")
			out = append(out, *cur)
		}
		text = nil
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "### "):
			flush()
			parts := strings.SplitN(strings.TrimPrefix(line, "### "), "|", 3)
			for len(parts) < 3 {
				parts = append(parts, "")
			}
			cur = &passage{name: strings.TrimSpace(parts[0]), genre: strings.TrimSpace(parts[1]), about: strings.TrimSpace(parts[2])}
		case cur == nil:
			// the file's header comment
		case strings.HasPrefix(line, ">>>"):
			rest := strings.TrimSpace(strings.TrimPrefix(line, ">>>"))
			if rest == "" {
				continue // a passage that quotes no post
			}
			pl, q, ok := strings.Cut(rest, ":")
			p, known := chorus.ParsePlatform(pl)
			if !ok || !known {
				t.Fatalf("%s: passage %s: bad expectation %q", path, cur.name, line)
			}
			cur.want = append(cur.want, pair{p, strings.TrimSpace(q)})
		default:
			text = append(text, line)
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// fold is how quotes are compared: letters and digits only, lower case,
// so that punctuation and the joins between pieces do not count.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// score compares the posts found with those wanted.
func score(got []Quote, want []pair) (tp int, missed []pair, extra []Quote) {
	used := make([]bool, len(got))
	for _, w := range want {
		found := false
		for i, g := range got {
			if !used[i] && g.Post() && g.Platform == w.platform && fold(g.Text) == fold(w.quote) {
				used[i], found = true, true
				break
			}
		}
		if found {
			tp++
		} else {
			missed = append(missed, w)
		}
	}
	for i, g := range got {
		if g.Post() && !used[i] {
			extra = append(extra, g)
		}
	}
	return tp, missed, extra
}

// TestPassagesPrecisionRecall runs the extractor over every passage and
// reports precision and recall of (platform, quote) pairs; both must be at
// least 0.8, the bar the issue sets on real articles.
func TestPassagesPrecisionRecall(t *testing.T) {
	for _, file := range []string{"testdata/passages.txt", "testdata/heldout.txt", "testdata/heldout2.txt", "testdata/heldout3.txt", "testdata/heldout4.txt", "testdata/heldout5.txt", "testdata/heldout6.txt", "testdata/heldout7.txt", "testdata/heldout8.txt", "testdata/heldout9.txt", "testdata/heldout10.txt"} {
		t.Run(strings.TrimSuffix(strings.TrimPrefix(file, "testdata/"), ".txt"), func(t *testing.T) {
			if _, err := os.Stat(file); err != nil {
				t.Skip(file, "absent")
			}
			ps := readPassages(t, file)
			var tp, fp, fn, wanted int
			for _, p := range ps {
				got := Extract(p.text)
				n, missed, extra := score(got, p.want)
				tp += n
				fn += len(missed)
				fp += len(extra)
				wanted += len(p.want)
				for _, m := range missed {
					t.Logf("%s (%s): missed %s %q%s", p.name, p.genre, m.platform, m.quote, why(got, m))
				}
				for _, e := range extra {
					t.Logf("%s (%s): extra %s %q (by %q, %s)", p.name, p.genre, e.Platform, e.Text, e.Attribution, e.How)
				}
			}
			precision, recall := ratio(tp, tp+fp), ratio(tp, tp+fn)
			t.Logf("%d passages, %d posts wanted: precision %.3f (%d/%d), recall %.3f (%d/%d)", len(ps), wanted, precision, tp, tp+fp, recall, tp, tp+fn)
			if strings.HasSuffix(file, "passages.txt") && len(ps) < 20 {
				t.Errorf("%d passages, want at least 20", len(ps))
			}
			if precision < 0.8 || recall < 0.8 {
				t.Errorf("precision %.3f, recall %.3f: want both at least 0.8", precision, recall)
			}
		})
	}
}

// why says what the extractor made of a missed quote.
func why(got []Quote, m pair) string {
	for _, g := range got {
		if strings.Contains(fold(g.Text), fold(m.quote)) || strings.Contains(fold(m.quote), fold(g.Text)) && g.Text != "" {
			if g.Post() {
				return " (found as " + string(g.Platform) + " " + strconvQuote(g.Text) + ")"
			}
			return " (skipped: " + g.Skip + "; by " + strconvQuote(g.Attribution) + ", " + g.How + ")"
		}
	}
	return " (no such quotation found)"
}

func strconvQuote(s string) string { return "\"" + s + "\"" }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
