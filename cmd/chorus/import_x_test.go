package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// twarc2 files, raw and flattened, and an account archive import through
// --format auto into both stores: retweets fold into reach, the flattened
// copy of the raw pages adds nothing, every language is kept as its own.
func TestImportXFiles(t *testing.T) {
	td, err := filepath.Abs("../../collector/x/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
			if store == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			r := chorusCmd(t, dir, "", env, "import", "--event", "tt", filepath.Join(td, "twarc2-raw.jsonl"))
			if got, want := r.lastLine(), `{"read":12,"accepted":12,"duplicates":0,"rejected":0}`; got != want || r.code != 0 {
				t.Errorf("raw pages: exit %d, summary %s, want %s; stderr:\n%s", r.code, got, want, r.stderr)
			}
			r = chorusCmd(t, dir, "", env, "import", "--event", "tt", filepath.Join(td, "twarc2-flat.jsonl"))
			if got, want := r.lastLine(), `{"read":12,"accepted":0,"duplicates":12,"rejected":0}`; got != want {
				t.Errorf("flattened copy: summary %s, want %s; stderr:\n%s", got, want, r.stderr)
			}
			sum := storeSummary(t, store, env, "tt")
			if sum.Total != 9 || sum.Reposts != 3 {
				t.Errorf("total %d, reposts folded %d; want 9 posts and 3 retweets folded", sum.Total, sum.Reposts)
			}
			for _, l := range []string{"ja", "zh", "es"} {
				if sum.ByLang[l] != 1 {
					t.Errorf("by_lang[%s] = %d, want 1 (by_lang %v)", l, sum.ByLang[l], sum.ByLang)
				}
			}

			r = chorusCmd(t, dir, "", env, "import", "--event", "stream", filepath.Join(td, "twarc2-stream-cut.jsonl"))
			if got, want := r.lastLine(), `{"read":7,"accepted":5,"duplicates":1,"rejected":1}`; got != want || r.code != 2 {
				t.Errorf("cut stream file: exit %d, summary %s, want exit 2 and %s; stderr:\n%s", r.code, got, want, r.stderr)
			}
			if !strings.Contains(r.stderr, "twarc2-stream-cut.jsonl:7: json: unexpected end of input") {
				t.Errorf("stderr does not name the cut line 7:\n%s", r.stderr)
			}
			if sum := storeSummary(t, store, env, "stream"); sum.Total != 4 || sum.Reposts != 1 || sum.ByLang["fr"] != 1 {
				t.Errorf("stream: total %d reposts %d by_lang %v, want 4, 1 and one fr", sum.Total, sum.Reposts, sum.ByLang)
			}

			// An archive: tweets.js with account.js beside it, and an older
			// tweet.js of bare objects, named explicitly.
			r = chorusCmd(t, dir, "", env, "import", "--event", "arch", filepath.Join(td, "archive", "tweets.js"))
			if got, want := r.lastLine(), `{"read":4,"accepted":4,"duplicates":0,"rejected":0}`; got != want {
				t.Errorf("archive: summary %s, want %s; stderr:\n%s", got, want, r.stderr)
			}
			r = chorusCmd(t, dir, "", env, "import", "--event", "arch", "--format", "x-archive", filepath.Join(td, "archive-old", "tweet.js"))
			if got, want := r.lastLine(), `{"read":2,"accepted":2,"duplicates":0,"rejected":0}`; got != want {
				t.Errorf("old archive: summary %s, want %s; stderr:\n%s", got, want, r.stderr)
			}
			if sum := storeSummary(t, store, env, "arch"); sum.Total != 5 || sum.Reposts != 1 {
				t.Errorf("archives: total %d reposts %d, want 5 and 1", sum.Total, sum.Reposts)
			}
		})
	}
}

// --dry-run prints the canonical posts of a twarc2 file, repost records
// with repost_of.
func TestImportXDryRun(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../collector/x/testdata/twarc2-raw.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	r := chorusCmd(t, dir, string(data), []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}, "import", "--event", "tt", "--dry-run", "-")
	if r.code != 0 || !strings.Contains(r.stdout, `"repost_of":"1818700000000000010"`) || !strings.Contains(r.stdout, `"source":"twarc2"`) {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	_ = chorus.X
}

// A twarc2 hydrate file whose first page holds only errors (every post of
// the batch deleted) is still told as twarc2 by --format auto: the pages
// after it import, and the errors page is no bad line.
func TestImportTwarc2ErrorsFirst(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../../collector/x/testdata/twarc2-raw.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "hydrated.jsonl")
	errorsOnly := `{"errors":[{"value":"1819312176691675136","detail":"Could not find tweet with ids: [1819312176691675136].","title":"Not Found Error","resource_type":"tweet","parameter":"ids","resource_id":"1819312176691675136","type":"https://api.twitter.com/2/problems/resource-not-found"}],"__twarc":{"url":"https://api.twitter.com/2/tweets?ids=1819312176691675136","version":"2.14.0","retrieved_at":"2024-08-01T09:12:45+00:00"}}` + "\n"
	if err := os.WriteFile(name, append([]byte(errorsOnly), raw...), 0o644); err != nil {
		t.Fatal(err)
	}
	r := chorusCmd(t, dir, "", []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}, "import", "--event", "tt", name)
	if got, want := r.lastLine(), `{"read":12,"accepted":12,"duplicates":0,"rejected":0}`; got != want || r.code != 0 {
		t.Errorf("exit %d, summary %s, want %s; stderr:\n%s", r.code, got, want, r.stderr)
	}
}
