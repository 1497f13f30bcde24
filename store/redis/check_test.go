package redis_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/redis"
	"github.com/chorus-news/chorus/store/redis/redistest"
)

// TestCheckFindsAndRepairsDrift plants drifts in every kind of tally
// behind the store's back, and checks that Check names each one, that a
// repair puts the tallies back as the posts say, and that a check after it
// is clean.
func TestCheckFindsAndRepairsDrift(t *testing.T) {
	for _, shards := range []int{1, 2} {
		t.Run(map[int]string{1: "one shard", 2: "two shards"}[shards], func(t *testing.T) {
			ctx := context.Background()
			url := redistest.URL(t)
			s := open(t, url, redis.Options{Shards: shards, TopN: 5})
			createEvent(t, s, "drift")
			if _, err := s.Submit(ctx, "drift", makePosts("drift", 60, base, false)); err != nil {
				t.Fatal(err)
			}
			drain(t, s, "w")
			if _, err := s.Submit(ctx, "drift", makePosts("drift", 64, base, false)[60:]); err != nil {
				t.Fatal(err) // four left queued: "queued" must agree too
			}
			rep, err := s.Check(ctx, "drift", false)
			if err != nil || len(rep.Drifts) != 0 || rep.Posts != 60 {
				t.Fatalf("Check of a clean event = %+v, %v; want 60 posts, no drift", rep, err)
			}
			want, _ := s.Summary(ctx, "drift", "")

			opts, _ := goredis.ParseURL(url)
			rdb := goredis.NewClient(opts)
			defer rdb.Close()
			c := "chorus:{drift}:c"
			rdb.HIncrBy(ctx, c, "l|positive", 3)
			rdb.HIncrBy(ctx, c, "pg|x|en", -1)
			rdb.HIncrBy(ctx, "chorus:{drift}:b:1h", "1722452400|weibo|neutral", 2)
			ks, _ := rdb.ZRange(ctx, "chorus:{drift}:t:x:positive", 0, 0).Result()
			rdb.ZRem(ctx, "chorus:{drift}:t:x:positive", ks[0])
			rdb.ZAdd(ctx, "chorus:{drift}:top", goredis.Z{Score: 1e6, Member: "x:nope"})

			rep, err = s.Check(ctx, "drift", false)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range rep.Drifts {
				got = append(got, d.String())
			}
			all := strings.Join(got, "\n")
			for _, w := range []string{
				"by_label.positive",
				"by_platform.x.by_lang.en",
				"timeline 1h 2024-07-31T19:00:00Z weibo neutral",
				"index t:x:positive",
				"index top",
			} {
				if !strings.Contains(all, w) {
					t.Errorf("drifts do not name %q:\n%s", w, all)
				}
			}
			if rep.Repaired {
				t.Error("a check without repair says it repaired")
			}
			rep, err = s.Check(ctx, "drift", true)
			if err != nil || !rep.Repaired {
				t.Fatalf("repair = %+v, %v", rep, err)
			}
			if rep, err := s.Check(ctx, "drift", false); err != nil || len(rep.Drifts) != 0 {
				t.Errorf("check after repair = %+v, %v; want clean", rep, err)
			}
			got2, _ := s.Summary(ctx, "drift", "")
			if got2.Total != want.Total || got2.ByLabel != want.ByLabel || got2.ByLang["en"] != want.ByLang["en"] {
				t.Errorf("summary after repair = %+v, want %+v", got2, want)
			}
			page, err := s.Posts(ctx, "drift", chorus.PostQuery{Sort: chorus.Top, Limit: 10})
			if err != nil || len(page.Posts) == 0 || page.Posts[0].ID == "nope" {
				t.Errorf("top after repair = %+v, %v", page.Posts, err)
			}
			// The queued posts still tally once.
			if n := drain(t, s, "w"); n != 4 {
				t.Errorf("tallied %d queued posts after the repair, want 4", n)
			}
		})
	}
}

// TestCheckWhilePushed: a check run while posts keep arriving (a desk's
// cron job on a live event) never reports a drift that is not there. Posts
// submitted during the recount move the queued counter without a tally;
// the check must see that and look again (or say the event is busy), not
// name "queued: stored N, counted 0".
func TestCheckWhilePushed(t *testing.T) {
	ctx := context.Background()
	s := open(t, redistest.URL(t), redis.Options{})
	createEvent(t, s, "live")
	posts := makePosts("live", 80000, base, false)
	if _, err := s.Submit(ctx, "live", posts[:20000]); err != nil {
		t.Fatal(err)
	}
	drain(t, s, "w")
	stop := make(chan struct{})
	pushed := make(chan error, 1)
	go func() {
		defer close(pushed)
		for i := 20000; i < len(posts); i += 20 {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.Submit(ctx, "live", posts[i:i+20]); err != nil {
				pushed <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	checks, busy := 0, 0
	for range 6 {
		rep, err := s.Check(ctx, "live", false)
		if err != nil {
			var b *chorus.BusyError
			if !errors.As(err, &b) {
				t.Fatalf("Check during a push: %v", err)
			}
			busy++
			continue
		}
		checks++
		if len(rep.Drifts) != 0 || rep.Posts != 20000 {
			t.Errorf("Check during a push = %d posts, drifts %v; want 20000 posts and none (nothing drifted)", rep.Posts, rep.Drifts)
		}
	}
	close(stop)
	if err := <-pushed; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d checks clean, %d busy", checks, busy)
	if rep, err := s.Check(ctx, "live", false); err != nil || len(rep.Drifts) != 0 {
		t.Fatalf("Check after the push = %+v, %v; want clean", rep, err)
	}
}
