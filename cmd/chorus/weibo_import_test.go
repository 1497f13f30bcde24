package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus/store/redis/redistest"
)

// TestImportWeiboFiles imports the Weibo fixtures of collector/weibo as a
// user would, with --format auto, into both stores: every file imports,
// the counts match the files' posts, plain reposts fold into reach.
func TestImportWeiboFiles(t *testing.T) {
	fixtures := filepath.Join("..", "..", "collector", "weibo", "testdata")
	for _, tc := range []struct {
		file, summary string
		total, folded int64
	}{
		// 6 post cards and the original two reposts carry; two reposts
		// with no words of their own fold.
		{"mobile_search.json", `{"read":6,"accepted":6,"duplicates":0,"rejected":0}`, 4, 2},
		{"api_statuses.json", `{"read":2,"accepted":2,"duplicates":0,"rejected":0}`, 2, 0},
		{"api_comments.json", `{"read":3,"accepted":3,"duplicates":0,"rejected":0}`, 3, 0},
		{"weibo/体育迷小张/7700000003.csv", `{"read":4,"accepted":4,"duplicates":0,"rejected":0}`, 3, 1},
		{"crawler.json", `{"read":4,"accepted":4,"duplicates":0,"rejected":0}`, 3, 1},
		{"crawler_2019.csv", `{"read":2,"accepted":2,"duplicates":0,"rejected":0}`, 2, 0},
		{"search_new.csv", `{"read":3,"accepted":3,"duplicates":0,"rejected":0}`, 2, 1},
		{"search_old.csv", `{"read":2,"accepted":2,"duplicates":0,"rejected":0}`, 2, 0},
		{"search_gbk.csv", `{"read":3,"accepted":3,"duplicates":0,"rejected":0}`, 2, 1},
		{"mobile_timeline_real_shape.json", `{"read":3,"accepted":3,"duplicates":0,"rejected":0}`, 3, 0},
		{"detail_page.html", `{"read":1,"accepted":1,"duplicates":0,"rejected":0}`, 1, 0},
		{"weibo_com_ajax.json", `{"read":3,"accepted":3,"duplicates":0,"rejected":0}`, 2, 1},
		{"api_user_timeline.json", `{"read":4,"accepted":4,"duplicates":0,"rejected":0}`, 3, 1},
		{"weibospider.csv", `{"read":1,"accepted":1,"duplicates":0,"rejected":0}`, 1, 0},
	} {
		for _, store := range []string{"embedded", "redis"} {
			t.Run(store+"/"+tc.file, func(t *testing.T) {
				dir := t.TempDir()
				copyTree(t, fixtures, dir)
				env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
				if store == "redis" {
					redistest.Flush(t, redisURL)
					env = append(env, "CHORUS_REDIS_URL="+redisURL)
				}
				r := chorusCmd(t, dir, "", env, "import", "--event", "wb", tc.file)
				if r.code != 0 || r.lastLine() != tc.summary {
					t.Fatalf("exit %d, summary %s, want 0 and %s; stderr:\n%s", r.code, r.lastLine(), tc.summary, r.stderr)
				}
				sum := storeSummary(t, store, env, "wb")
				if sum.Total != tc.total || sum.Reposts != tc.folded {
					t.Errorf("store: %d posts, %d reposts folded; want %d and %d", sum.Total, sum.Reposts, tc.total, tc.folded)
				}
				if n := sum.ByLang["zh"]; n != tc.total {
					t.Errorf("zh posts %d, want %d (by_lang %v)", n, tc.total, sum.ByLang)
				}
				again := chorusCmd(t, dir, "", env, "import", "--event", "wb", tc.file)
				if !strings.Contains(again.lastLine(), `"accepted":0`) {
					t.Errorf("re-import: %s, want nothing accepted", again.lastLine())
				}
			})
		}
	}
}

func TestImportWeiboDryRunNamesBadRecords(t *testing.T) {
	dir := t.TempDir()
	page := `{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"id":"1","created_at":"someday","text":"x"}},` +
		`{"card_type":9,"mblog":{"id":"2","created_at":"刚刚","text":"<a href='/n/某人'>@某人</a> 好[心]"}}]}}`
	if err := os.WriteFile(filepath.Join(dir, "page.json"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	r := chorusCmd(t, dir, "", nil, "import", "--event", "wb", "--dry-run", "--format", "weibo-mobile", "page.json")
	if r.code != 2 || !strings.Contains(r.stderr, `page.json:1: data.cards[0].mblog.created_at: not a Weibo time: "someday"`) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"text":"@某人 好[心]"`) || !strings.Contains(r.stdout, `"source":"weibo-mobile"`) {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

// copyTree copies a fixture folder (the crawler's layout included).
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// --now reads a saved page's relative dates against when it was fetched,
// not the file's modification time (a fresh clone's checkout time).
func TestImportWeiboNow(t *testing.T) {
	dir := t.TempDir()
	page := `{"ok":1,"data":{"cardlistInfo":{"containerid":"1076035529945701","page":2},"cards":[` +
		`{"card_type":9,"mblog":{"id":"4387933362623405","created_at":"06-27","text":"一","user":{"id":5529945701,"screen_name":"甲"}}},` +
		`{"card_type":9,"mblog":{"id":"4394384827138748","created_at":"15小时前","text":"二","user":{"id":5529945701,"screen_name":"甲"}}},` +
		`{"card_type":9,"mblog":{"id":"4394384827138749","created_at":"昨天 20:15","text":"三","user":{"id":5529945701,"screen_name":"甲"}}}]}}`
	name := filepath.Join(dir, "page.json")
	if err := os.WriteFile(name, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	r := chorusCmd(t, dir, "", env, "import", "--event", "wb", "--dry-run", "--now", "2019-07-16T12:00:00+08:00", name)
	for _, want := range []string{`"created_at":"2019-06-26T16:00:00Z"`, `"created_at":"2019-07-15T13:00:00Z"`, `"created_at":"2019-07-15T12:15:00Z"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %s:\n%s\nstderr:\n%s", want, r.stdout, r.stderr)
		}
	}
	if r = chorusCmd(t, dir, "", env, "import", "--event", "wb", "--now", "yesterday", name); r.code != 2 || !strings.Contains(r.stderr, "--now: not RFC 3339") {
		t.Errorf("a bad --now: exit %d, stderr %s", r.code, r.stderr)
	}
}
