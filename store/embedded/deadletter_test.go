package embedded_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
)

// TestPoisonedPostReachesDeadLetters: a post no worker gets through (the
// "worker" here gives up on any batch that holds it, as a crashing scorer
// would) goes out alone once suspect, so the rest of its batch is tallied,
// and after five deliveries it leaves the queue for the dead letters;
// retried, it counts once; dropped, it is forgotten.
func TestPoisonedPostReachesDeadLetters(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), embedded.Options{NoSync: true, ClaimTimeout: 30 * time.Millisecond})
	defer s.Close()
	s.CreateEvent(ctx, chorus.Event{ID: "poison", Title: "poison"})
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	var posts []chorus.Post
	for i := range 30 {
		posts = append(posts, chorus.Post{Platform: chorus.X, ID: fmt.Sprint(i), Text: "positive text", CreatedAt: at})
	}
	if _, err := s.Submit(ctx, "poison", posts); err != nil {
		t.Fatal(err)
	}
	poison := map[string]bool{"x:7": true, "x:19": true}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if n, _ := s.DeadLetterCount(ctx, "poison"); n == 2 {
			if q, _ := s.Queued(ctx, "poison"); q == 0 {
				break
			}
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
			continue
		}
		for i := range es {
			es[i].Post.Sentiment = &chorus.Sentiment{Label: chorus.Positive, Model: "test"}
		}
		if _, err := s.Tally(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	dls, err := s.DeadLetters(ctx, "poison")
	if err != nil || len(dls) != 2 {
		t.Fatalf("dead letters = %+v, %v; want the 2 poisoned posts", dls, err)
	}
	for _, d := range dls {
		if !poison[d.Key] || d.Post == nil || d.Reason == "" || d.At.IsZero() {
			t.Errorf("dead letter %+v: want a poisoned post, its reason and time", d)
		}
	}
	if sum, _ := s.Summary(ctx, "poison", ""); sum.Total != 28 {
		t.Errorf("total = %d, want 28", sum.Total)
	}
	if res, _ := s.Submit(ctx, "poison", posts[7:8]); res.Duplicates != 1 {
		t.Errorf("resubmit of a dead letter = %+v, want a duplicate", res)
	}
	var retry, drop string
	for _, d := range dls {
		if d.Key == "x:7" {
			retry = d.ID
		} else {
			drop = d.ID
		}
	}
	if n, err := s.RetryDeadLetters(ctx, "poison", []string{retry}); err != nil || n != 1 {
		t.Fatalf("retry = %d, %v", n, err)
	}
	if n, err := s.DropDeadLetters(ctx, "poison", []string{drop}); err != nil || n != 1 {
		t.Fatalf("drop = %d, %v", n, err)
	}
	if n := drainStore(t, s); n != 1 {
		t.Errorf("tallied %d after the retry, want 1", n)
	}
	if res, _ := s.Submit(ctx, "poison", posts[19:20]); res.Accepted != 1 {
		t.Errorf("resubmit of a dropped post = %+v, want accepted", res)
	}
	drainStore(t, s)
	if sum, _ := s.Summary(ctx, "poison", ""); sum.Total != 30 {
		t.Errorf("total at the end = %d, want 30", sum.Total)
	}
	if rep, err := s.Check(ctx, "poison", false); err != nil || len(rep.Drifts) != 0 {
		t.Errorf("check = %+v, %v", rep, err)
	}
}
