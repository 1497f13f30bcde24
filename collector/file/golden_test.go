package file

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// checkGolden compares got with the file golden, or rewrites it with -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatalf("update %s: %v", golden, err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs at line %d (run go test -update and review the diff):\n got %s\nwant %s", golden, i+1, g, w)
				return
			}
		}
	}
}

// goldenRecord is how a record is written in a golden file.
type goldenRecord struct {
	Line  int          `json:"line"`
	Post  *chorus.Post `json:"post,omitempty"`
	Error string       `json:"error,omitempty"`
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/posts*")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, in := range inputs {
		if strings.HasSuffix(in, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(in), func(t *testing.T) {
			rc, err := Open(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			err = Read(rc, "auto", func(r Record) error {
				g := goldenRecord{Line: r.Line}
				if r.Err != nil {
					g.Error = r.Err.Error()
				} else {
					g.Post = &r.Post
				}
				return enc.Encode(g)
			})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			checkGolden(t, in+".golden", out.Bytes())
		})
	}
	if n < 4 {
		t.Errorf("found %d golden inputs in testdata, want at least 4", n)
	}
}
