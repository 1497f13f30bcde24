package report_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus/internal/golden"
	"github.com/chorus-news/chorus/report"
)

// pdfText extracts a PDF's text with poppler's pdftotext, a real parser
// that knows nothing of how the file was made. Missing, it fails the test
// with an install hint: make test installs it (scripts/deps).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext not found: install poppler-utils (apt-get install poppler-utils; make test does it through scripts/deps)")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext cannot read the report: %v\n%s", err, out)
	}
	return string(out)
}

func TestPDF(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		filled(t, s)
		b := write(t, s, report.PDF)
		if !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Fatalf("not a PDF: %q", b[:min(len(b), 16)])
		}
		got := pdfText(t, b)
		// pdftotext may break lines differently from the page; compare
		// without white space.
		flat := strings.Join(strings.Fields(got), "")
		posts, _ := fixture()
		for _, p := range posts {
			want := strings.Join(strings.Fields(p.Text), "")
			if !strings.Contains(flat, want) {
				t.Errorf("the PDF's text lacks post %s: %q", p.ID, p.Text)
			}
		}
		for _, want := range []string{
			"这是真正的奥林匹克精神！韩国和朝鲜选手一起自拍", "政治作秀而已", "体育小编", "素晴らしい瞬間でした",
			"Paris2024:thepodiumselfie<3", "62.5%", "5of8scored", "+0.38", "en-linear/2", "zh-linear/2",
			"Labelscorrectedbyhand:1", "notcountedasposts:3", "All9posts,newestfirst",
			"Mostengagingpositiveposts", "Mostengagingnegativeposts",
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("the PDF's text lacks %q", want)
			}
		}
		// Legible on a machine with no fonts: every font is embedded, with
		// a Unicode map.
		fonts := pdfFonts(t, b)
		if len(fonts) < 2 {
			t.Errorf("pdffonts lists %d fonts, want the Go and CJK fonts", len(fonts))
		}
		for _, f := range fonts {
			if f.emb != "yes" || f.uni != "yes" {
				t.Errorf("font %s: embedded %s, unicode map %s; want yes and yes", f.name, f.emb, f.uni)
			}
		}
		if again := write(t, s, report.PDF); !bytes.Equal(again, b) {
			t.Error("a second PDF of the same data differs")
		}
		golden.Check(t, "testdata/report.pdf", b)
	})
}

type pdfFont struct{ name, emb, uni string }

// pdfFonts lists a PDF's fonts with poppler's pdffonts.
func pdfFonts(t *testing.T, pdf []byte) []pdfFont {
	t.Helper()
	bin, err := exec.LookPath("pdffonts")
	if err != nil {
		t.Fatal("pdffonts not found: install poppler-utils (apt-get install poppler-utils; make test does it through scripts/deps)")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, out)
	}
	var fonts []pdfFont
	for _, line := range strings.Split(string(out), "\n")[2:] {
		f := strings.Fields(line)
		if len(f) < 7 {
			continue
		}
		// name, type (one or more words), encoding, emb, sub, uni, object, id
		n := len(f)
		fonts = append(fonts, pdfFont{name: f[0], emb: f[n-5], uni: f[n-3]})
	}
	return fonts
}
