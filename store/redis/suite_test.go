package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"

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
	})
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
