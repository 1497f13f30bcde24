package x

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/x/xtest"
)

// pastX is a server speaking X API v2 whose clock says 2024-08-01: it
// holds posts of the days before and refuses, as X does with a 400, a
// start_time, end_time or since_id older than its 7 days.
type pastX struct {
	*httptest.Server
	now   time.Time
	mu    sync.Mutex
	ids   []string // newest first
	times map[string]time.Time
	seen  []map[string]string
}

func newPastX(t *testing.T, n int) *pastX {
	px := &pastX{now: time.Date(2024, 8, 1, 12, 0, 0, 0, time.UTC), times: map[string]time.Time{}}
	for i := range n {
		at := px.now.Add(-time.Duration(i+1) * 17 * time.Minute).Truncate(time.Second)
		id := xtest.Snowflake(at, i)
		px.ids = append(px.ids, id)
		px.times[id] = at
	}
	px.Server = httptest.NewServer(http.HandlerFunc(px.serve))
	t.Cleanup(px.Close)
	return px
}

func (px *pastX) refuse(w http.ResponseWriter, param, value, msg string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(400)
	fmt.Fprintf(w, `{"errors":[{"parameters":{%q:[%q]},"message":%q}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.x.com/2/problems/invalid-request"}`, param, value, msg)
}

func (px *pastX) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	px.mu.Lock()
	rec := map[string]string{}
	for k := range q {
		rec[k] = q.Get(k)
	}
	px.seen = append(px.seen, rec)
	px.mu.Unlock()
	floor := px.now.Add(-RecentWindow).Truncate(time.Minute)
	var start, end time.Time
	if v := q.Get("start_time"); v != "" {
		start, _ = time.Parse(time.RFC3339, v)
		if start.Before(floor) {
			px.refuse(w, "start_time", v, fmt.Sprintf("Invalid 'start_time':'%s'. 'start_time' must be on or after %s", v, floor.Format("2006-01-02T15:04Z")))
			return
		}
	}
	if v := q.Get("end_time"); v != "" {
		end, _ = time.Parse(time.RFC3339, v)
		if end.Before(floor) {
			px.refuse(w, "end_time", v, fmt.Sprintf("Invalid 'end_time':'%s'. 'end_time' must be on or after %s", v, floor.Format("2006-01-02T15:04Z")))
			return
		}
	}
	since := q.Get("since_id")
	if since != "" && idTime(since).Before(floor) {
		px.refuse(w, "since_id", since, fmt.Sprintf("Invalid 'since_id':'%s'. 'since_id' must be a tweet id created after %s. Please use a 'since_id' that is newer.", since, floor.Format("2006-01-02T15:04Z")))
		return
	}
	var match []string
	for _, id := range px.ids {
		at := px.times[id]
		if since != "" && maxID(id, since) != id || id == since || !start.IsZero() && at.Before(start) || !end.IsZero() && !at.Before(end) {
			continue
		}
		match = append(match, id)
	}
	off := 0
	fmt.Sscan(q.Get("next_token"), &off)
	page := match[min(off, len(match)):min(off+100, len(match))]
	body := map[string]any{}
	meta := map[string]any{"result_count": len(page)}
	if len(page) > 0 {
		var data []map[string]string
		for _, id := range page {
			data = append(data, map[string]string{"id": id, "text": "回顾 " + id, "created_at": px.times[id].Format("2006-01-02T15:04:05.000Z"), "lang": "zh"})
		}
		body["data"] = data
		meta["newest_id"], meta["oldest_id"] = page[0], page[len(page)-1]
	}
	if off+100 < len(match) {
		meta["next_token"] = fmt.Sprint(off + 100)
	}
	body["meta"] = meta
	json.NewEncoder(w).Encode(body)
}

func (px *pastX) requests() []map[string]string {
	px.mu.Lock()
	defer px.mu.Unlock()
	return append([]map[string]string(nil), px.seen...)
}

// Against a server replaying 2024 (the local clock years later), the
// window and since_id are sent as asked, not judged by the local clock:
// the 2024 window is searched, and a rerun sends since_id and adds
// nothing.
func TestSearchPastServerSendsWhatWasAsked(t *testing.T) {
	px := newPastX(t, 250)
	store := openStore(t)
	s := &Search{APIBase: px.URL, Token: testToken, Event: "tt", Query: "乒乓", BackoffInitial: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}
	s.Start, s.End = time.Date(2024, 7, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 8, 2, 0, 0, 0, 0, time.UTC)
	first := &sink{}
	if err := s.Run(context.Background(), nil, store, first); err != nil {
		t.Fatal(err)
	}
	if got := len(first.keys()); got != 250 {
		t.Fatalf("first run: %d posts, want 250", got)
	}
	reqs := px.requests()
	if reqs[0]["start_time"] != "2024-07-29T00:00:00Z" || reqs[0]["end_time"] != "2024-08-02T00:00:00Z" {
		t.Errorf("first request %v: want the window as asked", reqs[0])
	}
	again := &sink{}
	if err := s.Run(context.Background(), nil, store, again); err != nil {
		t.Fatal(err)
	}
	reqs = px.requests()
	last := reqs[len(reqs)-1]
	if len(again.posts) != 0 || last["since_id"] != px.ids[0] {
		t.Errorf("rerun: %d posts, since_id %q; want none and since_id %s", len(again.posts), last["since_id"], px.ids[0])
	}
}

// A 400 refusing start_time clamps it to the time X names and retries
// (with a note); one refusing a stale since_id drops it; a window that
// ended before X's reach is not searched, and says so.
func TestSearchReactsToRefusedTimes(t *testing.T) {
	px := newPastX(t, 600) // 600×17 min: back to 2024-07-25
	store := openStore(t)
	s := &Search{APIBase: px.URL, Token: testToken, Event: "tt", Query: "q", BackoffInitial: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond}
	s.Start = time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	run := collector.NewRun(chorus.CollectorStatus{Event: "tt", Name: NameSearch}, collector.RunOptions{})
	got := &sink{}
	if err := s.Run(context.Background(), run, store, got); err != nil {
		t.Fatal(err)
	}
	reqs := px.requests()
	if reqs[0]["start_time"] != "2024-07-01T00:00:00Z" || reqs[1]["start_time"] != "2024-07-25T12:01:00Z" {
		t.Errorf("start_time sent %q then %q: want the window's, then X's floor plus a minute", reqs[0]["start_time"], reqs[1]["start_time"])
	}
	if note := run.Status().Note; !strings.Contains(note, "2024-07-25T12:01:00Z") {
		t.Errorf("note %q does not say where the search starts", note)
	}
	want := 0
	for _, id := range px.ids {
		if !px.times[id].Before(time.Date(2024, 7, 25, 12, 1, 0, 0, time.UTC)) {
			want++
		}
	}
	if n := len(got.keys()); n != want || n == 0 {
		t.Errorf("%d posts, want %d", n, want)
	}

	// A since_id from before the reach is dropped, and the round goes on.
	stale := xtest.Snowflake(time.Date(2024, 7, 10, 0, 0, 0, 0, time.UTC), 1)
	if err := store.SaveCheckpoint(context.Background(), "tt", s.Key(), `{"since_id":"`+stale+`"}`); err != nil {
		t.Fatal(err)
	}
	s.Start = time.Time{}
	before := len(px.requests())
	if err := s.Run(context.Background(), run, store, &sink{}); err != nil {
		t.Fatal(err)
	}
	reqs = px.requests()[before:]
	if len(reqs) < 2 || reqs[0]["since_id"] != stale || reqs[1]["since_id"] != "" {
		t.Errorf("requests %v: want the stale since_id once, then none", reqs)
	}
	if cp, _ := store.Checkpoint(context.Background(), "tt", s.Key()); !strings.Contains(cp, px.ids[0]) {
		t.Errorf("checkpoint %s, want since_id %s", cp, px.ids[0])
	}

	// A window that ended before the reach: one refused request, a note.
	s2 := &Search{APIBase: px.URL, Token: testToken, Event: "old", Query: "q", Start: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC)}
	run2 := collector.NewRun(chorus.CollectorStatus{Event: "old", Name: NameSearch}, collector.RunOptions{})
	before = len(px.requests())
	if err := s2.Run(context.Background(), run2, store, &sink{}); err != nil {
		t.Fatalf("an unreachable window is a note, not an error: %v", err)
	}
	if n := len(px.requests()) - before; n > 3 || !strings.Contains(run2.Status().Note, "cannot be searched") {
		t.Errorf("%d requests, note %q", n, run2.Status().Note)
	}
}
