package report

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/chorus-news/chorus"
)

// FuzzHTMLRow checks the hand-written posts row: whatever a post's text,
// author and link, the row parses to one row whose text cell holds the
// text as text, with no element inside it and no link but http(s).
func FuzzHTMLRow(f *testing.F) {
	for _, s := range []string{"<script>alert(1)</script>", "这是真正的奥林匹克精神！", `"><img src=x onerror=alert(1)>`, "a & b", "</td></tr></table>", "&lt;"} {
		f.Add(s, s, "https://x.com/"+s)
	}
	f.Add("plain", "name", "javascript:alert(1)")
	f.Fuzz(func(t *testing.T, text, name, link string) {
		p := &chorus.Post{Platform: chorus.X, ID: "1", Text: text, Lang: name, CreatedAt: time.Unix(0, 0),
			Author: chorus.Author{Name: name, Handle: name}, URL: link}
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		htmlRow(w, p)
		w.Flush()
		doc, err := html.Parse(strings.NewReader("<!doctype html><table><tbody>" + b.String() + "</tbody></table>"))
		if err != nil {
			t.Fatal(err)
		}
		var rows, cells int
		var textCell *html.Node
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch n.Data {
				case "tr":
					rows++
				case "td":
					cells++
					for _, a := range n.Attr {
						if a.Key == "class" && a.Val == "text" {
							textCell = n
						}
					}
				case "a":
					for _, a := range n.Attr {
						if a.Key == "href" && !strings.HasPrefix(a.Val, "http://") && !strings.HasPrefix(a.Val, "https://") {
							t.Fatalf("link %q", a.Val)
						}
					}
				case "html", "head", "body", "table", "tbody", "br":
				default:
					t.Fatalf("post fields made a <%s> element: %q", n.Data, b.String())
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if rows != 1 || cells != 9 || textCell == nil {
			t.Fatalf("%d rows, %d cells, text cell %v: %q", rows, cells, textCell != nil, b.String())
		}
		var got strings.Builder
		for c := textCell.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.TextNode {
				t.Fatalf("text cell holds a %v node", c.Type)
			}
			got.WriteString(c.Data)
		}
		want := strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "\ufffd").Replace(strings.ToValidUTF8(text, "\ufffd"))
		if got.String() != want && strings.ToValidUTF8(text, "") == text {
			t.Fatalf("text %q came back as %q", want, got.String())
		}
	})
}
