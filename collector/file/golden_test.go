package file

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/internal/golden"
)

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
			golden.Check(t, in+".golden", out.Bytes())
		})
	}
	if n < 4 {
		t.Errorf("found %d golden inputs in testdata, want at least 4", n)
	}
}
