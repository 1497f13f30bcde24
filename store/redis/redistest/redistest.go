// Package redistest runs throwaway redis-server processes for tests: one
// shared server per test binary (Run from TestMain), a fresh database per
// test (URL), and a three-node Redis Cluster on demand (StartCluster).
// Servers listen on free ports of 127.0.0.1 (never 6379), keep nothing on
// disk and stop when the tests end. CHORUS_REDIS_URL names an existing
// Redis to use instead; URL flushes its database before each test, provided
// it was empty to begin with (it is never wiped of data the tests did not
// write).
package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// EnvURL overrides the throwaway server.
const EnvURL = "CHORUS_REDIS_URL"

// scratchKey marks a database as the tests' own: Flush empties only an
// empty database or one that holds this key, so that a CHORUS_REDIS_URL
// left pointing at real data is never wiped.
const scratchKey = "redistest:scratch"

// installHint is what a missing binary's failure says.
const installHint = "redis-server is needed for these tests and was not found on PATH: apt-get install -y redis-server"

// Server is one running redis-server.
type Server struct {
	Addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	bin  string
	args []string
	dir  string
	log  string
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// Stop kills the server and removes its directory.
func (s *Server) Stop() {
	s.Kill()
	_ = os.RemoveAll(s.dir)
}

// Kill stops the server with SIGKILL, as a crash would, keeping its
// directory (and so its append-only file, when on) for Restart.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// Restart starts a killed server again on the same port, directory and
// settings, and waits until it answers PING.
func (s *Server) Restart() error {
	s.Kill()
	var err error
	for range 50 { // the port can linger for a moment
		s.cmd = exec.Command(s.bin, s.args...)
		if err = s.cmd.Start(); err != nil {
			return fmt.Errorf("restart redis-server on %s: %w", s.Addr, err)
		}
		if err = s.waitPing(5 * time.Second); err == nil {
			return nil
		}
		s.Kill()
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("restart redis-server on %s: %w", s.Addr, err)
}

// StartWith starts a redis-server with extra arguments (for example
// "--appendonly", "yes", "--appendfsync", "always").
func StartWith(extra ...string) (*Server, error) { return start(false, extra...) }

// Start starts a redis-server on a free port and waits until it answers
// PING.
func Start() (*Server, error) { return start(false) }

// start starts a redis-server with extra arguments; a cluster node also
// needs its bus port (port+10000) free.
func start(cluster bool, extra ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New(installHint)
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	var lastErr error
	for range 5 { // a free port can be taken before the server binds it
		port, err := freePort(cluster)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, log: filepath.Join(dir, "redis.log")}
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
			"--appendonly", "no", "--dir", dir, "--logfile", s.log}, extra...)
		s.bin, s.args = bin, args
		s.cmd = exec.Command(bin, args...)
		if err := s.cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		if lastErr = s.waitPing(5 * time.Second); lastErr == nil {
			if cluster {
				return s, nil
			}
			if lastErr = s.markScratch(); lastErr == nil {
				return s, nil
			}
		}
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("start redis-server: %w", lastErr)
}

func (s *Server) waitPing(d time.Duration) error {
	rdb := goredis.NewClient(&goredis.Options{Addr: s.Addr, DisableIdentity: true, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(d)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.log)
			return fmt.Errorf("redis-server on %s did not answer PING within %s: %w; log: %s", s.Addr, d, err, lastLines(string(b), 5))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// markScratch marks the server's database 0 as the tests' own.
func (s *Server) markScratch() error {
	rdb := goredis.NewClient(&goredis.Options{Addr: s.Addr, DisableIdentity: true})
	defer rdb.Close()
	if err := rdb.Set(context.Background(), scratchKey, "1", 0).Err(); err != nil {
		return fmt.Errorf("mark redis-server on %s as scratch: %w", s.Addr, err)
	}
	return nil
}

// freePort finds a free TCP port on 127.0.0.1; for a cluster node, port
// plus 10000 (its cluster bus) must be free too.
func freePort(bus bool) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if port == 6379 {
			continue
		}
		if !bus {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		if b, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000))); err == nil {
			b.Close()
			return port, nil
		}
	}
	return 0, errors.New("find a free port: none found")
}

// Run starts the shared server (unless CHORUS_REDIS_URL is set), runs the
// tests, stops the server and exits. Call it from TestMain. A missing
// redis-server fails the run with an install hint.
func Run(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redistest:", err)
		return 1
	}
	defer s.Stop()
	// The environment carries the URL to URL(t): no package state.
	os.Setenv(EnvURL, s.URL())
	defer os.Unsetenv(EnvURL)
	return m.Run()
}

// URL returns the URL of an empty Redis database for this test: the shared
// server's (after FLUSHDB) under Run or CHORUS_REDIS_URL, else a server of
// its own, stopped when the test ends. Tests using URL must not run in
// parallel with each other under Run.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		s, err := Start()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		t.Cleanup(s.Stop)
		return s.URL()
	}
	Flush(t, u)
	return u
}

// Flush empties the database of a single-node URL: a database of a server
// that redistest started, or an empty one, never one holding other data
// (the test fails instead). It leaves one key, the scratch mark.
func Flush(t testing.TB, url string) {
	t.Helper()
	opts, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: %s: %v", EnvURL, err)
	}
	opts.DisableIdentity = true
	rdb := goredis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	n, err := rdb.DBSize(ctx).Result()
	if err != nil {
		t.Fatalf("redistest: flush %s db %d: %v", opts.Addr, opts.DB, err)
	}
	if n > 0 {
		if mine, err := rdb.Exists(ctx, scratchKey).Result(); err != nil || mine == 0 {
			t.Fatalf("redistest: refusing to flush %s db %d: it holds %d keys the tests did not write (%v); point %s at an empty database",
				opts.Addr, opts.DB, n, err, EnvURL)
		}
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("redistest: flush %s db %d: %v", opts.Addr, opts.DB, err)
	}
	if err := rdb.Set(ctx, scratchKey, "1", 0).Err(); err != nil {
		t.Fatalf("redistest: mark %s db %d: %v", opts.Addr, opts.DB, err)
	}
}

// StartCluster starts three cluster-enabled nodes, joins them with
// redis-cli --cluster create (no replicas), waits for cluster_state:ok on
// every node and returns the seed list URL redis://h1:p1,h2:p2,h3:p3. The
// nodes stop when the test ends.
func StartCluster(t testing.TB) string {
	t.Helper()
	return StartClusterWith(t).URL
}

// Cluster is a running three-master Redis Cluster.
type Cluster struct {
	URL   string    // redis://h1:p1,h2:p2,h3:p3
	Nodes []*Server // Kill and Restart one to take it down and back
}

// WaitOK waits until every node says cluster_state:ok with every slot
// served.
func (c *Cluster) WaitOK(d time.Duration) error {
	for _, s := range c.Nodes {
		if err := waitClusterOK(s.Addr, d); err != nil {
			return err
		}
	}
	return nil
}

// NodeOf is the node serving key (its hash tag's slot).
func (c *Cluster) NodeOf(key string) (*Server, error) {
	rdb := goredis.NewClient(&goredis.Options{Addr: c.Nodes[0].Addr, DisableIdentity: true})
	defer rdb.Close()
	ctx := context.Background()
	slot, err := rdb.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on 6 and 7 alike
	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, err
	}
	for _, r := range slots {
		if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
			for _, s := range c.Nodes {
				if s.Addr == r.Nodes[0].Addr {
					return s, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("no node serves slot %d of %q", slot, key)
}

// StartClusterWith is StartCluster with extra redis-server arguments for
// every node (for example "--appendonly", "yes", "--appendfsync",
// "always", so that a node SIGKILLed and restarted keeps what it
// acknowledged).
func StartClusterWith(t testing.TB, extra ...string) *Cluster {
	t.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatalf("redistest: redis-cli is needed for a cluster and was not found on PATH: apt-get install -y redis-server")
	}
	var nodes []*Server
	for i := range 3 {
		args := append([]string{"--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("nodes-%d.conf", i),
			"--cluster-node-timeout", "5000"}, extra...)
		s, err := start(true, args...)
		if err != nil {
			t.Fatalf("redistest: cluster node %d: %v", i, err)
		}
		t.Cleanup(s.Stop)
		nodes = append(nodes, s)
	}
	args := []string{"--cluster", "create"}
	var addrs []string
	for _, s := range nodes {
		args = append(args, s.Addr)
		addrs = append(addrs, s.Addr)
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, lastLines(string(out), 10))
	}
	c := &Cluster{URL: "redis://" + strings.Join(addrs, ","), Nodes: nodes}
	if err := c.WaitOK(20 * time.Second); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return c
}

func waitClusterOK(addr string, d time.Duration) error {
	rdb := goredis.NewClient(&goredis.Options{Addr: addr, DisableIdentity: true})
	defer rdb.Close()
	deadline := time.Now().Add(d)
	var info string
	for {
		var err error
		info, err = rdb.ClusterInfo(context.Background()).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster node %s not ok within %s: %v %s", addr, d, err, firstLine(info))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

func lastLines(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// FlushCluster empties every master of the cluster at url (a seed list).
func FlushCluster(t testing.TB, url string) {
	t.Helper()
	addrs := strings.Split(strings.TrimPrefix(url, "redis://"), ",")
	rdb := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs, DisableIdentity: true})
	defer rdb.Close()
	err := rdb.ForEachMaster(context.Background(), func(ctx context.Context, c *goredis.Client) error {
		return c.FlushAll(ctx).Err()
	})
	if err != nil {
		t.Fatalf("redistest: flush cluster %s: %v", url, err)
	}
}
