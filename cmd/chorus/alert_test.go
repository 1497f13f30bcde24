package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeAlertWebhook: serve with CHORUS_ALERT_WEBHOOK posts one JSON
// alert when a spike starts in an event's timeline, and never prints the
// webhook's URL.
func TestServeAlertWebhook(t *testing.T) {
	got := make(chan map[string]any, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &a); err != nil {
			t.Errorf("alert body %s: %v", b, err)
		}
		got <- a
	}))
	defer hook.Close()
	dir := t.TempDir()
	env := []string{"CHORUS_DATA_DIR=" + filepath.Join(dir, "data"), "CHORUS_ALERT_WEBHOOK=" + hook.URL + "/T000/B000/secretpart"}
	base, stop := serve(t, dir, env, "--token", "tok")
	post := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer tok")
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s: %s", path, resp.Status)
		}
	}
	post("/api/v1/events", `{"id":"ev","title":"Spiky"}`)
	var lines []string
	n := 0
	add := func(minute, count int) {
		for range count {
			n++
			lines = append(lines, fmt.Sprintf(`{"platform":"x","id":"%d","text":"so happy","created_at":"2024-07-31T19:%02d:%02dZ"}`, n, minute, n%60))
		}
	}
	for m := range 15 {
		add(m, 2)
	}
	add(15, 25)
	post("/api/v1/events/ev/posts", strings.Join(lines, "\n"))
	select {
	case a := <-got:
		if a["type"] != "spike" || a["event"] != "ev" || a["start"] != "2024-07-31T19:15:00Z" || a["posts"] != float64(25) {
			t.Errorf("alert = %v, want ev's spike at 19:15 with 25 posts", a)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no alert within 15 s; serve said:\n%s", stop())
	}
	select {
	case a := <-got:
		t.Errorf("a second alert for the same spike: %v", a)
	case <-time.After(2500 * time.Millisecond):
	}
	if logs := stop(); strings.Contains(logs, "secretpart") {
		t.Errorf("serve's log shows the webhook URL:\n%s", logs)
	}
}
