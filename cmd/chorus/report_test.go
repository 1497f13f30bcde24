package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus/report"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// writeReportPosts writes n posts in English and Chinese on both
// platforms, some with formula-looking text.
func writeReportPosts(t *testing.T, path string, n int) {
	t.Helper()
	var b strings.Builder
	base := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	texts := []string{"What a wonderful moment, I love it", "=HYPERLINK(\"http://evil.example\",\"x\") awful", "这是真正的奥林匹克精神！", "<script>alert(1)</script> watching"}
	for i := range n {
		pl := "x"
		if i%2 == 1 {
			pl = "weibo"
		}
		fmt.Fprintf(&b, `{"platform":%q,"id":"%d","text":%q,"created_at":%q,"author":{"handle":"u%d","name":"用户%d"},"metrics":{"likes":%d}}`+"\n",
			pl, 5000+i, texts[i%len(texts)], base.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i, i, i%13)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestReportMatchesExport runs `chorus report` and GET …/export on the
// same stored data and wants the same bytes, for every format, on both
// stores.
func TestReportMatchesExport(t *testing.T) {
	const n = 1500 // two store pages
	for _, kind := range []string{"embedded", "redis"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			writeReportPosts(t, filepath.Join(dir, "posts.ndjson"), n)
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
			if kind == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			if r := chorusCmd(t, dir, "", env, "import", "--event", "rep", "posts.ndjson"); r.code != 0 {
				t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
			}
			cli := map[report.Format][]byte{}
			for _, f := range report.Formats {
				// stdout, and -o with the format taken from the extension
				r := chorusCmd(t, dir, "", env, "report", "--event", "rep", "--format", string(f))
				if r.code != 0 {
					t.Fatalf("report --format %s: exit %d\n%s", f, r.code, r.stderr)
				}
				out := filepath.Join(dir, "rep."+string(f))
				if r := chorusCmd(t, dir, "", env, "report", "--event", "rep", "-o", out); r.code != 0 {
					t.Fatalf("report -o %s: exit %d\n%s", out, r.code, r.stderr)
				}
				file, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(file, []byte(r.stdout)) {
					t.Errorf("%s: -o file (%d bytes) differs from stdout (%d bytes)", f, len(file), len(r.stdout))
				}
				cli[f] = file
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(cli[report.CSV], []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatalf("CSV does not parse: %v", err)
			}
			if len(rows) != n+1 {
				t.Errorf("CSV has %d rows, want %d posts and a header", len(rows)-1, n)
			}
			base, stop := serve(t, dir, env)
			for _, f := range report.Formats {
				resp, body := get(t, base+"/api/v1/events/rep/export?format="+string(f))
				if resp.StatusCode != 200 {
					t.Fatalf("export %s: %d %s", f, resp.StatusCode, body)
				}
				if !bytes.Equal(body, cli[f]) {
					t.Errorf("%s: export route gave %d bytes, chorus report %d: not the same bytes (first difference at %d)", f, len(body), len(cli[f]), diffAt(body, cli[f]))
				}
			}
			r := chorusCmd(t, dir, "", append(env, "CHORUS_ADDR=127.0.0.1:1"), "report", "--event", "rep", "--format", "csv")
			switch kind {
			case "redis":
				// With Redis, the command runs beside the server.
				if r.code != 0 || r.stdout != string(cli[report.CSV]) {
					t.Errorf("chorus report beside a running serve: exit %d, %d bytes, want 0 and the same bytes\n%s", r.code, len(r.stdout), r.stderr)
				}
			case "embedded":
				// serve holds the data dir: the command asks it, at the
				// address given, and says so; at a wrong one it says
				// where to ask.
				addr := strings.TrimPrefix(base, "http://")
				r := chorusCmd(t, dir, "", append(env, "CHORUS_ADDR="+addr), "report", "--event", "rep", "--format", "csv")
				if r.code != 0 || r.stdout != string(cli[report.CSV]) || !strings.Contains(r.stderr, "came from http://"+addr) {
					t.Errorf("chorus report while serve holds the data dir: exit %d, %d bytes, stderr %q; want 0, the same bytes, and where they came from", r.code, len(r.stdout), r.stderr)
				}
				out := filepath.Join(dir, "via-serve.pdf")
				if r := chorusCmd(t, dir, "", env, "report", "--addr", addr, "--event", "rep", "-o", out); r.code != 0 {
					t.Errorf("report -o via serve: exit %d\n%s", r.code, r.stderr)
				} else if b, _ := os.ReadFile(out); !bytes.Equal(b, cli[report.PDF]) {
					t.Errorf("PDF via serve differs from chorus report's")
				}
				r = chorusCmd(t, dir, "", append(env, "CHORUS_ADDR=127.0.0.1:1"), "report", "--event", "rep", "--format", "csv")
				if r.code != 2 || !strings.Contains(r.stderr, "in use by") || !strings.Contains(r.stderr, "--addr") {
					t.Errorf("chorus report with serve elsewhere: exit %d, stderr %q; want 2, the lock and --addr", r.code, r.stderr)
				}
			}
			stop()
		})
	}
}

func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestReportUsage(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no event", []string{"report", "--format", "csv"}, 2, "--event is required"},
		{"bad format", []string{"report", "--event", "e", "--format", "docx"}, 2, `format: "docx"`},
		{"bad bucket", []string{"report", "--event", "e", "--bucket", "2h"}, 2, "--bucket"},
		{"bad event id", []string{"report", "--event", "a/b"}, 2, "--event"},
		{"unknown event", []string{"report", "--event", "nope"}, 2, "event nope not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := chorusCmd(t, dir, "", env, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tc.code, tc.msg)
			}
		})
	}
	out := filepath.Join(dir, "nope.csv")
	chorusCmd(t, dir, "", env, "report", "--event", "nope", "-o", out)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed report left %s behind: %v", out, err)
	}
}
