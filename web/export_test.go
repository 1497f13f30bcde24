package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chorus-news/chorus/report"
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
