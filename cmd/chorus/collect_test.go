package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/ingest"
	"github.com/chorus-news/chorus/store/embedded"
)

// TestPostSinkQueuesFoldsAndDrains: what a collector hands over is
// validated, queued by event (plain reposts folded), counted once, bad
// posts named; drain returns once the workers tallied it all.
func TestPostSinkQueuesFoldsAndDrains(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, e := range []string{"a", "b"} {
		st.CreateEvent(ctx, chorus.Event{ID: e})
	}
	at := time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)
	posts := []chorus.Post{
		{Event: "a", Platform: chorus.X, ID: "1", Text: "so happy for them", CreatedAt: at},
		{Event: "a", Platform: chorus.X, ID: "2", RepostOf: "1", CreatedAt: at},
		{Event: "b", Platform: chorus.X, ID: "1", Text: "so happy for them", CreatedAt: at},
		{Event: "a", Platform: chorus.X, ID: "3", Text: "no time"},
	}
	var errs bytes.Buffer
	sink := &postSink{progress: collector.NewProgress(&errs, false), queue: st}
	if err := sink.Put(ctx, posts); err != nil {
		t.Fatal(err)
	}
	if err := sink.Put(ctx, posts[:3]); err != nil { // a page seen again
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		ingest.RunWorkers(wctx, 1, "t", ingest.Worker{Source: st, Analyzer: analyzer(t), Block: 10 * time.Millisecond})
		close(done)
	}()
	if err := sink.drain(ctx, st); err != nil {
		t.Fatal(err)
	}
	stop()
	<-done
	if got := sink.summary(); got != (importSummary{Read: 7, Accepted: 3, Duplicates: 3, Rejected: 1}) {
		t.Errorf("summary = %+v", got)
	}
	if !strings.Contains(errs.String(), "x post 3: created_at: missing") {
		t.Errorf("stderr = %q, want the bad post named", errs.String())
	}
	for e, want := range map[string][2]int64{"a": {1, 1}, "b": {1, 0}} {
		sum, err := st.Summary(ctx, e, "")
		if err != nil {
			t.Fatal(err)
		}
		if sum.Total != want[0] || sum.Reposts != want[1] {
			t.Errorf("event %s: %d posts, %d reposts; want %d and %d", e, sum.Total, sum.Reposts, want[0], want[1])
		}
	}
}

func TestCollectUsage(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"collect", "collect: want a platform"},
		{"collect myspace --event e", `collect: unknown platform "myspace"`},
	} {
		var out, errs bytes.Buffer
		code := run(context.Background(), strings.Fields(tc.args), nil, &out, &errs)
		if code != 2 || !strings.Contains(errs.String(), tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tc.args, code, errs.String(), tc.want)
		}
	}
}

func analyzer(t *testing.T) ingest.Analyzer {
	t.Helper()
	var cfg Config
	an, err := cfg.analyzer(nil)
	if err != nil {
		t.Fatal(err)
	}
	return an
}

// busyOnce is a real store whose first Submit says its queue is full.
type busyOnce struct {
	*embedded.Store
	calls int
}

func (b *busyOnce) Submit(ctx context.Context, event string, posts []chorus.Post) (chorus.SubmitResult, error) {
	if b.calls++; b.calls == 1 {
		return chorus.SubmitResult{}, &chorus.BusyError{Wait: 50 * time.Millisecond, Reason: "queue of " + event + " at its cap"}
	}
	return b.Store.Submit(ctx, event, posts)
}

// TestPostSinkWaitsWhileBusy: back-pressure slows a collector down; the
// posts go in once the store takes them.
func TestPostSinkWaitsWhileBusy(t *testing.T) {
	st, err := embedded.Open(t.TempDir(), embedded.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	st.CreateEvent(ctx, chorus.Event{ID: "a"})
	var errs bytes.Buffer
	q := &busyOnce{Store: st}
	sink := &postSink{progress: collector.NewProgress(&errs, false), queue: q}
	began := time.Now()
	post := chorus.Post{Event: "a", Platform: chorus.X, ID: "1", Text: "hi", CreatedAt: time.Now()}
	if err := sink.Put(ctx, []chorus.Post{post}); err != nil {
		t.Fatal(err)
	}
	if q.calls != 2 || time.Since(began) < 50*time.Millisecond || sink.summary().Accepted != 1 {
		t.Errorf("%d submits in %v, summary %+v; want 2 submits at least 50ms apart and 1 accepted", q.calls, time.Since(began), sink.summary())
	}
	if !strings.Contains(errs.String(), "queue of a at its cap; retry in 50ms; waiting 50ms before sending 1 posts of a again") {
		t.Errorf("stderr = %q", errs.String())
	}
}
