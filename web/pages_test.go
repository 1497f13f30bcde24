package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

// TestTimeWindowListings: since/until on the posts API and the dashboard's
// listing page give exactly a bucket's posts; bad times are named.
func TestTimeWindowListings(t *testing.T) {
	f := newFixture(t, "")
	var lines []string
	for i, at := range []string{"2024-07-31T19:05:00Z", "2024-07-31T19:05:59Z", "2024-07-31T19:06:00Z", "2024-07-31T20:00:00Z"} {
		lines = append(lines, fmt.Sprintf(`{"platform":"x","id":"%d","text":"so happy","created_at":%q}`, i, at))
	}
	f.do("POST", "/api/v1/events/ev/posts", "application/x-ndjson", "", strings.Join(lines, "\n"))
	f.drain()
	for _, tc := range []struct {
		path string
		want int
		has  []string
	}{
		{"/api/v1/events/ev/posts?since=2024-07-31T19:05:00Z&until=2024-07-31T19:06:00Z", 200, []string{`"id":"0"`, `"id":"1"`}},
		{"/api/v1/events/ev/posts?since=1722452760", 200, []string{`"id":"2"`, `"id":"3"`}},
		{"/api/v1/events/ev/posts?since=yesterday", 400, []string{`"error":"since:`}},
		{"/api/v1/events/ev/posts?since=2024-07-31T20:00:00Z&until=2024-07-31T19:00:00Z", 400, []string{`until: not after since`}},
		{"/events/ev/posts?since=2024-07-31T19:05:00Z&until=2024-07-31T19:06:00Z", 200, []string{"<strong>2</strong> posts counted here", "Jul 31 19:05 UTC (one minute)"}},
		{"/events/ev/posts?label=positive", 200, []string{"Positive posts", "<strong>4</strong> posts"}},
		{"/events/nope/posts", 404, []string{"No such event"}},
	} {
		code, body := f.do("GET", tc.path, "", "", "")
		if code != tc.want {
			t.Errorf("GET %s = %d %.200s, want %d", tc.path, code, body, tc.want)
		}
		for _, h := range tc.has {
			if !strings.Contains(body, h) {
				t.Errorf("GET %s lacks %q: %.400s", tc.path, h, body)
			}
		}
	}
	_, body := f.do("GET", "/api/v1/events/ev/posts?since=2024-07-31T19:05:00Z&until=2024-07-31T19:06:00Z", "", "", "")
	if strings.Contains(body, `"id":"2"`) {
		t.Errorf("until is not exclusive: %s", body)
	}
}

// TestEventPageShowsSpikesAndHealth: a burst is marked on the minute
// timeline, and collector health (an expired cookie, a stall) is on the page.
func TestEventPageShowsSpikesAndHealth(t *testing.T) {
	f := newFixture(t, "")
	var lines []string
	n := 0
	add := func(minute, count int) {
		for range count {
			n++
			lines = append(lines, fmt.Sprintf(`{"platform":"weibo","id":"%d","text":"太好了","created_at":"2024-07-31T19:%02d:%02dZ"}`, n, minute, n%60))
		}
	}
	for m := range 14 {
		add(m, 1)
	}
	add(14, 12)
	add(15, 1)
	f.do("POST", "/api/v1/events/ev/posts", "application/x-ndjson", "", strings.Join(lines, "\n"))
	f.drain()
	ctx := context.Background()
	now := time.Now().UTC()
	for _, st := range []chorus.CollectorStatus{
		{Event: "ev", Name: "weibo-mobile", Platform: chorus.Weibo, Mode: "follow", State: chorus.CollectorFailed, UpdatedAt: now, LastError: "cookie expired: log in again", Errors: 3},
		{Event: "ev", Name: "x-search", Platform: chorus.X, Mode: "poll", State: chorus.CollectorRunning, UpdatedAt: now.Add(-time.Hour), LastPostAt: now.Add(-time.Hour), Posts: 42, RateLimitWaits: 2},
	} {
		if err := f.store.SaveCollector(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	_, page := f.do("GET", "/events/ev?bucket=1m", "", "", "")
	for _, want := range []string{
		`class="col spike"`, "Spikes start at", "Jul 31 19:14 (12 posts)",
		"weibo-mobile", "the Weibo cookie has expired", "x-search", "stalled?", "<td class=\"num\">2</td>",
		`aria-current="true">minute</a>`, "/api/v1/events/ev/export?format=pdf",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("event page lacks %q", want)
		}
	}
	if strings.Count(page, `class="col spike"`) != 1 {
		t.Errorf("%d spiking bars, want 1", strings.Count(page, `class="col spike"`))
	}
	_, hour := f.do("GET", "/events/ev?bucket=1h&platform=x", "", "", "")
	if !strings.Contains(hour, `aria-current="true">X</a>`) || !strings.Contains(hour, "No posts yet.") {
		t.Errorf("the X-only hour timeline of a Weibo-only event should say no posts")
	}
}

// TestJustIn: a post taken in shows on the page at once, even when its
// created_at is older than every post the latest lists show.
func TestJustIn(t *testing.T) {
	f := newFixture(t, "")
	var lines []string
	for i := range 8 {
		lines = append(lines, fmt.Sprintf(`{"platform":"x","id":"%d","text":"so happy %d","created_at":"2024-07-31T20:%02d:00Z"}`, i, i, i))
	}
	f.do("POST", "/api/v1/events/ev/posts", "application/x-ndjson", "", strings.Join(lines, "\n"))
	f.drain()
	_, page := f.do("GET", "/events/ev", "", "", "")
	f.do("POST", "/api/v1/events/ev/posts", "application/json", "", `[{"platform":"weibo","id":"old","text":"迟到的好消息，太开心了","created_at":"2020-01-01T00:00:00Z"}]`)
	f.drain()
	_, page2 := f.do("GET", "/events/ev", "", "", "")
	if strings.Contains(page, "迟到的好消息") || !strings.Contains(page2, "迟到的好消息") {
		t.Fatalf("the old-dated post is not on the page after it arrived")
	}
	_, justIn, _ := strings.Cut(page2, `id="arrived-h"`)
	justIn, _, _ = strings.Cut(justIn, "</section>")
	if !strings.Contains(justIn, "迟到的好消息") || strings.Count(justIn, `<li class="post`) != 5 {
		t.Errorf("Just in = %d cards without the new post first: %.600s", strings.Count(justIn, `<li class="post`), justIn)
	}
	if i, j := strings.Index(justIn, "迟到的好消息"), strings.Index(justIn, "so happy 7"); i < 0 || j < 0 || i > j {
		t.Errorf("Just in is not newest first")
	}
}
