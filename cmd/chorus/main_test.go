package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/internal/golden"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// bin is the chorus binary built for these tests; redisURL a throwaway
// redis-server's.
var bin, redisURL string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "chorus-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "chorus")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build chorus: %v\n%s", err, out)
		return 1
	}
	srv, err := redistest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", err)
		return 1
	}
	defer srv.Stop()
	redisURL = srv.URL()
	return m.Run()
}

type result struct {
	code           int
	stdout, stderr string
}

// lastLine is the summary line of import.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

// chorusCmd runs the binary in dir with a clean Chorus environment plus env.
func chorusCmd(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run chorus %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CHORUS_") {
			env = append(env, kv)
		}
	}
	return env
}

// writePosts writes 2000 distinct posts, 100 repeats of earlier ones and
// three bad lines (bad JSON, unknown platform, no id) and returns how many
// of the distinct posts are on X.
func writePosts(t *testing.T, path string) (onX int) {
	t.Helper()
	var b strings.Builder
	base := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	line := func(i int) string {
		pl := "x"
		if i%3 == 0 {
			pl = "weibo"
		}
		text := []string{"What a wonderful moment, I love it", "This is a disgrace, awful", "Watching the final tonight", "合影太暖了[心]"}[i%4]
		return fmt.Sprintf(`{"platform":%q,"id":"%d","text":%q,"created_at":%q,"author":{"handle":"u%d"},"metrics":{"likes":%d}}`,
			pl, 1818700000000000000+i, text, base.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i, i%50)
	}
	for i := range 2000 {
		if i%3 != 0 {
			onX++
		}
		b.WriteString(line(i) + "\n")
		switch i {
		case 500:
			b.WriteString(`{"platform":"x","id":"broken",` + "\n")
		case 1000:
			b.WriteString(`{"platform":"myspace","id":"1","text":"hi","created_at":"2024-07-31T19:00:00Z"}` + "\n")
		case 1500:
			b.WriteString(`{"platform":"x","text":"no id","created_at":"2024-07-31T19:00:00Z"}` + "\n")
		}
		if i%20 == 19 {
			b.WriteString(line(i-10) + "\n") // 100 repeats
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return onX
}

func TestImportCountsExactlyOnce(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			onX := writePosts(t, filepath.Join(dir, "posts.ndjson"))
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
			if store == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			r := chorusCmd(t, dir, "", env, "import", "--event", "e1", "posts.ndjson")
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (records rejected); stderr:\n%s", r.code, r.stderr)
			}
			if got, want := r.lastLine(), `{"read":2103,"accepted":2000,"duplicates":100,"rejected":3}`; got != want {
				t.Errorf("summary = %s, want %s", got, want)
			}
			var bad []string
			for _, l := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(l, "posts.ndjson:") {
					bad = append(bad, l)
				}
			}
			golden.Check(t, "testdata/import_rejected.golden", []byte(strings.Join(bad, "\n")+"\n"))

			again := chorusCmd(t, dir, "", env, "import", "--event", "e1", "posts.ndjson")
			if got, want := again.lastLine(), `{"read":2103,"accepted":0,"duplicates":2100,"rejected":3}`; got != want {
				t.Errorf("re-import summary = %s, want %s", got, want)
			}
			sum := storeSummary(t, store, env, "e1")
			if sum.Total != 2000 || sum.ByPlatform[chorus.X].Total != int64(onX) || sum.ByPlatform[chorus.Weibo].Total != int64(2000-onX) {
				t.Errorf("summary total %d (x %d, weibo %d), want 2000 (x %d, weibo %d)",
					sum.Total, sum.ByPlatform[chorus.X].Total, sum.ByPlatform[chorus.Weibo].Total, onX, 2000-onX)
			}
			if l := sum.ByLabel; l.Positive+l.Neutral+l.Negative+l.Unscored != 2000 {
				t.Errorf("labels add up to %d, want 2000", l.Positive+l.Neutral+l.Negative+l.Unscored)
			}
		})
	}
}

// storeSummary opens the store the commands used, after they exited: for
// the embedded store this is also the restart test.
func storeSummary(t *testing.T, kind string, env []string, event string) chorus.Summary {
	t.Helper()
	ctx := context.Background()
	var sum chorus.Summary
	var err error
	switch kind {
	case "redis":
		s, oerr := redis.Open(ctx, redisURL, redis.Options{})
		if oerr != nil {
			t.Fatal(oerr)
		}
		defer s.Close()
		sum, err = s.Summary(ctx, event, "")
	default:
		dir := strings.TrimPrefix(env[0], "CHORUS_DATA_DIR=")
		s, oerr := embedded.Open(dir, embedded.Options{})
		if oerr != nil {
			t.Fatal(oerr)
		}
		defer s.Close()
		sum, err = s.Summary(ctx, event, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestImportInputs(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	csv := "\ufeffplatform,id,text,created_at,author_handle,likes\r\n" +
		"x,1,\"a quoted, multi-line\r\npost\",2024-07-31T19:00:00Z,amy,3\r\n" +
		"weibo,2,太暖了[心],2024-07-31T19:01:00Z,bo,\r\n" +
		"\r\n" +
		"x,3,bad time,yesterday,cy,1\r\n"
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("posts.csv", []byte(csv))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"platform":"x","id":"10","text":"gzipped","created_at":"2024-07-31T19:02:00Z"}` + "\n"))
	zw.Close()
	write("more.ndjson.gz", gz.Bytes())
	stdin := `{"platform":"weibo","id":"20","text":"从标准输入","created_at":"2024-07-31T19:03:00Z"}` + "\n"

	r := chorusCmd(t, dir, stdin, env, "import", "--event", "mixed", "posts.csv", "more.ndjson.gz", "-")
	if got, want := r.lastLine(), `{"read":5,"accepted":4,"duplicates":0,"rejected":1}`; got != want {
		t.Errorf("summary = %s, want %s; stderr:\n%s", got, want, r.stderr)
	}
	if !strings.Contains(r.stderr, `posts.csv:6: created_at: not RFC 3339: "yesterday"`) {
		t.Errorf("stderr does not name posts.csv:6 created_at:\n%s", r.stderr)
	}
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	if sum := storeSummary(t, "embedded", env, "mixed"); sum.Total != 4 {
		t.Errorf("total = %d, want 4", sum.Total)
	}
}

func TestImportDryRun(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	in := `{"platform":"x","id":"1","text":"I love this","created_at":"2024-07-31T19:00:00Z","event":"ignored"}` + "\n" +
		`{"platform":"x","id":"1","text":"I love this","created_at":"2024-07-31T19:00:00Z"}` + "\n"
	r := chorusCmd(t, dir, in, env, "import", "--event", "dry", "--dry-run", "-")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	var p chorus.Post
	if err := json.Unmarshal([]byte(lines[0]), &p); err != nil {
		t.Fatalf("first line is not a post: %v", err)
	}
	if p.Event != "dry" || p.Sentiment == nil || p.Lang != "en" {
		t.Errorf("dry-run post = %+v, want event dry, a sentiment, lang en", p)
	}
	if got, want := lines[1], `{"read":2,"accepted":1,"duplicates":1,"rejected":0}`; got != want {
		t.Errorf("summary = %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("dry run created the data dir (err %v)", err)
	}
}

func TestScore(t *testing.T) {
	in := `{"id":"a","text":"I love this, what a great day :)"}` + "\n" +
		`{"id":2,"text":"This is awful, I hate it"}` + "\n" +
		`not json` + "\n" +
		`{"id":"z","text":"合影太暖了[心]"}` + "\n" +
		`{"id":"k","text":"남북한 선수들이 함께 셀카를 찍었다"}` + "\n"
	r := chorusCmd(t, t.TempDir(), in, nil, "score")
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (a line was not JSON); stderr %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("got %d output lines, want 5:\n%s", len(lines), r.stdout)
	}
	type out struct {
		ID    any     `json:"id"`
		Label string  `json:"label"`
		Score float64 `json:"score"`
		Lang  string  `json:"lang"`
		Line  int     `json:"line"`
		Error string  `json:"error"`
	}
	var got []out
	for _, l := range lines {
		var o out
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("output %q is not JSON: %v", l, err)
		}
		got = append(got, o)
	}
	if got[0].ID != "a" || got[0].Label != "positive" || got[0].Lang != "en" || got[0].Score <= 0 {
		t.Errorf("line 1 = %+v, want a positive en post with a positive score", got[0])
	}
	if got[1].ID != float64(2) || got[1].Label != "negative" || got[1].Score >= 0 {
		t.Errorf("line 2 = %+v, want id 2 kept as a number, negative", got[1])
	}
	if got[2].Line != 3 || got[2].Error == "" {
		t.Errorf("line 3 = %+v, want {line:3, error:…}", got[2])
	}
	if got[3].ID != "z" || got[3].Lang != "zh" {
		t.Errorf("line 4 = %+v, want zh", got[3])
	}
	if got[4].Label != "unscored" || got[4].Lang != "ko" {
		t.Errorf("line 5 = %+v, want ko unscored", got[4])
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	tests := []struct {
		name   string
		args   []string
		env    []string
		code   int
		stderr string
	}{
		{"no command", nil, nil, 2, "Usage"},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"import without event", []string{"import", "x.ndjson"}, env, 2, "--event is required"},
		{"import bad event id", []string{"import", "--event", "a{b}", "x.ndjson"}, env, 2, "--event"},
		{"import without file", []string{"import", "--event", "e"}, env, 2, "no FILE"},
		{"import missing file", []string{"import", "--event", "e", "nope.ndjson"}, env, 1, "nope.ndjson"},
		{"import unknown format", []string{"import", "--event", "e", "--format", "myspace", "-"}, env, 2, `format: unknown format "myspace"`},
		{"serve off loopback without token", []string{"serve", "--addr", "0.0.0.0:0"}, env, 2, "CHORUS_TOKEN"},
		{"bad log level", []string{"event", "list", "--log-level", "loud"}, env, 2, "CHORUS_LOG_LEVEL"},
		{"event create without title", []string{"event", "create", "--id", "e"}, env, 2, "--title"},
		{"score bad lang", []string{"score", "--lang", "fr"}, nil, 2, "--lang"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := chorusCmd(t, dir, "", tc.env, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tc.code, tc.stderr)
			}
		})
	}
}

func TestEventCreateAndList(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	r := chorusCmd(t, dir, "", env, "event", "create", "--id", "paris", "--title", "Paris selfie", "--query-x", "selfie", "--start", "2024-07-31T00:00:00Z")
	if r.code != 0 || !strings.Contains(r.stdout, `"query_x":"selfie"`) {
		t.Fatalf("create: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	chorusCmd(t, dir, "", env, "event", "create", "--id", "other", "--title", "Other")
	r = chorusCmd(t, dir, "", env, "event", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 || !strings.Contains(lines[0], `"id":"paris"`) || !strings.Contains(lines[1], `"id":"other"`) {
		t.Errorf("list: exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

// servers maps a running serve's base URL to its process.
var servers sync.Map

// killServe kills the serve at base with SIGKILL, as a crash would.
func killServe(t *testing.T, base string) {
	t.Helper()
	v, ok := servers.Load(base)
	if !ok {
		t.Fatalf("no serve at %s", base)
	}
	v.(*exec.Cmd).Process.Kill()
	for range 500 { // gone once its port no longer answers
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return
		}
		resp.Body.Close()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("serve at %s still answers after SIGKILL", base)
}

// serve starts `chorus serve` and waits for /healthz.
func serve(t *testing.T, dir string, env []string, args ...string) (base string, stop func() string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() string {
		if !stopped {
			stopped = true
			cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Errorf("serve did not stop on SIGINT within 15s")
			}
		}
		return errb.String()
	}
	t.Cleanup(func() { stop() })
	base = "http://" + addr
	servers.Store(base, cmd)
	for range 200 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base, stop
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("serve did not answer /healthz; stderr:\n%s", stop())
	return "", nil
}

func getSummary(t *testing.T, base, event string) chorus.Summary {
	t.Helper()
	var sum chorus.Summary
	for range 100 { // the workers tally within moments
		resp, err := http.Get(base + "/api/v1/events/" + event + "/summary")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&sum)
		resp.Body.Close()
		if err == nil && sum.Total > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return sum
}

func TestServeDemoIsIdempotent(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	for round := range 2 {
		base, stop := serve(t, dir, env, "--demo")
		sum := getSummary(t, base, "paris-2024-podium-selfie")
		if sum.Total != 5 || sum.ByPlatform[chorus.X].Total != 3 || sum.ByPlatform[chorus.Weibo].Total != 2 {
			t.Errorf("round %d: demo summary total %d (x %d, weibo %d), want 5 (3, 2)", round, sum.Total, sum.ByPlatform[chorus.X].Total, sum.ByPlatform[chorus.Weibo].Total)
		}
		resp, err := http.Get(base + "/events/paris-2024-podium-selfie")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("event page: %v %v", err, resp)
		}
		var page bytes.Buffer
		page.ReadFrom(resp.Body)
		resp.Body.Close()
		for _, want := range []string{"Weibo", "once-in-a-century historic meeting", "true Olympic spirit"} {
			if !strings.Contains(page.String(), want) {
				t.Errorf("round %d: event page lacks %q", round, want)
			}
		}
		stop()
	}
}

func TestSecondProcessIsRefused(t *testing.T) {
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	base, stop := serve(t, dir, env, "--demo", "--token", "tok")
	r := chorusCmd(t, dir, `{"platform":"x","id":"1","text":"hi","created_at":"2024-07-31T19:00:00Z"}`, env, "import", "--event", "paris-2024-podium-selfie", "-")
	if r.code != 2 || !strings.Contains(r.stderr, "in use") || !strings.Contains(r.stderr, "pid") {
		t.Errorf("second process: exit %d, stderr %q; want 2 naming the holder", r.code, r.stderr)
	}
	if sum := getSummary(t, base, "paris-2024-podium-selfie"); sum.Total != 5 {
		t.Errorf("first process's data after the refusal: total %d, want 5", sum.Total)
	}
	// The token guards writes on the running server.
	req, _ := http.NewRequest("POST", base+"/api/v1/events/paris-2024-podium-selfie/posts", strings.NewReader("[]"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 401 {
		t.Errorf("write without token: %v %v, want 401", err, resp)
	}
	log := stop()
	if strings.Contains(log, "tok\"") || strings.Contains(log, "token=tok") {
		t.Errorf("the token reached the log:\n%s", log)
	}
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		if strings.Contains(sc.Text(), "level=ERROR") {
			t.Errorf("serve logged an error: %s", sc.Text())
		}
	}
}

// TestPushedPostsAreCountedOnReturn: a POST …/posts returns once the
// server's workers have tallied what it queued, so the next read sees it.
func TestPushedPostsAreCountedOnReturn(t *testing.T) {
	for _, store := range []string{"embedded", "redis"} {
		t.Run(store, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
			if store == "redis" {
				redistest.Flush(t, redisURL)
				env = append(env, "CHORUS_REDIS_URL="+redisURL)
			}
			base, _ := serve(t, dir, env, "--token", "tok")
			post := func(method, path, ctype, body string) string {
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Content-Type", ctype)
				req.Header.Set("Authorization", "Bearer tok")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var b bytes.Buffer
				b.ReadFrom(resp.Body)
				if resp.StatusCode/100 != 2 {
					t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, b.String())
				}
				return b.String()
			}
			post("POST", "/api/v1/events", "application/json", `{"id":"push","title":"Push"}`)
			var lines []string
			for i := range 300 {
				lines = append(lines, fmt.Sprintf(`{"platform":"weibo","id":"%d","text":"太暖了[心]","created_at":"2024-07-31T19:00:00Z"}`, i))
			}
			if got := post("POST", "/api/v1/events/push/posts", "application/x-ndjson", strings.Join(lines, "\n")); !strings.Contains(got, `"accepted":300`) {
				t.Fatalf("push = %s", got)
			}
			resp, err := http.Get(base + "/api/v1/events/push/summary")
			if err != nil {
				t.Fatal(err)
			}
			var sum chorus.Summary
			json.NewDecoder(resp.Body).Decode(&sum)
			resp.Body.Close()
			if sum.Total != 300 || sum.ByLang["zh"] != 300 {
				t.Errorf("summary right after the push: total %d (zh %d), want 300", sum.Total, sum.ByLang["zh"])
			}
		})
	}
}

// TestKilledWorkerLosesNothing kills a `chorus worker` with SIGKILL in the
// middle of its work on real Redis; a second worker takes over what the
// first held (after --claim-idle) and the counts come out exact.
func TestKilledWorkerLosesNothing(t *testing.T) {
	redistest.Flush(t, redisURL)
	ctx := context.Background()
	st, err := redis.Open(ctx, redisURL, redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.CreateEvent(ctx, chorus.Event{ID: "crash", Title: "crash"})
	const n = 60_000
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += 1000 {
		var batch []chorus.Post
		for j := i; j < i+1000; j++ {
			batch = append(batch, chorus.Post{Event: "crash", Platform: chorus.X, ID: fmt.Sprint(j), Text: "what a moment, I love it", CreatedAt: at.Add(time.Duration(j) * time.Second)})
		}
		if _, err := st.Submit(ctx, "crash", batch); err != nil {
			t.Fatal(err)
		}
	}
	env := append(cleanEnv(), "CHORUS_REDIS_URL="+redisURL)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--workers", "2", "--claim-idle", "1s")
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	total := func() int64 {
		sum, err := st.Summary(ctx, "crash", "")
		if err != nil {
			t.Fatal(err)
		}
		return sum.Total
	}
	first := start()
	deadline := time.Now().Add(30 * time.Second)
	for total() == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	first.Process.Kill() // SIGKILL: no clean shutdown, entries left pending
	first.Wait()
	killedAt := total()
	if killedAt == 0 || killedAt == n {
		t.Logf("the worker was killed at %d of %d tallied; the test is weaker than meant", killedAt, n)
	}
	second := start()
	defer func() { second.Process.Signal(os.Interrupt); second.Wait() }()
	deadline = time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		q, err := st.Queued(ctx, "crash")
		if err != nil {
			t.Fatal(err)
		}
		if q == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	sum, err := st.Summary(ctx, "crash", "")
	if err != nil {
		t.Fatal(err)
	}
	if l := sum.ByLabel; sum.Total != n || l.Positive+l.Neutral+l.Negative+l.Unscored != n {
		t.Errorf("after the kill at %d: total %d, labels %+v; want exactly %d", killedAt, sum.Total, sum.ByLabel, n)
	}
}
