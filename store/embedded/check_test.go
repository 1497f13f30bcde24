package embedded_test

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
)

// TestCheckFindsAndRepairsDrift plants drifts in the counters, the
// timeline, a time index and a top list, with tallied posts both moved
// and still pending (pending.go), and checks that Check names them and a
// repair rebuilds the tallies the posts say.
func TestCheckFindsAndRepairsDrift(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), embedded.Options{NoSync: true, TopN: 5})
	defer s.Close()
	embedded.SetFlushAt(s, 30)
	if _, err := s.CreateEvent(ctx, chorus.Event{ID: "drift", Title: "drift"}); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	var posts []chorus.Post
	for i := range 64 {
		pl := []chorus.Platform{chorus.X, chorus.Weibo}[i%2]
		label := []string{"positive", "negative", "neutral"}[i%3]
		posts = append(posts, chorus.Post{Platform: pl, ID: string(rune('a'+i%26)) + strings.Repeat("x", i/26), Text: label + " text",
			Lang: "en", CreatedAt: at.Add(time.Duration(i) * time.Minute), Metrics: chorus.Metrics{Likes: int64(i)}})
	}
	for k := 0; k < 64; k += 16 {
		if _, err := s.Submit(ctx, "drift", posts[k:k+16]); err != nil {
			t.Fatal(err)
		}
		drainStore(t, s)
	}
	if _, err := s.Submit(ctx, "drift", []chorus.Post{{Platform: chorus.X, ID: "queued", Text: "positive", CreatedAt: at}}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Check(ctx, "drift", false)
	if err != nil || len(rep.Drifts) != 0 || rep.Posts != 64 {
		t.Fatalf("Check of a clean event = %+v, %v; want 64 posts, no drift", rep, err)
	}
	want, _ := s.Summary(ctx, "drift", "")
	err = embedded.Tamper(s, "drift", func(eb *bolt.Bucket) error {
		c := eb.Bucket([]byte("counters"))
		n := int64(binary.BigEndian.Uint64(c.Get([]byte("label/positive"))))
		if err := c.Put([]byte("label/positive"), binary.BigEndian.AppendUint64(nil, uint64(n+3))); err != nil {
			return err
		}
		tl := eb.Bucket([]byte("timeline"))
		k, _ := tl.Cursor().First()
		if err := tl.Put(k, make([]byte, 32)); err != nil {
			return err
		}
		idx := eb.Bucket([]byte("idx")).Bucket([]byte("x/positive"))
		k, _ = idx.Cursor().First()
		if err := idx.Delete(k); err != nil {
			return err
		}
		top := eb.Bucket([]byte("top")).Bucket([]byte("all"))
		k, _ = top.Cursor().Last()
		return top.Delete(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err = s.Check(ctx, "drift", false)
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, d := range rep.Drifts {
		all = append(all, d.String())
	}
	got := strings.Join(all, "\n")
	for _, w := range []string{"by_label.positive: stored", "timeline 1d 2024-07-31T00:00:00Z weibo", "index x/positive", "index top all"} {
		if !strings.Contains(got, w) {
			t.Errorf("drifts do not name %q:\n%s", w, got)
		}
	}
	before, _ := s.Version(ctx, "drift")
	if rep, err = s.Check(ctx, "drift", true); err != nil || !rep.Repaired {
		t.Fatalf("repair = %+v, %v", rep, err)
	}
	if after, _ := s.Version(ctx, "drift"); after <= before {
		t.Errorf("a repair left the version at %d (was %d): caches would keep the drifted tallies", after, before)
	}
	if rep, err := s.Check(ctx, "drift", false); err != nil || len(rep.Drifts) != 0 {
		t.Errorf("check after repair = %+v, %v; want clean", rep, err)
	}
	got2, _ := s.Summary(ctx, "drift", "")
	if got2.Total != want.Total || got2.ByLabel != want.ByLabel {
		t.Errorf("summary after repair = %+v, want %+v", got2, want)
	}
	page, err := s.Posts(ctx, "drift", chorus.PostQuery{Limit: 100})
	if err != nil || len(page.Posts) != 64 {
		t.Errorf("listing after repair = %d posts, %v; want 64", len(page.Posts), err)
	}
	if n := drainStore(t, s); n != 1 {
		t.Errorf("the queued post tallied %d times after the repair, want 1", n)
	}
}

func drainStore(t *testing.T, s *embedded.Store) int {
	t.Helper()
	ctx := context.Background()
	total := 0
	for {
		es, err := s.Read(ctx, "w", 100, 10*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			return total
		}
		for i := range es {
			l := chorus.Label(strings.Fields(es[i].Post.Text)[0])
			es[i].Post.Sentiment = &chorus.Sentiment{Label: l, Model: "test"}
		}
		n, err := s.Tally(ctx, es)
		if err != nil {
			t.Fatal(err)
		}
		total += n
	}
}
