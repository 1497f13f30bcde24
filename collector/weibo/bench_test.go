package weibo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
)

// benchPage is a search page of n post cards in the mobile web's HTML.
func benchPage(n int) []byte {
	var cards []string
	for i := range n {
		cards = append(cards, card9(mblog(fmt.Sprintf("50620000%08d", i), "Wed Jul 31 20:15:00 +0800 2024",
			`太感动了<span class="url-icon"><img alt="[心]" src="//h5.sinaimg.cn/m/emoticon/icon/others/l_xin.png" style="width:1em; height:1em;" /></span> <a href="https://m.weibo.cn/search?containerid=231522type%3D1%26q%3D%23巴黎奥运%23"><span class="surl-text">#巴黎奥运#</span></a> <a href='/n/乒乓小迷妹'>@乒乓小迷妹</a> 这张合影会被记住很久很久<br />第二行 &quot;好&quot;`)))
	}
	return []byte(page("2", cards...))
}

func BenchmarkReadJSON(b *testing.B) {
	var lines bytes.Buffer
	for range 100 {
		lines.Write(benchPage(10))
		lines.WriteByte('\n')
	}
	data := lines.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	posts := 0
	for b.Loop() {
		_ = ReadJSON(bytes.NewReader(data), NewConverter(SourceMobile, fetched), func(int, chorus.Post, error) error { posts++; return nil })
	}
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkReadCSV(b *testing.B) {
	var buf strings.Builder
	buf.WriteString("\ufeffid,bid,正文,头条文章url,原始图片url,视频url,位置,日期,工具,点赞数,评论数,转发数,话题,@用户,完整日期\n")
	for i := range 1000 {
		fmt.Fprintf(&buf, "50620000%08d\t,B%d,这张合影太珍贵了，说明了体育精神,,,,,2024-07-31T20:30:00,iPhone客户端,41,6,1,巴黎奥运,,2024-07-31 20:30:00\n", i, i)
	}
	data := buf.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	posts := 0
	for b.Loop() {
		_ = ReadCSV(strings.NewReader(data), NewConverter(SourceCrawler, fetched), CSVOwner{ID: "1"}, func(int, chorus.Post, error) error { posts++; return nil })
	}
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkText(b *testing.B) {
	s := `太感动了<span class="url-icon"><img alt="[心]" src="//h5.sinaimg.cn/x.png" style="width:1em; height:1em;" /></span> <a href="https://m.weibo.cn/search?q=%23x%23"><span class="surl-text">#巴黎奥运#</span></a> <a href='/n/乒乓小迷妹'>@乒乓小迷妹</a> 这张合影会被记住很久很久<br />第二行`
	b.ReportAllocs()
	for b.Loop() {
		_ = Text(s)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// BenchmarkSearch pages a local server speaking getIndex through the
// whole collector (HTTP, classify, decode, convert) into a sink that keeps
// nothing: 20 pages of 10 posts a run.
func BenchmarkSearch(b *testing.B) {
	f := &fakeWeibo{pages: map[int][]answer{}, long: map[string]string{}, show: map[string]string{}, hits: map[int]int{}}
	for pg := 1; pg <= 20; pg++ {
		var cards []string
		for i := range 10 {
			cards = append(cards, card9(mblog(fmt.Sprintf("50620%05d%06d", pg, i), "Wed Jul 31 20:15:00 +0800 2024",
				`太感动了<span class="url-icon"><img alt="[心]" src="x"></span> <a href='/n/乒乓小迷妹'>@乒乓小迷妹</a> 这张合影会被记住很久很久`)))
		}
		next := fmt.Sprint(pg + 1)
		if pg == 20 {
			next = "null"
		}
		f.pages[pg] = []answer{ok(page(next, cards...))}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = f.reqs[:0] // keep nothing across runs
		f.mu.Unlock()
		f.serve(w, r)
	}))
	defer srv.Close()
	posts := 0
	for b.Loop() {
		c := NewMobile(testOptions(srv.URL))
		sink := &sinkPosts{}
		run := collector.NewRun(c.Status(), collector.RunOptions{})
		if err := c.Run(context.Background(), run, collector.NopStore{}, sink); err != nil {
			b.Fatal(err)
		}
		posts += len(sink.posts)
	}
	b.ReportMetric(float64(posts)/b.Elapsed().Seconds(), "posts/s")
}
