package collector_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/store/embedded"
)

func openStore(t *testing.T, events ...string) *embedded.Store {
	t.Helper()
	st, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, e := range events {
		if _, err := st.CreateEvent(context.Background(), chorus.Event{ID: e}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func collectorsOf(t *testing.T, st *embedded.Store, event string) []chorus.CollectorStatus {
	t.Helper()
	list, err := st.Collectors(context.Background(), event)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestRunSavesEveryChangeOfState: the health record in the store follows
// the run through a wait, a fault and its end.
func TestRunSavesEveryChangeOfState(t *testing.T) {
	st := openStore(t, "e")
	ctx := context.Background()
	now := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	var out strings.Builder
	run := collector.NewRun(chorus.CollectorStatus{Event: "e", Name: "x-search", Platform: chorus.X, Query: "selfie", Mode: "once"},
		collector.RunOptions{Store: st, Progress: collector.NewProgress(&out, false), SaveEvery: time.Hour, Now: func() time.Time { return now }})
	saved := func() chorus.CollectorStatus {
		list := collectorsOf(t, st, "e")
		if len(list) != 1 {
			t.Fatalf("collectors = %+v, want one", list)
		}
		return list[0]
	}
	run.Start(ctx)
	if s := saved(); s.State != chorus.CollectorRunning || !s.StartedAt.Equal(now) {
		t.Errorf("after Start: %+v", s)
	}
	run.Page(ctx)
	run.Posted(ctx, 100, now.Add(-time.Hour))
	run.RateLimited(ctx, 4*time.Minute+12*time.Second, "429")
	s := saved()
	if s.State != chorus.CollectorWaiting || s.Pages != 1 || s.Posts != 100 || s.RateLimitWaits != 1 || !s.NextRetryAt.Equal(now.Add(252*time.Second)) {
		t.Errorf("while rate limited: %+v", s)
	}
	if !strings.Contains(out.String(), "x-search: rate limited (429): waiting 4m12s, until 19:04:12 UTC") {
		t.Errorf("stderr = %q", out.String())
	}
	if line := run.Line(); line != "x-search: 100 posts, 1 pages, 1 rate-limit wait (waiting, resumes in 4m12s)" {
		t.Errorf("Line = %q", line)
	}
	run.Resume(ctx)
	run.Retrying(ctx, errors.New("HTTP 503"), time.Second)
	if s := saved(); s.State != chorus.CollectorBackoff || s.Errors != 1 || s.LastError != "HTTP 503" {
		t.Errorf("while backing off: %+v", s)
	}
	run.Resume(ctx)
	run.Note(ctx, "slice hit the 50-page cap")
	if err := run.Finish(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if s := saved(); s.State != chorus.CollectorDone || !s.NextRetryAt.IsZero() || s.Note != "slice hit the 50-page cap" || s.Posts != 100 {
		t.Errorf("after Finish: %+v", s)
	}
	// A run stopped by the user is "stopped", not failed.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := run.Finish(cctx, context.Canceled); err != nil || saved().State != chorus.CollectorStopped {
		t.Errorf("Finish on a cancelled ctx = %v, state %s; want nil and stopped", err, saved().State)
	}
	if err := run.Finish(ctx, collector.Fatalf("bad token: check X_BEARER_TOKEN")); err == nil || saved().State != chorus.CollectorFailed || saved().LastError != "bad token: check X_BEARER_TOKEN" {
		t.Errorf("Finish with a fatal error: %v, %+v", err, saved())
	}
}

// TestSupervisorRestartsAndStops: a failing job is restarted after a
// back-off with its counts carried on, a job no longer listed is stopped,
// and every run's status reaches the store.
func TestSupervisorRestartsAndStops(t *testing.T) {
	st := openStore(t, "a", "b")
	var runsA, runsB atomic.Int32
	var listB atomic.Bool
	listB.Store(true)
	stoppedB := make(chan struct{})
	jobs := func(ctx context.Context) ([]collector.Job, error) {
		js := []collector.Job{{Key: "a", Status: chorus.CollectorStatus{Event: "a", Name: "x-stream", Mode: "follow"}, Run: func(ctx context.Context, run *collector.Run) error {
			run.Posted(ctx, 1, time.Now())
			if runsA.Add(1) < 3 {
				return errors.New("stream dropped")
			}
			<-ctx.Done()
			return ctx.Err()
		}}}
		if listB.Load() {
			js = append(js, collector.Job{Key: "b", Status: chorus.CollectorStatus{Event: "b", Name: "weibo-mobile", Mode: "follow"}, Run: func(ctx context.Context, run *collector.Run) error {
				runsB.Add(1)
				<-ctx.Done()
				close(stoppedB)
				return ctx.Err()
			}})
		}
		return js, nil
	}
	sup := &collector.Supervisor{Jobs: jobs, Store: st, Refresh: 20 * time.Millisecond, RestartMin: 10 * time.Millisecond, RestartMax: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx) }()
	waitFor(t, func() bool { return runsA.Load() >= 3 && runsB.Load() == 1 })
	listB.Store(false)
	select {
	case <-stoppedB:
	case <-time.After(5 * time.Second):
		t.Fatal("job b was not stopped once no longer listed")
	}
	waitFor(t, func() bool { return len(sup.Statuses()) == 1 })
	if s := sup.Statuses()[0]; s.Posts != 3 || s.Errors != 2 || s.State != chorus.CollectorRunning {
		t.Errorf("a's live status = %+v; want 3 posts over 3 runs, 2 errors, running", s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	a := collectorsOf(t, st, "a")
	if len(a) != 1 || a[0].State != chorus.CollectorStopped || a[0].LastError != "stream dropped" || runsA.Load() != 3 {
		t.Errorf("a's saved status %+v after %d runs; want stopped after 3 runs, the last error kept", a, runsA.Load())
	}
	if b := collectorsOf(t, st, "b"); len(b) != 1 || b[0].State != chorus.CollectorStopped {
		t.Errorf("b's saved status = %+v; want stopped", b)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunFlushSavesWhatThrottlingHeld: counts held back by SaveEvery reach
// the store on Flush, and a Flush with nothing new writes nothing.
func TestRunFlushSavesWhatThrottlingHeld(t *testing.T) {
	st := openStore(t, "e")
	ctx := context.Background()
	run := collector.NewRun(chorus.CollectorStatus{Event: "e", Name: "x-stream", Platform: chorus.X, Mode: "follow"}, collector.RunOptions{Store: st, SaveEvery: time.Hour})
	run.Start(ctx)
	run.Page(ctx)
	run.Posted(ctx, 3, time.Now())
	if got := collectorsOf(t, st, "e")[0].Posts; got != 0 {
		t.Fatalf("posts saved before Flush = %d, want 0 (throttled)", got)
	}
	run.Flush(ctx)
	if got := collectorsOf(t, st, "e")[0]; got.Posts != 3 || got.Pages != 1 {
		t.Errorf("after Flush: %+v", got)
	}
	before := collectorsOf(t, st, "e")[0].UpdatedAt
	run.Flush(ctx)
	if after := collectorsOf(t, st, "e")[0].UpdatedAt; !after.Equal(before) {
		t.Errorf("a Flush with nothing new saved again")
	}
}

// TestRunChild: a child run saves its own event's record and is listed by
// the supervisor beside its parent.
func TestRunChild(t *testing.T) {
	st := openStore(t, "a", "b")
	ctx := context.Background()
	var out strings.Builder
	parent := collector.NewRun(chorus.CollectorStatus{Event: "a", Name: "x-stream", Platform: chorus.X, Mode: "follow"}, collector.RunOptions{Store: st, Progress: collector.NewProgress(&out, false)})
	child := parent.Child(chorus.CollectorStatus{Event: "b", Name: "x-stream", Platform: chorus.X, Mode: "follow"})
	child.Start(ctx)
	child.Posted(ctx, 2, time.Now())
	child.RateLimited(ctx, time.Second, "429")
	if list := collectorsOf(t, st, "b"); len(list) != 1 || list[0].Posts != 2 || list[0].RateLimitWaits != 1 {
		t.Errorf("child's record %+v", list)
	}
	if out.Len() != 0 {
		t.Errorf("the child printed %q: its parent speaks for both", out.String())
	}
	if got := parent.Children(); len(got) != 1 || got[0] != child {
		t.Errorf("Children = %v", got)
	}
	sup := &collector.Supervisor{Store: st, RestartMin: time.Millisecond, Refresh: time.Hour, Jobs: func(context.Context) ([]collector.Job, error) {
		return []collector.Job{{Key: "s", Status: chorus.CollectorStatus{Event: "a", Name: "x-stream"}, Run: func(ctx context.Context, run *collector.Run) error {
			run.Child(chorus.CollectorStatus{Event: "b", Name: "x-stream"}).Start(ctx)
			<-ctx.Done()
			return nil
		}}}, nil
	}}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { sup.Run(sctx); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(sup.Statuses()) != 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(sup.Statuses()); n != 2 {
		t.Errorf("supervisor lists %d statuses, want the run and its child", n)
	}
	cancel()
	<-done
}

// TestRunLineRate: the progress line gives the rate once a second has passed.
func TestRunLineRate(t *testing.T) {
	now := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	run := collector.NewRun(chorus.CollectorStatus{Name: "x-search"}, collector.RunOptions{Now: func() time.Time { return now }})
	ctx := context.Background()
	run.Start(ctx)
	run.Posted(ctx, 2500, now)
	if line := run.Line(); line != "x-search: 2,500 posts, 0 pages" {
		t.Errorf("Line at the start = %q", line)
	}
	now = now.Add(2 * time.Second)
	if line := run.Line(); line != "x-search: 2,500 posts, 0 pages, 1,250 posts/s" {
		t.Errorf("Line = %q", line)
	}
}
