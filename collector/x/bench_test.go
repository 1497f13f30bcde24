package x

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/x/xtest"
)

// fullPage is one search page of 100 posts with includes, as the stand-in
// server sends it.
func fullPage(b *testing.B) []byte {
	users, tweets := corpus(100, time.Now().UTC())
	srv := xtest.New(testToken, users, tweets)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/2/tweets/search/recent?query=q&max_results=100", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return body
}

func BenchmarkDecodePage(b *testing.B) {
	body := fullPage(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if _, err := DecodePage(body, SourceSearch, func(chorus.Post, error) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkReadTwarc2Flat(b *testing.B) {
	line := bytes.TrimSpace(must(os.ReadFile("testdata/twarc2-flat.jsonl")))
	data := bytes.Repeat(append(line, '\n'), 100)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		if err := ReadTwarc2(bytes.NewReader(data), func(Record) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkSearch pages through 10,000 posts (100 pages) from the
// stand-in server: HTTP, decoding and paging, no store.
func BenchmarkSearch(b *testing.B) {
	users, tweets := corpus(10000, time.Now().UTC())
	srv := xtest.New(testToken, users, tweets)
	defer srv.Close()
	n := 0
	for b.Loop() {
		var out countSink
		if err := (&Search{APIBase: srv.URL, Token: testToken, Event: "tt", Query: "q"}).Run(context.Background(), nil, nil, &out); err != nil {
			b.Fatal(err)
		}
		n += out.n
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
}

type countSink struct{ n int }

func (c *countSink) Put(_ context.Context, posts []chorus.Post) error { c.n += len(posts); return nil }
