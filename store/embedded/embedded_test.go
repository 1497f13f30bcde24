package embedded_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/store/embedded"
	"github.com/chorus-news/chorus/store/storetest"
)

// helperEnv makes the test binary act as a second chorus process (see
// TestMain): "hold DIR" opens DIR, prints "ready" and waits to be killed;
// "open DIR" tries to open DIR and prints the error.
const helperEnv = "CHORUS_EMBEDDED_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

func helper(mode string) int {
	verb, dir, _ := strings.Cut(mode, " ")
	s, err := embedded.Open(dir, embedded.Options{})
	switch verb {
	case "hold":
		if err != nil {
			fmt.Println("error:", err)
			return 1
		}
		fmt.Println("ready")
		time.Sleep(time.Hour) // until killed
	case "open":
		if err != nil {
			fmt.Printf("locked=%v\n%v\n", errors.Is(err, chorus.ErrLocked), err)
			return 3
		}
		s.Close()
		fmt.Println("opened")
		return 0
	}
	return 2
}

func open(t *testing.T, dir string, opts embedded.Options) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

// TestContract runs the suite with the index write-behind (pending.go) in
// each state: entries always pending (the suite's events stay far below the
// default threshold), moved by every Tally, and a mix of both.
func TestContract(t *testing.T) {
	for _, flushAt := range []int{0, 1, 5} {
		name := "pending"
		if flushAt > 0 {
			name = fmt.Sprintf("flushAt=%d", flushAt)
		}
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Store {
				s := open(t, t.TempDir(), embedded.Options{})
				if flushAt > 0 {
					embedded.SetFlushAt(s, flushAt)
				}
				t.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}

var t0 = time.Date(2024, 7, 31, 19, 0, 0, 0, time.UTC)

func posts(event string, n int) []chorus.Post {
	var out []chorus.Post
	for i := range n {
		pl := []chorus.Platform{chorus.X, chorus.Weibo}[i%2]
		out = append(out, chorus.Post{
			Platform: pl, ID: strconv.Itoa(i), Event: event, Lang: "en",
			Text:      "post " + strconv.Itoa(i),
			CreatedAt: t0.Add(time.Duration(i) * time.Second),
			Metrics:   chorus.Metrics{Likes: int64(i)},
		})
	}
	return out
}

var labels = []chorus.Label{chorus.Positive, chorus.Neutral, chorus.Negative}

func scoreAll(entries []chorus.Entry) {
	for i := range entries {
		n, _ := strconv.Atoi(entries[i].Post.ID)
		entries[i].Post.Sentiment = &chorus.Sentiment{Label: labels[n%3], Model: "test"}
	}
}

func read(t *testing.T, s *embedded.Store, consumer string, max int) []chorus.Entry {
	t.Helper()
	entries, err := s.Read(context.Background(), consumer, max, 10*time.Millisecond)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	scoreAll(entries)
	return entries
}

func tally(t *testing.T, s *embedded.Store, entries []chorus.Entry) int {
	t.Helper()
	n, err := s.Tally(context.Background(), entries)
	if err != nil {
		t.Fatalf("Tally: %v", err)
	}
	return n
}

func queued(t *testing.T, s *embedded.Store, event string) int64 {
	t.Helper()
	n, err := s.Queued(context.Background(), event)
	if err != nil {
		t.Fatalf("Queued: %v", err)
	}
	return n
}

func total(t *testing.T, s *embedded.Store, event string) chorus.Summary {
	t.Helper()
	sum, err := s.Summary(context.Background(), event, "")
	if err != nil {
		t.Fatalf("Summary: %v", err)
	}
	return sum
}

// TestRestart closes the store with entries tallied, handed out but not
// tallied, and never read; after reopening every one is tallied exactly once.
func TestRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	if _, err := s.CreateEvent(ctx, chorus.Event{ID: "e", Title: "E"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Submit(ctx, "e", posts("e", 30)); err != nil {
		t.Fatal(err)
	}
	first := read(t, s, "w", 10)
	if n := tally(t, s, first); n != 10 {
		t.Fatalf("first tally = %d, want 10", n)
	}
	inFlight := read(t, s, "w", 5) // the process dies before tallying these
	if len(inFlight) != 5 {
		t.Fatalf("read %d, want 5", len(inFlight))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s = open(t, dir, embedded.Options{})
	if got := queued(t, s, "e"); got != 20 {
		t.Errorf("Queued after reopen = %d, want 20", got)
	}
	if got := total(t, s, "e").Total; got != 10 {
		t.Errorf("Total after reopen = %d, want 10", got)
	}
	seen := map[string]bool{}
	tallied := 0
	for {
		entries := read(t, s, "w", 7)
		if len(entries) == 0 {
			break
		}
		for _, e := range entries {
			if seen[e.Post.ID] {
				t.Errorf("post %s handed out twice after reopen", e.Post.ID)
			}
			seen[e.Post.ID] = true
		}
		tallied += tally(t, s, entries)
	}
	if tallied != 20 || len(seen) != 20 {
		t.Errorf("after reopen tallied %d of %d handed out, want 20 and 20", tallied, len(seen))
	}
	// The old process's in-flight entries replayed: counted once already.
	if n := tally(t, s, inFlight); n != 0 {
		t.Errorf("replayed in-flight tally = %d, want 0", n)
	}
	if n := tally(t, s, first); n != 0 {
		t.Errorf("replayed first tally = %d, want 0", n)
	}
	s.Close()

	s = open(t, dir, embedded.Options{})
	defer s.Close()
	sum := total(t, s, "e")
	want := chorus.LabelCounts{Positive: 10, Neutral: 10, Negative: 10}
	if sum.Total != 30 || sum.ByLabel != want || sum.ByLang["en"] != 30 {
		t.Errorf("after restarts: total %d by_label %+v by_lang %v; want 30, %+v, en=30", sum.Total, sum.ByLabel, sum.ByLang, want)
	}
	if got := queued(t, s, "e"); got != 0 {
		t.Errorf("Queued = %d, want 0", got)
	}
	if entries := read(t, s, "w", 10); len(entries) != 0 {
		t.Errorf("Read after everything tallied = %d entries, want 0", len(entries))
	}
	p, err := s.Post(ctx, "e", chorus.X, "4")
	if err != nil || p.Sentiment == nil || p.Sentiment.Label != chorus.Neutral || p.Text != "post 4" {
		t.Errorf("Post(x:4) after restarts = %+v, %v", p, err)
	}
	page, err := s.Posts(ctx, "e", chorus.PostQuery{Limit: 1000})
	if err != nil || len(page.Posts) != 30 {
		t.Errorf("Posts after restarts = %d, %v; want 30", len(page.Posts), err)
	}
	if evs, err := s.Events(ctx); err != nil || len(evs) != 1 || evs[0].Title != "E" {
		t.Errorf("Events after restarts = %+v, %v", evs, err)
	}
}

func TestClaimTimeout(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), embedded.Options{ClaimTimeout: 500 * time.Millisecond})
	defer s.Close()
	s.CreateEvent(ctx, chorus.Event{ID: "e"})
	s.Submit(ctx, "e", posts("e", 3))
	if got := read(t, s, "dead", 10); len(got) != 3 {
		t.Fatalf("first read = %d, want 3", len(got))
	}
	if got := read(t, s, "w2", 10); len(got) != 0 {
		t.Errorf("read before the claim expired = %d entries, want 0", len(got))
	}
	entries, err := s.Read(ctx, "w2", 10, 10*time.Second) // waits for the claims to expire
	if err != nil || len(entries) != 3 {
		t.Fatalf("read after the claim expired = %d, %v; want 3", len(entries), err)
	}
	scoreAll(entries)
	if n := tally(t, s, entries); n != 3 {
		t.Errorf("tally = %d, want 3", n)
	}
	if got := read(t, s, "w3", 10); len(got) != 0 {
		t.Errorf("read after tally = %d entries, want 0", len(got))
	}
}

func TestReadWakesOnSubmit(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), embedded.Options{})
	defer s.Close()
	s.CreateEvent(ctx, chorus.Event{ID: "e"})
	go func() {
		time.Sleep(50 * time.Millisecond)
		s.Submit(ctx, "e", posts("e", 2))
	}()
	start := time.Now()
	entries, err := s.Read(ctx, "w", 10, time.Minute)
	if err != nil || len(entries) != 2 {
		t.Fatalf("Read = %d, %v; want 2 entries", len(entries), err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Read returned after %v: the Submit did not wake it", d)
	}
}

func TestTopN(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), embedded.Options{TopN: 3})
	defer s.Close()
	s.CreateEvent(ctx, chorus.Event{ID: "e"})
	s.Submit(ctx, "e", posts("e", 10)) // likes = index; even x, odd weibo
	for entries := read(t, s, "w", 4); len(entries) > 0; entries = read(t, s, "w", 4) {
		tally(t, s, entries)
	}
	tests := []struct {
		platform chorus.Platform
		want     []string
	}{
		{"", []string{"9", "8", "7"}},
		{chorus.X, []string{"8", "6", "4"}},
		{chorus.Weibo, []string{"9", "7", "5"}},
	}
	for _, tc := range tests {
		t.Run(string(tc.platform), func(t *testing.T) {
			page, err := s.Posts(ctx, "e", chorus.PostQuery{Sort: chorus.Top, Platform: tc.platform, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range page.Posts {
				got = append(got, p.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("top = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLockedInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chorus-data")
	s := open(t, dir, embedded.Options{})
	defer s.Close()
	start := time.Now()
	_, err := embedded.Open(dir, embedded.Options{})
	if !errors.Is(err, chorus.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v, want a fast failure", d)
	}
	for _, want := range []string{dir, "pid " + strconv.Itoa(os.Getpid()), "--data-dir", "POST /api/v1/events/ID/posts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	checkUnharmed(t, s)
}

// checkUnharmed uses a store that another opener was refused.
func checkUnharmed(t *testing.T, s *embedded.Store) {
	t.Helper()
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	s.CreateEvent(ctx, chorus.Event{ID: "unharmed"})
	if res, err := s.Submit(ctx, "unharmed", posts("unharmed", 5)); err != nil || res.Accepted != 5 {
		t.Fatalf("Submit after a refused Open = %+v, %v", res, err)
	}
	entries := read(t, s, "w", 100)
	tally(t, s, entries)
	if sum := total(t, s, "unharmed"); sum.Total != 5 {
		t.Errorf("total after a refused Open = %d, want 5", sum.Total)
	}
}

// TestLockedOtherProcess runs a real second process both ways: it is
// refused while this one holds the dir, and this one is refused (naming the
// other's pid) while it holds it; once it is killed, its leftover note does
// not block.
func TestLockedOtherProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "chorus-data")

	t.Run("refused", func(t *testing.T) {
		s := open(t, dir, embedded.Options{})
		defer s.Close()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=open "+dir)
		out, err := cmd.Output()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("second process: %v, output %q; want exit 3", err, out)
		}
		for _, want := range []string{"locked=true", "pid " + strconv.Itoa(os.Getpid()), dir} {
			if !strings.Contains(string(out), want) {
				t.Errorf("second process said %q, want it to mention %q", out, want)
			}
		}
		checkUnharmed(t, s)
	})

	t.Run("holder", func(t *testing.T) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"=hold "+dir)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		if line != "ready\n" {
			t.Fatalf("holder said %q, want ready", line)
		}
		_, err = embedded.Open(dir, embedded.Options{})
		var locked *embedded.LockedError
		if !errors.As(err, &locked) || !errors.Is(err, chorus.ErrLocked) {
			t.Fatalf("Open while another process holds the dir = %v, want a LockedError", err)
		}
		if locked.Holder == nil || locked.Holder.PID != cmd.Process.Pid {
			t.Errorf("holder = %+v, want pid %d", locked.Holder, cmd.Process.Pid)
		}
		if !strings.Contains(err.Error(), "pid "+strconv.Itoa(cmd.Process.Pid)) {
			t.Errorf("error %q does not name pid %d", err, cmd.Process.Pid)
		}

		// Killed without a chance to clean up: the note stays, the lock goes.
		cmd.Process.Kill()
		cmd.Wait()
		if _, err := os.Stat(filepath.Join(dir, "LOCK.json")); err != nil {
			t.Fatalf("the killed holder's note: %v", err)
		}
		s := open(t, dir, embedded.Options{})
		defer s.Close()
		if sum := total(t, s, "unharmed"); sum.Total != 5 {
			t.Errorf("total after the holder was killed = %d, want 5", sum.Total)
		}
	})
}

func TestLockedErrorMessage(t *testing.T) {
	since := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  *embedded.LockedError
		want string
	}{
		{"holder", &embedded.LockedError{Dir: "./chorus-data", Holder: &embedded.Holder{PID: 4242, Command: "chorus serve", Since: since}},
			`data dir ./chorus-data is in use by "chorus serve" (pid 4242, since 2026-11-25T18:00:00Z): stop it first, send posts to the running server (POST /api/v1/events/ID/posts), or use another --data-dir`},
		{"no note", &embedded.LockedError{Dir: "d"},
			`data dir d is in use by another chorus process: stop it first, send posts to the running server (POST /api/v1/events/ID/posts), or use another --data-dir`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tc.want)
			}
			if !errors.Is(tc.err, chorus.ErrLocked) {
				t.Error("not ErrLocked")
			}
		})
	}
}

// TestTallyBadRef: an item must name its own queue entry; nothing is
// counted when one does not.
func TestTallyBadRef(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), embedded.Options{})
	defer s.Close()
	s.CreateEvent(ctx, chorus.Event{ID: "e"})
	s.Submit(ctx, "e", posts("e", 2))
	entries := read(t, s, "w", 10)
	if len(entries) != 2 {
		t.Fatalf("read %d, want 2", len(entries))
	}
	tests := []struct {
		name string
		edit func(e []chorus.Entry)
	}{
		{"empty", func(e []chorus.Entry) { e[1].Ref = "" }},
		{"not a number", func(e []chorus.Entry) { e[1].Ref = "1-0" }},
		{"another post's", func(e []chorus.Entry) { e[0].Ref, e[1].Ref = e[1].Ref, e[0].Ref }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := slices.Clone(entries)
			tc.edit(bad)
			if n, err := s.Tally(ctx, bad); !errors.Is(err, chorus.ErrInvalid) {
				t.Errorf("Tally = %d, %v; want ErrInvalid", n, err)
			}
			if sum := total(t, s, "e"); sum.Total != 0 {
				t.Errorf("total after a refused Tally = %d, want 0", sum.Total)
			}
		})
	}
	if n := tally(t, s, entries); n != 2 {
		t.Errorf("good Tally = %d, want 2", n)
	}
}

// TestPendingAcrossRestart leaves some tallied posts in the write-behind
// (pending.go) and some moved, reopens, and checks that listings, timelines
// and a correction see every post exactly once.
func TestPendingAcrossRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	embedded.SetFlushAt(s, 7)
	s.CreateEvent(ctx, chorus.Event{ID: "e"})
	s.Submit(ctx, "e", posts("e", 30))
	for entries := read(t, s, "w", 4); len(entries) > 0; entries = read(t, s, "w", 4) {
		tally(t, s, entries)
	}
	s.Close()

	s = open(t, dir, embedded.Options{})
	defer s.Close()
	page, err := s.Posts(ctx, "e", chorus.PostQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range page.Posts {
		if want := strconv.Itoa(29 - i); p.ID != want {
			t.Fatalf("Posts[%d] = %s, want %s (newest first, each once)", i, p.ID, want)
		}
	}
	if len(page.Posts) != 30 {
		t.Errorf("Posts = %d posts, want 30", len(page.Posts))
	}
	points, err := s.Timeline(ctx, "e", chorus.Minute, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 1 || points[0].Positive != 10 || points[0].Neutral != 10 || points[0].Negative != 10 {
		t.Errorf("Timeline = %+v, want one minute of 10/10/10", points)
	}
	// The newest posts are still pending: correct one of them.
	if _, err := s.Correct(ctx, "e", chorus.Weibo, "29", chorus.Positive, "sarcasm"); err != nil {
		t.Fatal(err)
	}
	page, err = s.Posts(ctx, "e", chorus.PostQuery{Label: chorus.Positive, Limit: 1000})
	if err != nil || len(page.Posts) != 11 || page.Posts[0].ID != "29" {
		t.Errorf("positive posts after correction = %d (first %v), %v; want 11, first 29", len(page.Posts), page.Posts[:min(1, len(page.Posts))], err)
	}
	sum := total(t, s, "e")
	if sum.Total != 30 || sum.ByLabel.Positive != 11 || sum.ByLabel.Negative != 9 {
		t.Errorf("summary after correction = %+v", sum.ByLabel)
	}
}

// TestConcurrentExactlyOnce runs two submitters sending overlapping posts
// and three workers, one of which drops every other batch as if it died
// mid-way (its claims expire and the entries go to the others). Every post
// must be counted exactly once.
func TestConcurrentExactlyOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Worker 0 "dies" with every other batch it reads, and races back for
	// more: a post could fail five times by that alone, so the dead
	// letters (tested on their own) stay out of this.
	s := open(t, t.TempDir(), embedded.Options{ClaimTimeout: 100 * time.Millisecond, MaxDeliveries: 1000})
	defer s.Close()
	embedded.SetFlushAt(s, 300)
	s.CreateEvent(ctx, chorus.Event{ID: "e"})
	const n = 3000
	all := posts("e", n)
	var wg sync.WaitGroup
	for sub := range 2 {
		wg.Go(func() {
			// Submitter 0 sends posts 0..1999, submitter 1 sends 1000..2999.
			for i := sub * 1000; i < sub*1000+2000; i += 50 {
				if _, err := s.Submit(ctx, "e", all[i:i+50]); err != nil {
					t.Errorf("Submit: %v", err)
					return
				}
			}
		})
	}
	var tallied atomic.Int64
	done := make(chan struct{})
	for w := range 3 {
		wg.Go(func() {
			for batch := 0; ; batch++ {
				select {
				case <-done:
					return
				default:
				}
				entries, err := s.Read(ctx, "w"+strconv.Itoa(w), 64, 20*time.Millisecond)
				if err != nil {
					t.Errorf("Read: %v", err)
					return
				}
				if len(entries) == 0 || w == 0 && batch%2 == 1 {
					continue // worker 0 "dies" with every other batch
				}
				scoreAll(entries)
				k, err := s.Tally(ctx, entries)
				if err != nil {
					t.Errorf("Tally: %v", err)
					return
				}
				tallied.Add(int64(k))
			}
		})
	}
	for queued(t, s, "e") > 0 || tallied.Load() < n {
		if ctx.Err() != nil {
			t.Fatalf("not drained: queued %d, tallied %d", queued(t, s, "e"), tallied.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(done)
	wg.Wait()
	if got := tallied.Load(); got != n {
		t.Errorf("Tally reported %d newly tallied, want %d", got, n)
	}
	sum := total(t, s, "e")
	if want := (chorus.LabelCounts{Positive: n / 3, Neutral: n / 3, Negative: n / 3}); sum.Total != n || sum.ByLabel != want {
		t.Errorf("summary = total %d %+v, want %d %+v", sum.Total, sum.ByLabel, n, want)
	}
	seen := map[string]bool{}
	q := chorus.PostQuery{Limit: 700}
	for {
		page, err := s.Posts(ctx, "e", q)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Posts {
			if seen[p.Key()] {
				t.Errorf("%s listed twice", p.Key())
			}
			seen[p.Key()] = true
		}
		if page.NextCursor == "" {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(seen) != n {
		t.Errorf("listed %d posts, want %d", len(seen), n)
	}
}

// TestFormat: a file stamped with another layout is refused, not misread.
func TestFormat(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, embedded.Options{})
	s.Close()
	db, err := bolt.Open(filepath.Join(dir, "chorus.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte{0, 0, 0, 0, 0, 0, 0, 99})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := embedded.Open(dir, embedded.Options{}); err == nil || !strings.Contains(err.Error(), "layout 99") {
		t.Errorf("Open of a layout 99 file = %v, want a refusal naming layout 99", err)
	}
	// A refused open leaves the dir free.
	if _, err := os.Stat(filepath.Join(dir, "LOCK.json")); !os.IsNotExist(err) {
		t.Errorf("LOCK.json after a refused open: %v, want none", err)
	}
}
