package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// TestPoisonedPostReachesDeadLetters: a batch holding one post that no
// worker can get through (here the "worker" gives up on any batch that
// holds it, as a crashing scorer would) is split after its second delivery;
// the other posts are tallied, and the poisoned one, after MaxDeliveries
// deliveries, moves to the dead letters instead of blocking its event.
// Retried with a scorer that copes, it is counted once; a dropped one is
// forgotten.
func TestPoisonedPostReachesDeadLetters(t *testing.T) {
	for _, shards := range []int{1, 3} {
		t.Run(map[int]string{1: "one shard", 3: "three shards"}[shards], func(t *testing.T) {
			testPoison(t, redistest.URL(t), shards)
		})
	}
}

func testPoison(t *testing.T, url string, shards int) {
	ctx := context.Background()
	const idle = 100 * time.Millisecond
	s := open(t, url, redis.Options{ClaimIdle: idle, Shards: shards, MaxDeliveries: 5})
	createEvent(t, s, "poison")
	posts := makePosts("poison", 40, base, false)
	poison := map[string]bool{posts[7].Key(): true, posts[23].Key(): true}
	if res, err := s.Submit(ctx, "poison", posts); err != nil || res.Accepted != 40 {
		t.Fatalf("Submit = %+v, %v", res, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		n, err := s.DeadLetterCount(ctx, "poison")
		if err != nil {
			t.Fatal(err)
		}
		q, err := s.Queued(ctx, "poison")
		if err != nil {
			t.Fatal(err)
		}
		if n == 2 && q == 0 {
			break
		}
		es, err := s.Read(ctx, "flaky", 100, 20*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		bad := false
		for _, e := range es {
			bad = bad || poison[e.Post.Key()]
		}
		if bad || len(es) == 0 {
			continue // the batch is left pending, as a worker that crashed on it
		}
		score(es)
		if _, err := s.Tally(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	dls, err := s.DeadLetters(ctx, "poison")
	if err != nil {
		t.Fatal(err)
	}
	if len(dls) != 2 {
		t.Fatalf("dead letters = %+v, want the 2 poisoned posts", dls)
	}
	for _, d := range dls {
		if !poison[d.Key] || d.Post == nil || d.Post.Key() != d.Key || d.Reason == "" || d.At.IsZero() {
			t.Errorf("dead letter %+v: want a poisoned post with its reason and time", d)
		}
	}
	if sum, _ := s.Summary(ctx, "poison", ""); sum.Total != 38 {
		t.Errorf("total with 2 dead letters = %d, want 38", sum.Total)
	}
	// The same posts sent again are duplicates: dead letters are known.
	if res, err := s.Submit(ctx, "poison", posts[7:8]); err != nil || res.Duplicates != 1 {
		t.Errorf("resubmit of a dead letter = %+v, %v; want a duplicate", res, err)
	}
	// Retry one (the scorer copes now), drop the other.
	var retry, drop chorus.DeadLetter
	for _, d := range dls {
		if d.Key == posts[7].Key() {
			retry = d
		} else {
			drop = d
		}
	}
	if n, err := s.RetryDeadLetters(ctx, "poison", []string{retry.ID}); err != nil || n != 1 {
		t.Fatalf("RetryDeadLetters = %d, %v", n, err)
	}
	if n, err := s.DropDeadLetters(ctx, "poison", []string{drop.ID}); err != nil || n != 1 {
		t.Fatalf("DropDeadLetters = %d, %v", n, err)
	}
	if n := drain(t, s, "healthy"); n != 1 {
		t.Errorf("tallied %d after the retry, want 1", n)
	}
	if sum, _ := s.Summary(ctx, "poison", ""); sum.Total != 39 {
		t.Errorf("total after retry = %d, want 39", sum.Total)
	}
	if n, _ := s.DeadLetterCount(ctx, "poison"); n != 0 {
		t.Errorf("dead letters left = %d, want 0", n)
	}
	// The dropped post is forgotten: sent again, it is new and counts.
	if res, err := s.Submit(ctx, "poison", posts[23:24]); err != nil || res.Accepted != 1 {
		t.Errorf("resubmit of a dropped post = %+v, %v; want accepted", res, err)
	}
	drain(t, s, "healthy")
	if sum, _ := s.Summary(ctx, "poison", ""); sum.Total != 40 {
		t.Errorf("total at the end = %d, want 40", sum.Total)
	}
	if _, err := s.RetryDeadLetters(ctx, "poison", []string{"nonsense"}); !errorsIs(err, chorus.ErrInvalid) {
		t.Errorf("retry of a bad id: err %v, want ErrInvalid", err)
	}
}
