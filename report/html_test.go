package report_test

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/chorus-news/chorus/internal/golden"
	"github.com/chorus-news/chorus/report"
)

// walk calls fn with every node under n.
func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	return strings.Contains(" "+v+" ", " "+class+" ")
}

func TestHTML(t *testing.T) {
	stores(t, func(t *testing.T, s store) {
		filled(t, s)
		b := write(t, s, report.HTML)
		doc, err := html.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("HTML does not parse: %v", err)
		}
		posts, _ := fixture()
		var rows []*html.Node
		var scripts, external []string
		elements := map[string]int{}
		walk(doc, func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			elements[n.Data]++
			switch n.Data {
			case "script", "iframe", "object", "embed", "link", "img", "b", "i":
				scripts = append(scripts, n.Data)
			case "table":
				if hasClass(n, "posts") {
					walk(n, func(r *html.Node) {
						if r.Type == html.ElementNode && r.Data == "tr" && r.Parent.Data == "tbody" {
							rows = append(rows, r)
						}
					})
				}
			}
			for _, a := range n.Attr {
				if a.Key == "src" || strings.HasPrefix(a.Key, "on") || a.Key == "href" && n.Data != "a" {
					external = append(external, n.Data+" "+a.Key+"="+a.Val)
				}
				if a.Key == "href" && !strings.HasPrefix(a.Val, "https://") {
					external = append(external, "href="+a.Val)
				}
			}
		})
		if len(scripts) > 0 {
			t.Errorf("post text became elements: %v", scripts)
		}
		if len(external) > 0 {
			t.Errorf("the page refers to other resources or runs code: %v", external)
		}
		if len(rows) != len(posts) {
			t.Fatalf("posts table has %d rows, want %d", len(rows), len(posts))
		}
		all := text(doc)
		byText := map[string]bool{}
		for _, r := range rows {
			for c := r.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && hasClass(c, "text") {
					byText[text(c)] = true
				}
			}
		}
		for _, p := range posts {
			if !byText[p.Text] {
				t.Errorf("no row shows the text %q as text", p.Text)
			}
		}
		for _, want := range []string{
			"Paris 2024: the podium selfie <3", // the title, as text
			"Searched: X “selfie”",
			"62.5%", "5 of 8 scored", "+0.38",
			"an ad, but praised", "en-linear/2", "zh-linear/2",
			"not counted as posts: 3.", "Labels corrected by hand: 1.",
			"这是真正的奥林匹克精神！",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("page text lacks %q", want)
			}
		}
		// Three charts (all posts, X, Weibo), one bar segment per post in
		// the first and in its platform's (one post a minute at most), and
		// a group per minute from the first post to the last in each.
		if elements["svg"] != 3 || elements["rect"] != 2*len(posts) || elements["g"] != 3*126 {
			t.Errorf("%d svg charts with %d bars in %d minutes, want 3 with %d in %d", elements["svg"], elements["rect"], elements["g"], 2*len(posts), 3*126)
		}
		golden.Check(t, "testdata/report.html", b)
	})
}
