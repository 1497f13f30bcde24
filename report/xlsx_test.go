package report_test

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/chorus-news/chorus/internal/golden"
	"github.com/chorus-news/chorus/report"
)

func TestXLSX(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		filled(t, s)
		b := write(t, s, report.XLSX)
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("excelize cannot open the report: %v", err)
		}
		defer f.Close()
		if got, want := f.GetSheetList(), []string{"Summary", "Timeline", "Posts"}; !slices.Equal(got, want) {
			t.Fatalf("sheets %v, want %v", got, want)
		}
		posts, _ := fixture()
		rows, err := f.GetRows("Posts")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(posts)+1 {
			t.Fatalf("Posts sheet has %d rows, want a header and %d posts", len(rows), len(posts))
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		byID := map[string][]string{}
		for _, r := range rows[1:] {
			byID[r[col["id"]]] = r
		}
		cell := func(id, c string) string {
			r := byID[id]
			if col[c] >= len(r) {
				return ""
			}
			return r[col[c]]
		}
		checks := []struct{ name, got, want string }{
			{"hostile text is the text", cell("1818700000000000002", "text"), hostile},
			{"formula handle is the text", cell("1818700000000000002", "author_handle"), "=cmd|' /C calc'!A0"},
			{"chinese", cell("5063000000000001", "text"), "这是真正的奥林匹克精神！韩国和朝鲜选手一起自拍 [心]"},
			{"date cell", cell("5063000000000001", "created_at"), "2024-07-31 19:50:00"},
			{"score", cell("1818700000000000002", "score"), "-0.6200"},
			{"corrected", cell("5063000000000003", "corrected"), "TRUE"},
			{"likes", cell("5063000000000001", "likes"), "900"},
			{"newest first", rows[1][col["id"]], "5063000000000004"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
			}
		}
		// Not one formula in the workbook: read back through excelize and
		// in the sheet XML itself.
		for _, sheet := range f.GetSheetList() {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for r, row := range rows {
				for c := range row {
					ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
					if fm, err := f.GetCellFormula(sheet, ref); err != nil || fm != "" {
						t.Errorf("%s!%s has formula %q (%v)", sheet, ref, fm, err)
					}
				}
			}
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			rc.Close()
			files[zf.Name] = string(data)
			if strings.HasPrefix(zf.Name, "xl/worksheets/") && (strings.Contains(string(data), "<f>") || strings.Contains(string(data), "<f ")) {
				t.Errorf("%s has a formula element", zf.Name)
			}
		}
		if _, ok := files["xl/charts/chart1.xml"]; !ok {
			t.Error("no chart in the workbook")
		} else if !strings.Contains(files["xl/charts/chart1.xml"], "Timeline!$B$2:$B$127") {
			t.Error("the chart does not plot the Timeline sheet's positive column")
		}
		posts3 := files["xl/worksheets/sheet3.xml"]
		if !strings.Contains(posts3, `<autoFilter ref="$A$1:$W$10"`) {
			t.Error("Posts sheet has no filter over its rows")
		}
		if p, err := f.GetPanes("Posts"); err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("Posts header not frozen: %+v %v", p, err)
		}
		summary, _ := f.GetRows("Summary")
		found := map[string]string{}
		for _, r := range summary {
			if len(r) >= 2 {
				found[r[0]] = r[1]
			}
		}
		for k, want := range map[string]string{"Posts": "9", "Labels corrected by hand": "1", "Reposts folded": "3", "Unscored posts": "1", "en-linear/2": "4", "zh-linear/2": "4", "X": "5", "Weibo": "4", "ja": "1"} {
			if found[k] != want {
				t.Errorf("Summary %q = %q, want %q", k, found[k], want)
			}
		}
		golden.Check(t, "testdata/report.xlsx", b)
	})
}
