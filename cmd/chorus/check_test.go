package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus/store/redis/redistest"
)

// TestCheckAndDLQCommands: chorus check exits 0 on an event whose tallies
// agree, 1 naming a drift planted behind its back, and 0 again after
// --repair; chorus dlq lists (none) and refuses a bad id.
func TestCheckAndDLQCommands(t *testing.T) {
	redistest.Flush(t, redisURL)
	dir := t.TempDir()
	writePosts(t, filepath.Join(dir, "posts.ndjson"))
	env := []string{"CHORUS_REDIS_URL=" + redisURL, "CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	if r := chorusCmd(t, dir, "", env, "import", "--event", "e1", "--event-shards", "2", "posts.ndjson"); r.code != 2 {
		t.Fatalf("import: exit %d\n%s", r.code, r.stderr)
	}
	if r := chorusCmd(t, dir, "", env, "check", "--event", "e1"); r.code != 0 || !strings.Contains(r.stdout, `"posts":2000`) {
		t.Fatalf("check of a clean event: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	opts, _ := goredis.ParseURL(redisURL)
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	rdb.HIncrBy(context.Background(), "chorus:{e1:1}:c", "l|negative", 7)
	r := chorusCmd(t, dir, "", env, "check", "--event", "e1")
	if r.code != 1 || !strings.Contains(r.stderr, "by_label.negative (shard 1): stored") {
		t.Errorf("check with a drift: exit %d, stderr:\n%s; want 1 naming by_label.negative of shard 1", r.code, r.stderr)
	}
	if r := chorusCmd(t, dir, "", env, "check", "--event", "e1", "--repair"); r.code != 0 || !strings.Contains(r.stdout, `"repaired":true`) {
		t.Errorf("check --repair: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := chorusCmd(t, dir, "", env, "check", "--event", "e1"); r.code != 0 {
		t.Errorf("check after repair: exit %d\n%s", r.code, r.stderr)
	}
	if r := chorusCmd(t, dir, "", env, "dlq", "list", "--event", "e1"); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "0 dead letters") {
		t.Errorf("dlq list: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := chorusCmd(t, dir, "", env, "dlq", "retry", "--event", "e1", "--id", "bogus"); r.code != 2 {
		t.Errorf("dlq retry of a bad id: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
	// An unknown event is bad input (exit 2, as for chorus report), and
	// says where the events are listed.
	for _, args := range [][]string{{"check", "--event", "nope"}, {"dlq", "list", "--event", "nope"}} {
		if r := chorusCmd(t, dir, "", env, args...); r.code != 2 || !strings.Contains(r.stderr, "event nope not found (chorus event list") {
			t.Errorf("%s of an unknown event: exit %d, stderr %q; want 2 naming it", args[0], r.code, r.stderr)
		}
	}
}
