package redistest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus/store/redis/redistest"
)

func TestMain(m *testing.M) { redistest.Run(m) }

// TestURLIsEmpty: each test's URL starts from an empty database.
func TestURLIsEmpty(t *testing.T) {
	ctx := context.Background()
	for i := range 2 {
		url := redistest.URL(t)
		if strings.HasSuffix(url, ":6379/0") {
			t.Fatalf("URL %s is the default port", url)
		}
		opts, err := goredis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		rdb := goredis.NewClient(opts)
		defer rdb.Close()
		if n, err := rdb.Exists(ctx, "leftover").Result(); err != nil || n != 0 {
			t.Errorf("round %d: EXISTS leftover = %d, %v; want 0", i, n, err)
		}
		if err := rdb.Set(ctx, "leftover", "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFlushRefusesForeignData: a database holding keys the tests did not
// write is never flushed.
func TestFlushRefusesForeignData(t *testing.T) {
	srv, err := redistest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 1})
	defer rdb.Close()
	if err := rdb.Set(ctx, "precious", "data", 0).Err(); err != nil {
		t.Fatal(err)
	}
	url := "redis://" + srv.Addr + "/1"
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { recover() }()
		redistest.Flush(ft, url)
	}()
	if !strings.Contains(ft.msg, "refusing to flush") {
		t.Errorf("Flush of a foreign database: fatal %q, want a refusal", ft.msg)
	}
	if n, _ := rdb.Exists(ctx, "precious").Result(); n != 1 {
		t.Errorf("the foreign key was flushed")
	}
	// An empty database is fine, and flushed again later.
	redistest.Flush(t, "redis://"+srv.Addr+"/2")
	redistest.Flush(t, "redis://"+srv.Addr+"/2")
}

// fatalRecorder records a Fatalf and stops the caller with a panic.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}

func (f *fatalRecorder) Helper() {}

// TestMissingBinary: without redis-server the helper fails with the
// install hint (it never skips).
func TestMissingBinary(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := redistest.Start()
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y redis-server") {
		t.Errorf("Start without redis-server: err %v, want the install hint", err)
	}
}

// TestStartCluster: the three nodes serve every slot.
func TestStartCluster(t *testing.T) {
	url := redistest.StartCluster(t)
	addrs := strings.Split(strings.TrimPrefix(url, "redis://"), ",")
	if len(addrs) != 3 {
		t.Fatalf("StartCluster URL %s: %d seeds, want 3", url, len(addrs))
	}
	rdb := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: addrs})
	defer rdb.Close()
	ctx := context.Background()
	info, err := rdb.ClusterInfo(ctx).Result()
	if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
		t.Fatalf("CLUSTER INFO = %q, %v; want state ok, 3 nodes", info, err)
	}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		if err := rdb.Set(ctx, k, k, 0).Err(); err != nil {
			t.Errorf("SET %s: %v", k, err)
		}
	}
}
