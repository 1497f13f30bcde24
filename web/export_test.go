package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/file"
	"github.com/chorus-news/chorus/report"
	"github.com/chorus-news/chorus/web"
)

func TestExport(t *testing.T) {
	f := newFixture(t, token)
	body := "[" + postJSON("x", "1", "=HYPERLINK(\"http://evil.example\") great") + "," + postJSON("weibo", "2", "太暖了[心]") + "]"
	if code, resp := f.do("POST", "/api/v1/events/ev/posts", "application/json", token, body); code != 200 {
		t.Fatalf("post: %d %s", code, resp)
	}
	f.drain()
	for _, format := range report.Formats {
		t.Run(string(format), func(t *testing.T) {
			// A read: no token needed even when one is set.
			resp, err := http.Get(f.srv.URL + "/api/v1/events/ev/export?format=" + string(format))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, got)
			}
			if ct := resp.Header.Get("Content-Type"); ct != format.ContentType() {
				t.Errorf("Content-Type %q, want %q", ct, format.ContentType())
			}
			if cd, want := resp.Header.Get("Content-Disposition"), `attachment; filename="ev.`+string(format)+`"`; cd != want {
				t.Errorf("Content-Disposition %q, want %q", cd, want)
			}
			var want bytes.Buffer
			if err := report.Write(context.Background(), f.store, "ev", format, &want, report.Options{}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("export route gave %d bytes, report.Write %d: not the same bytes", len(got), want.Len())
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	f := newFixture(t, "")
	tests := []struct {
		name, path string
		want       int
		msg        string
	}{
		{"unknown event", "/api/v1/events/nope/export?format=csv", 404, "not found"},
		{"unknown format", "/api/v1/events/ev/export?format=docx", 400, "format"},
		{"bad bucket", "/api/v1/events/ev/export?format=json&bucket=2h", 400, "bucket"},
		{"bad top", "/api/v1/events/ev/export?format=json&top=0", 400, "top"},
		{"format defaults to csv", "/api/v1/events/ev/export", 200, "platform,id,created_at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := f.do("GET", tc.path, "", "", "")
			if code != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, code, body, tc.want, tc.msg)
			}
		})
	}
}

// failingStore is the real store whose post listings fail after a few
// pages: a store that goes away in the middle of an export.
type failingStore struct {
	web.Store
	pages atomic.Int32
}

func (s *failingStore) Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error) {
	if q.Cursor != "" && s.pages.Add(1) > 3 {
		return chorus.PostPage{}, errors.New("connection reset by the test")
	}
	return s.Store.Posts(ctx, event, q)
}

// TestExportFailsVisibly: when the store fails after the download has
// begun, the client sees a broken transfer, not a short file that looks
// whole.
func TestExportFailsVisibly(t *testing.T) {
	f := newFixture(t, "")
	var posts []string
	for i := range 5000 {
		posts = append(posts, postJSON([]string{"x", "weibo"}[i%2], strconv.Itoa(1000+i), "post "+strconv.Itoa(i)))
	}
	if code, resp := f.do("POST", "/api/v1/events/ev/posts", "application/json", "", "["+strings.Join(posts, ",")+"]"); code != 200 {
		t.Fatalf("post: %d %s", code, resp)
	}
	f.drain()
	h, err := web.New(web.Config{Store: &failingStore{Store: f.store}, Decode: file.DecodePost})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/events/ev/export?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("a failed export read as a whole file of %d bytes", len(body))
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read error %v, want an unexpected EOF", err)
	}
}

// heldStore is the real store whose listings wait until release closes:
// exports that take their time.
type heldStore struct {
	web.Store
	entered atomic.Int32
	release chan struct{}
}

func (s *heldStore) Posts(ctx context.Context, event string, q chorus.PostQuery) (chorus.PostPage, error) {
	s.entered.Add(1)
	<-s.release
	return s.Store.Posts(ctx, event, q)
}

// TestExportsAtOnce: past four exports at once, a fifth waits, then gets
// 429 with Retry-After; the four finish.
func TestExportsAtOnce(t *testing.T) {
	f := newFixture(t, "")
	st := &heldStore{Store: f.store, release: make(chan struct{})}
	h, err := web.New(web.Config{Store: st, Decode: file.DecodePost})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	codes := make(chan int, 4)
	for range 4 {
		go func() {
			resp, err := http.Get(srv.URL + "/api/v1/events/ev/export?format=csv")
			if err != nil {
				codes <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes <- resp.StatusCode
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); st.entered.Load() < 4; {
		if time.Now().After(deadline) {
			t.Fatalf("%d exports started, want 4", st.entered.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := http.Get(srv.URL + "/api/v1/events/ev/export?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "at once") {
		t.Errorf("fifth export = %d (Retry-After %q) %s; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	close(st.release)
	for range 4 {
		if code := <-codes; code != 200 {
			t.Errorf("a held export ended %d, want 200", code)
		}
	}
}
