package weibo

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
)

func addFixtures(f *testing.F, pattern string) {
	names, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, n := range names {
		if data, err := os.ReadFile(n); err == nil {
			f.Add(data)
		}
	}
}

// checkFuzzPost holds for every post a decoder yields from any input.
func checkFuzzPost(t *testing.T, p chorus.Post) {
	if err := p.Validate(); err != nil {
		t.Errorf("post %q does not validate: %v", p.ID, err)
	}
	if p.RepostOf != "" && p.RepostOf == p.ID {
		t.Errorf("post %q reposts itself", p.ID)
	}
}

func FuzzReadJSON(f *testing.F) {
	addFixtures(f, "*.json")
	addFixtures(f, "*.ndjson")
	f.Add([]byte(`{"ok":1,"data":{"cards":[{"card_type":11,"card_group":[{"card_type":9,"mblog":{"id":"1","created_at":"刚刚","text":"<a href='/n/x'>@x</a>"}}]}]}}`))
	f.Add([]byte("[{\"id\":1,\"created_at\":\"今天 10:00\"},\n{\"id\":"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := 1 + bytes.Count(data, []byte{'\n'})
		last := 0
		err := ReadJSON(bytes.NewReader(data), NewConverter(SourceMobile, fetched), func(line int, p chorus.Post, err error) error {
			if line < 1 || line > lines {
				t.Errorf("line %d outside 1..%d", line, lines)
			}
			if line < last {
				t.Errorf("line %d after line %d", line, last)
			}
			last = line
			if err == nil {
				checkFuzzPost(t, p)
			}
			return nil
		})
		if err != nil {
			t.Errorf("ReadJSON: %v", err)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	addFixtures(f, "*.csv")
	addFixtures(f, "weibo/*/*.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ReadCSV(bytes.NewReader(data), NewConverter(SourceCrawler, fetched), CSVOwner{}, func(line int, p chorus.Post, err error) error {
			if err == nil {
				checkFuzzPost(t, p)
			}
			return nil
		})
	})
}

// FuzzMobilePage feeds any answer to the collector's page reading: the
// classifier, then the cards, as a search run reads them.
func FuzzMobilePage(f *testing.F) {
	addFixtures(f, "mobile_*.json")
	f.Add([]byte(`{"ok":0,"msg":"这里还没有内容"}`))
	f.Add([]byte(`{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}`))
	f.Add([]byte(`{"ok":0,"errno":"100005","msg":"请求过于频繁,歇歇吧"}`))
	f.Add([]byte(`<html><title>Sina Visitor System</title></html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c := NewMobile(Options{Event: "e", Query: "q", Base: "http://127.0.0.1:1", Cookie: NewSecret("SUB=x"), Now: func() time.Time { return fetched }})
		req, _ := http.NewRequest("GET", "http://127.0.0.1:1/api/container/getIndex", nil)
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Request: req}
		if err := c.classifyMobile(resp, body); err != nil {
			return // refused: a fault, a throttle, a rejected cookie, a malformed page
		}
		res, err := c.readPage(body, fetched, slice{}, func(*status) {}, func(error) {})
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, p := range res.posts {
			checkFuzzPost(t, p)
			if seen[p.ID] {
				t.Errorf("post %s handed over twice from one page", p.ID)
			}
			seen[p.ID] = true
			if p.Event != "e" {
				t.Errorf("post %s: event %q", p.ID, p.Event)
			}
		}
	})
}
