package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEmbeddedSurvivesSIGKILL kills chorus import, and then chorus serve
// in the middle of a push, with SIGKILL, on the embedded store: the file
// opens again, a rerun converges to exact totals, and chorus check finds
// every tally in agreement with the stored posts.
func TestEmbeddedSurvivesSIGKILL(t *testing.T) {
	t.Run("import", func(t *testing.T) {
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		env := []string{"CHORUS_DATA_DIR=" + data}
		const n = 40_000
		var b strings.Builder
		at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
		for i := range n {
			fmt.Fprintf(&b, `{"platform":%q,"id":"%d","text":"what a moment, I love it %d","created_at":%q}`+"\n",
				[]string{"x", "weibo"}[i%2], 1818700000000000000+i, i%97, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
		}
		if err := os.WriteFile(filepath.Join(dir, "posts.ndjson"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "import", "--event", "big", "--workers", "1", "posts.ndjson")
		cmd.Dir = dir
		cmd.Env = append(cleanEnv(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if fi, err := os.Stat(filepath.Join(data, "chorus.db")); err == nil && fi.Size() > 0 {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		r := chorusCmd(t, dir, "", env, "import", "--event", "big", "posts.ndjson")
		if r.code != 0 {
			t.Fatalf("rerun: exit %d\n%s", r.code, r.stderr)
		}
		var accepted, dups int
		fmt.Sscanf(strings.ReplaceAll(r.lastLine(), ",", " "), `{"read":%d "accepted":%d "duplicates":%d`, new(int), &accepted, &dups)
		t.Logf("killed with %d of %d posts stored; the rerun added %d", dups, n, accepted)
		if accepted+dups != n {
			t.Errorf("rerun summary %s: accepted + duplicates = %d, want %d", r.lastLine(), accepted+dups, n)
		}
		if sum := storeSummary(t, "embedded", env, "big"); sum.Total != n {
			t.Errorf("total after the rerun = %d, want %d", sum.Total, n)
		}
		if r := chorusCmd(t, dir, "", env, "check", "--event", "big"); r.code != 0 || !strings.Contains(r.stdout, `"posts":40000,"drifts":[]`) {
			t.Errorf("check after the kill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("serve", func(t *testing.T) {
		dir := t.TempDir()
		env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
		var bodies [][]byte
		at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
		const n, batch = 12_000, 500
		for k := 0; k < n; k += batch {
			var b bytes.Buffer
			for i := k; i < k+batch; i++ {
				fmt.Fprintf(&b, `{"platform":"x","id":"%d","text":"this is awful %d","created_at":%q}`+"\n", i, i%13, at.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
			}
			bodies = append(bodies, b.Bytes())
		}
		push := func(base string, body []byte) error {
			req, _ := http.NewRequest("POST", base+"/api/v1/events/pushed/posts", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/x-ndjson")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
			return nil
		}
		base, _ := serve(t, dir, env)
		http.Post(base+"/api/v1/events", "application/json", strings.NewReader(`{"id":"pushed","title":"pushed"}`))
		// The server is killed while a client pushes.
		pushed, started := make(chan int, 1), make(chan struct{})
		go func() {
			k := 0
			for ; k < len(bodies); k++ {
				if k == 4 {
					close(started)
				}
				if push(base, bodies[k]) != nil {
					break
				}
			}
			pushed <- k
		}()
		<-started
		time.Sleep(30 * time.Millisecond)
		killServe(t, base)
		t.Logf("serve killed after %d of %d batches", <-pushed, len(bodies))
		// Restarted, it takes every batch again (the client resends all).
		base, stop := serve(t, dir, env)
		for _, body := range bodies {
			if err := push(base, body); err != nil {
				t.Fatal(err)
			}
		}
		getSummary(t, base, "pushed")
		stop()
		if sum := storeSummary(t, "embedded", env, "pushed"); sum.Total != n || sum.ByLabel.Negative+sum.ByLabel.Positive+sum.ByLabel.Neutral+sum.ByLabel.Unscored != n {
			t.Errorf("total after the kill and resend = %d (%+v), want %d", sum.Total, sum.ByLabel, n)
		}
		if r := chorusCmd(t, dir, "", env, "check", "--event", "pushed"); r.code != 0 {
			t.Errorf("check after the kill: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}
