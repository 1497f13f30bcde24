package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
	"github.com/chorus-news/chorus/store/storetest"
)

// TestContract holds the store to the contract on a single redis-server.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return open(t, redistest.URL(t), redis.Options{ClaimIdle: time.Second})
	})
}

// TestShardedContract holds a store whose events are spread over several
// shards to the same contract, on one node and on a Cluster, where the
// shards live in different slots (and so on different nodes).
func TestShardedContract(t *testing.T) {
	t.Run("single", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Store {
			return open(t, redistest.URL(t), redis.Options{ClaimIdle: time.Second, Shards: 3})
		})
	})
	t.Run("cluster", func(t *testing.T) {
		url := redistest.StartCluster(t)
		storetest.Run(t, func(t *testing.T) storetest.Store {
			redistest.FlushCluster(t, url)
			return open(t, url, redis.Options{ClaimIdle: time.Second, Shards: 4})
		})
		t.Run("SubmitScored", func(t *testing.T) {
			redistest.FlushCluster(t, url)
			testSubmitScored(t, url, 4)
		})
		t.Run("ClaimFromDeadConsumer", func(t *testing.T) {
			redistest.FlushCluster(t, url)
			testClaim(t, url, 4)
		})
		t.Run("ShardsSpreadOverMasters", func(t *testing.T) {
			redistest.FlushCluster(t, url)
			testSpread(t, url)
		})
	})
}

// testSpread: the six shards of an event land two on each of the three
// masters, and the tags are where CLUSTER KEYSLOT says.
func testSpread(t *testing.T, url string) {
	ctx := context.Background()
	s := open(t, url, redis.Options{Shards: 6})
	createEvent(t, s, "spread")
	tags := s.TagsForTest("spread")
	if len(tags) != 6 || tags[0] != "spread" {
		t.Fatalf("tags = %v, want 6 starting with the event id", tags)
	}
	rdb := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: strings.Split(strings.TrimPrefix(url, "redis://"), ",")})
	defer rdb.Close()
	//lint:ignore SA1019 CLUSTER SHARDS needs Redis 7; CLUSTER SLOTS answers on 6 and 7 alike
	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	perMaster := map[string]int{}
	for _, tag := range tags {
		slot, err := rdb.ClusterKeySlot(ctx, "chorus:{"+tag+"}:q").Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := redis.KeySlotForTest(tag); int64(got) != slot {
			t.Errorf("keySlot(%q) = %d, CLUSTER KEYSLOT says %d", tag, got, slot)
		}
		for _, r := range slots {
			if int64(r.Start) <= slot && slot <= int64(r.End) {
				perMaster[r.Nodes[0].Addr]++
			}
		}
	}
	if len(perMaster) != 3 {
		t.Errorf("shards per master = %v, want 2 on each of 3", perMaster)
	}
	for addr, n := range perMaster {
		if n != 2 {
			t.Errorf("master %s holds %d shards, want 2 (%v)", addr, n, perMaster)
		}
	}
	// And the event works through its layout, from a store that did not
	// create it.
	other := open(t, url, redis.Options{})
	if _, err := other.Submit(ctx, "spread", makePosts("spread", 120, base, false)); err != nil {
		t.Fatal(err)
	}
	if n := drain(t, other, "w"); n != 120 {
		t.Errorf("tallied %d, want 120", n)
	}
	if sum, err := s.Summary(ctx, "spread", ""); err != nil || sum.Total != 120 {
		t.Errorf("summary = %d, %v; want 120", sum.Total, err)
	}
	if rep, err := s.Check(ctx, "spread", false); err != nil || len(rep.Drifts) != 0 || rep.Posts != 120 {
		t.Errorf("check = %+v, %v", rep, err)
	}
}

// TestClusterContract holds the store to the contract on a three-node
// Redis Cluster, and checks that one node's address alone finds the
// cluster.
func TestClusterContract(t *testing.T) {
	url := redistest.StartCluster(t)
	storetest.Run(t, func(t *testing.T) storetest.Store {
		redistest.FlushCluster(t, url)
		return open(t, url, redis.Options{ClaimIdle: time.Second})
	})
	t.Run("ClaimFromDeadConsumer", func(t *testing.T) {
		redistest.FlushCluster(t, url)
		testClaim(t, url, 1)
	})
	t.Run("SubmitScored", func(t *testing.T) {
		redistest.FlushCluster(t, url)
		testSubmitScored(t, url, 1)
	})
	t.Run("SingleSeed", func(t *testing.T) {
		redistest.FlushCluster(t, url)
		seeds := strings.Split(strings.TrimPrefix(url, "redis://"), ",")
		one := "redis://" + seeds[len(seeds)-1]
		s := open(t, one, redis.Options{})
		if !s.IsCluster() {
			t.Fatalf("Open(%s) did not find the cluster", one)
		}
		ctx := context.Background()
		// Events hash to many slots: every one must work through one seed.
		for _, ev := range []string{"a", "b", "c", "d", "e", "f"} {
			createEvent(t, s, ev)
			if _, err := s.Submit(ctx, ev, makePosts(ev, 10, base, false)); err != nil {
				t.Fatalf("Submit(%s) via %s: %v", ev, one, err)
			}
		}
		if n := drain(t, s, "w"); n != 60 {
			t.Errorf("tallied %d, want 60", n)
		}
		for _, ev := range []string{"a", "f"} {
			if sum, err := s.Summary(ctx, ev, chorus.X); err != nil || sum.Total != 5 {
				t.Errorf("Summary(%s, x) = %d, %v; want 5", ev, sum.Total, err)
			}
		}
	})
}
