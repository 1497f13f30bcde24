package report

import (
	"io"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/goregular"
)

// FuzzPDFText writes any text through the PDF's mixed-font writer: it must
// never panic (fpdf indexes glyph widths by rune) nor fail the document.
func FuzzPDFText(f *testing.F) {
	for _, s := range []string{"这是真正的奥林匹克精神！", "emoji 🎉 \x00\x07\r\n\t", "مرحبا", "한국어 かな ｶﾅ", "a\u0301\u200d\ufeff", "\xff\xfe bad utf-8",
		"https://example.com/" + string(make([]byte, 300))} {
		f.Add(s)
	}
	fs, err := fonts()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		d := &pdfDoc{f: fpdf.New("P", "mm", "A4", ""), fs: fs}
		d.f.AddUTF8FontFromBytes("go", "", goregular.TTF)
		d.f.AddUTF8FontFromBytes("cjk", "", fs.cjk)
		d.f.AddPage()
		d.font("", 10)
		d.line(5, text)
		d.line(5, cut(text, 10))
		if err := d.f.Output(io.Discard); err != nil {
			t.Fatalf("text %q: %v", text, err)
		}
	})
}
