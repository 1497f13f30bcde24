package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// pushClient posts batches as a careful client does: on 503 or 429 it
// waits what Retry-After says and sends the same batch again; every other
// answer but 200 is recorded as a failure.
type pushClient struct {
	base, token string
	statuses    sync.Map // status code → *atomic.Int64
	failures    atomic.Int64
	failed      sync.Map // first failures, for the message
}

func (c *pushClient) count(code int) {
	v, _ := c.statuses.LoadOrStore(code, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (c *pushClient) push(t *testing.T, event string, body []byte) {
	for attempt := 0; attempt < 200; attempt++ {
		req, _ := http.NewRequest("POST", c.base+"/api/v1/events/"+event+"/posts", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			c.failures.Add(1)
			c.failed.LoadOrStore(err.Error(), true)
			time.Sleep(200 * time.Millisecond)
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.count(resp.StatusCode)
		switch resp.StatusCode {
		case http.StatusOK:
			return
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || secs < 1 || !strings.Contains(string(b), `"error"`) {
				c.failures.Add(1)
				c.failed.LoadOrStore(fmt.Sprintf("%d without Retry-After or error body: %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), b), true)
				secs = 1
			}
			time.Sleep(time.Duration(secs) * time.Second)
		default:
			c.failures.Add(1)
			c.failed.LoadOrStore(fmt.Sprintf("%d %s", resp.StatusCode, b), true)
			return
		}
	}
	c.failures.Add(1)
	c.failed.LoadOrStore("gave up after 200 attempts", true)
}

// TestClusterOutage is the outage a newsroom meets, on a real three-master
// Redis Cluster with AOF and appendfsync always: chorus serve and two
// chorus workers, three events (one spread over three shards), clients
// pushing batches (a tenth of them twice) that retry on 503 and 429 as
// Retry-After says. Mid-push one worker is SIGKILLed and replaced, and the
// node holding an event is SIGKILLed and restarted. Every batch must be
// delivered, no answer but 200, 503 and 429, /healthz 503 while the node
// is down and 200 after without restarting anything, and every total
// exact; chorus check then finds every tally in agreement.
func TestClusterOutage(t *testing.T) {
	cluster := redistest.StartClusterWith(t, "--appendonly", "yes", "--appendfsync", "always")
	dir := t.TempDir()
	env := []string{"CHORUS_REDIS_URL=" + cluster.URL, "CHORUS_DATA_DIR=" + filepath.Join(dir, "data")}
	base, stopServe := serve(t, dir, env, "--token", "tok", "--workers", "1", "--claim-idle", "2s")
	startWorker := func() *exec.Cmd {
		cmd := exec.Command(bin, "worker", "--workers", "1", "--claim-idle", "2s")
		cmd.Env = append(cleanEnv(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	workers := []*exec.Cmd{startWorker(), startWorker()}
	defer func() {
		for _, w := range workers {
			w.Process.Signal(os.Interrupt)
			w.Wait()
		}
	}()

	client := &pushClient{base: base, token: "tok"}
	events := []struct {
		id     string
		shards int
	}{{"ev-a", 1}, {"ev-b", 3}, {"ev-c", 1}}
	for _, ev := range events {
		req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(fmt.Sprintf(`{"id":%q,"title":%q,"shards":%d}`, ev.id, ev.id, ev.shards)))
		req.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode/100 != 2 {
			t.Fatalf("create %s: %v %v", ev.id, err, resp)
		}
		resp.Body.Close()
	}
	const perEvent, batch = 3000, 300
	type job struct {
		event string
		body  []byte
	}
	var jobs []job
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	texts := []string{"What a wonderful moment, I love it", "This is a disgrace, awful", "Watching the final tonight", "合影太暖了[心]"}
	for _, ev := range events {
		for k := 0; k < perEvent; k += batch {
			var b bytes.Buffer
			for i := k; i < k+batch; i++ {
				pl := []string{"x", "weibo"}[i%2]
				fmt.Fprintf(&b, `{"platform":%q,"id":"%d","text":%q,"created_at":%q,"metrics":{"likes":%d}}`+"\n",
					pl, 1818700000000000000+i, texts[i%4], at.Add(time.Duration(i)*time.Second).Format(time.RFC3339), i%40)
			}
			jobs = append(jobs, job{ev.id, b.Bytes()})
			if (k/batch)%10 == 3 {
				jobs = append(jobs, job{ev.id, b.Bytes()}) // sent twice
			}
		}
	}
	// Interleave the events' batches.
	var order []job
	byEvent := map[string][]job{}
	for _, j := range jobs {
		byEvent[j.event] = append(byEvent[j.event], j)
	}
	for i := 0; len(order) < len(jobs); i++ {
		for _, ev := range events {
			if i < len(byEvent[ev.id]) {
				order = append(order, byEvent[ev.id][i])
			}
		}
	}
	queue := make(chan job, len(order))
	for _, j := range order {
		queue <- j
	}
	close(queue)
	var done atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for j := range queue {
				client.push(t, j.event, j.body)
				done.Add(1)
			}
		})
	}

	health := func() int {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitDone := func(n int) {
		for done.Load() < int64(n) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A third of the way: a worker dies with its batch in hand.
	waitDone(len(order) / 4)
	workers[0].Process.Kill()
	workers[0].Wait()
	workers[0] = startWorker()

	// Half way: the node holding ev-a dies, and comes back.
	waitDone(len(order) / 2)
	node, err := cluster.NodeOf("{ev-a}")
	if err != nil {
		t.Fatal(err)
	}
	node.Kill()
	saw503 := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && !saw503; {
		saw503 = health() == http.StatusServiceUnavailable
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	if err := node.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := cluster.WaitOK(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if !saw503 {
		t.Errorf("/healthz never said 503 while a master was down")
	}
	healthy := false
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline) && !healthy; {
		healthy = health() == http.StatusOK
		time.Sleep(100 * time.Millisecond)
	}
	if !healthy {
		t.Errorf("/healthz did not come back to 200 after the node restarted")
	}
	client.statuses.Range(func(k, v any) bool {
		t.Logf("answers %d: %d", k, v.(*atomic.Int64).Load())
		if code := k.(int); code != 200 && code != 503 && code != 429 {
			t.Errorf("%d answers %d: want only 200, 503 and 429", v.(*atomic.Int64).Load(), code)
		}
		return true
	})
	if n := client.failures.Load(); n > 0 {
		client.failed.Range(func(k, _ any) bool { t.Errorf("push failure: %v", k); return true })
		t.Fatalf("%d push failures", n)
	}

	ctx := context.Background()
	st, err := redis.Open(ctx, cluster.URL, redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, ev := range events {
		deadline := time.Now().Add(60 * time.Second)
		for {
			q, err := st.Queued(ctx, ev.id)
			if err == nil && q == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d posts still queued (%v)", ev.id, q, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		sum, err := st.Summary(ctx, ev.id, "")
		if err != nil {
			t.Fatal(err)
		}
		l := sum.ByLabel
		if sum.Total != perEvent || l.Positive+l.Neutral+l.Negative+l.Unscored != perEvent ||
			sum.ByPlatform[chorus.X].Total != perEvent/2 || sum.ByPlatform[chorus.Weibo].Total != perEvent/2 {
			t.Errorf("%s: total %d, labels %+v, x %d, weibo %d; want exactly %d, half on each platform",
				ev.id, sum.Total, l, sum.ByPlatform[chorus.X].Total, sum.ByPlatform[chorus.Weibo].Total, perEvent)
		}
		r := chorusCmd(t, dir, "", env, "check", "--event", ev.id)
		if r.code != 0 {
			t.Errorf("chorus check --event %s: exit %d\n%s", ev.id, r.code, r.stderr)
		}
	}
	if log := stopServe(); strings.Contains(log, "internal error") {
		t.Errorf("serve answered an internal error:\n%s", log)
	}
}

// TestWorkerWaitsForRedisAtStart starts `chorus worker` while its Redis is
// down: the worker waits with back-off instead of exiting, and once the
// server is up it tallies what is queued, without a restart.
func TestWorkerWaitsForRedisAtStart(t *testing.T) {
	srv, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	srv.Kill()
	var stderr syncBuffer
	cmd := exec.Command(bin, "worker", "--workers", "1")
	cmd.Env = append(cleanEnv(), "CHORUS_REDIS_URL="+srv.URL())
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		<-exited
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "store unavailable at start") && time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("the worker exited while Redis was down: %v\n%s", waitErr, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.Contains(stderr.String(), "store unavailable at start") {
		t.Fatalf("no word of the wait on stderr:\n%s", stderr.String())
	}
	time.Sleep(time.Second) // a retry or two while down
	select {
	case <-exited:
		t.Fatalf("the worker exited while Redis was down: %v\n%s", waitErr, stderr.String())
	default:
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := redis.Open(ctx, srv.URL(), redis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateEvent(ctx, chorus.Event{ID: "late", Title: "late"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	var posts []chorus.Post
	for i := range 500 {
		posts = append(posts, chorus.Post{Platform: chorus.X, ID: fmt.Sprint(i), Text: "what a moment", CreatedAt: at.Add(time.Duration(i) * time.Second)})
	}
	if _, err := st.Submit(ctx, "late", posts); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	var sum chorus.Summary
	for time.Now().Before(deadline) {
		if sum, err = st.Summary(ctx, "late", ""); err != nil {
			t.Fatal(err)
		}
		if sum.Total == 500 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sum.Total != 500 {
		t.Fatalf("the worker tallied %d of 500 after Redis came up\n%s", sum.Total, stderr.String())
	}
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
