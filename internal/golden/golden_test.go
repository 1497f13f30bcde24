package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder keeps what Check reports instead of failing the test.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Errorf(format string, a ...any) { r.msgs = append(r.msgs, format) }
func (r *recorder) Fatalf(format string, a ...any) { r.msgs = append(r.msgs, format) }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.golden")
	os.WriteFile(path, []byte("one\ntwo\n"), 0o644)
	for _, tc := range []struct {
		name, got, want string
	}{
		{"same", "one\ntwo\n", ""},
		{"text differs", "one\nTWO\n", "differs at line"},
		{"binary differs", "one\x00two\n", "from byte"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &recorder{TB: t}
			Check(r, path, []byte(tc.got))
			if got := strings.Join(r.msgs, "|"); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("reports %q, want one saying %q", got, tc.want)
			}
		})
	}
	r := &recorder{TB: t}
	Check(r, filepath.Join(dir, "missing.golden"), []byte("x"))
	if len(r.msgs) != 1 || !strings.Contains(r.msgs[0], "-update to create it") {
		t.Errorf("missing file reports %q", r.msgs)
	}
}
