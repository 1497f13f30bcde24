package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

func readTestdata(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportArticle: the seed article imported as a file gives its five
// posts, counted once however often it is imported, on both stores.
func TestImportArticle(t *testing.T) {
	seed := readTestdata(t, "../../collector/article/testdata/seed-scmp.txt")
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "story.txt"), seed, 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
			if store == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			r := chorusCmd(t, dir, "", env, "import", "--event", "selfie", "story.txt") // a .txt that is no other format is an article
			if r.code != 0 || r.lastLine() != `{"read":5,"accepted":5,"duplicates":0,"rejected":0}` {
				t.Fatalf("exit %d, summary %s; stderr:\n%s", r.code, r.lastLine(), r.stderr)
			}
			if !strings.Contains(r.stderr, "story.txt: 5 posts from 7 quotations (2 skipped); the article states no date: posts dated at import time") {
				t.Errorf("stderr does not say the posts are dated at import time:\n%s", r.stderr)
			}
			again := chorusCmd(t, dir, "", env, "import", "--event", "selfie", "story.txt") // a .txt that is no other format is an article
			if again.code != 0 || again.lastLine() != `{"read":5,"accepted":0,"duplicates":5,"rejected":0}` {
				t.Errorf("re-import: exit %d, summary %s", again.code, again.lastLine())
			}
			sum := storeSummary(t, store, env, "selfie")
			if sum.Total != 5 || sum.ByPlatform[chorus.X].Total != 3 || sum.ByPlatform[chorus.Weibo].Total != 2 {
				t.Errorf("total %d (x %d, weibo %d), want 5 (3, 2)", sum.Total, sum.ByPlatform[chorus.X].Total, sum.ByPlatform[chorus.Weibo].Total)
			}
		})
	}
}

// TestImportArticleDryRun: --dry-run lists every quotation, found and
// skipped with the reason, and each post line says where it is quoted.
func TestImportArticleDryRun(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	seed := string(readTestdata(t, "../../collector/article/testdata/seed-scmp.txt"))
	r := chorusCmd(t, dir, seed, env, "import", "--event", "selfie", "--format", "article", "--dry-run", "-")
	if r.code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		`stdin: skipped       [124,146) "most significant photo": a phrase quoted inside a paraphrase, not a post's words`,
		`stdin: found   x     [1011,1028) "a historic moment" by "an X user" (before the quote)`,
		`stdin: found   weibo [1643,1738) "Turns out the only time North and South Korea share a stage is being directed by a Chinese girl" by "another Weibo user"`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 {
		t.Fatalf("stdout has %d lines, want 5 posts and the summary:\n%s", len(lines), r.stdout)
	}
	var p struct {
		chorus.Post
		Article struct {
			Attribution string `json:"attribution"`
			Start, End  int
			Dated       string `json:"dated"`
		} `json:"article"`
	}
	if err := json.Unmarshal([]byte(lines[3]), &p); err != nil {
		t.Fatal(err)
	}
	if p.Platform != chorus.Weibo || p.Source != "article:stdin" || p.Author.Name != "one Weibo user" || p.Sentiment == nil ||
		p.Article.Start != 1564 || p.Article.End != 1618 || p.Article.Dated != "import time" {
		t.Errorf("fourth post = %+v", p)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("dry run created the data dir (err %v)", err)
	}
}

// TestImportArticleURL: an article fetched over HTTP, an HTML file under
// --format auto, and the errors a user sees for a bad URL.
func TestImportArticleURL(t *testing.T) {
	page := readTestdata(t, "../../collector/article/testdata/seed-scmp.html")
	mux := http.NewServeMux()
	mux.HandleFunc("/story", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}

	r := chorusCmd(t, dir, "", env, "import", "--event", "selfie", "--dry-run", srv.URL+"/story")
	if r.code != 0 || r.lastLine() != `{"read":5,"accepted":5,"duplicates":0,"rejected":0}` {
		t.Fatalf("exit %d, summary %s; stderr:\n%s", r.code, r.lastLine(), r.stderr)
	}
	var p chorus.Post
	json.Unmarshal([]byte(strings.SplitN(r.stdout, "\n", 2)[0]), &p)
	if p.Source != "article:"+srv.URL+"/story" || p.CreatedAt.Format("2006-01-02T15:04") != "2024-08-01T01:15" {
		t.Errorf("first post source %q created_at %v, want the URL and the page's date", p.Source, p.CreatedAt)
	}

	// The same page saved as a file, imported with --format auto, with an
	// ndjson file beside it: the posts are the same ones.
	os.WriteFile(filepath.Join(dir, "story.html"), page, 0o644)
	os.WriteFile(filepath.Join(dir, "more.ndjson"), []byte(`{"platform":"x","id":"1","text":"hello","created_at":"2024-08-01T00:00:00Z"}`+"\n"), 0o644)
	r = chorusCmd(t, dir, "", env, "import", "--event", "selfie", "story.html", "more.ndjson")
	if r.code != 0 || r.lastLine() != `{"read":6,"accepted":6,"duplicates":0,"rejected":0}` {
		t.Fatalf("file import: exit %d, summary %s; stderr:\n%s", r.code, r.lastLine(), r.stderr)
	}
	r = chorusCmd(t, dir, "", env, "import", "--event", "selfie", srv.URL+"/story")
	if r.code != 0 || r.lastLine() != `{"read":5,"accepted":0,"duplicates":5,"rejected":0}` {
		t.Errorf("URL after file: exit %d, summary %s, want all duplicates", r.code, r.lastLine())
	}

	for _, tc := range []struct {
		url, want string
		code      int
	}{
		{srv.URL + "/missing", "HTTP 404 Not Found", 1},
		{"http://127.0.0.1:1/story", "connection refused", 1},
		{"https://", "not an http or https URL", 2},
	} {
		r := chorusCmd(t, dir, "", env, "import", "--event", "selfie", "--fetch-timeout", "5s", tc.url)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, tc.url) {
			t.Errorf("import %s: exit %d, stderr %q; want %d naming the URL and %q", tc.url, r.code, r.stderr, tc.code, tc.want)
		}
	}
}
