package weibo

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector/file"
)

// The import formats this package reads (chorus import --format NAME).
// Each reads every Weibo shape it is given — JSON answers, crawler JSON,
// crawler CSV — and differs only in the source it stamps on the posts.
const (
	FormatAPI     = "weibo-api"     // open API answers, saved
	FormatMobile  = "weibo-mobile"  // m.weibo.cn answers, saved
	FormatCrawler = "weibo-crawler" // dataabc/weibo-crawler CSV and JSON
	FormatSearch  = "weibo-search"  // dataabc/weibo-search CSV
)

func init() {
	for _, f := range []struct {
		name    string
		aliases []string
		sniff   func([]byte) bool
	}{
		{FormatAPI, []string{"weibo-open-api", "weibo-json"}, nil},
		{FormatMobile, []string{"weibo-m", "m.weibo.cn"}, func(head []byte) bool {
			return bytes.Contains(head, []byte("$render_data"))
		}},
		{FormatCrawler, []string{"weibo-crawler-csv", "weibo-crawler-json", "weibospider"}, func(head []byte) bool {
			ok, search := IsWeiboCSVHeader(firstLine(head))
			return ok && !search
		}},
		{FormatSearch, []string{"weibo-search-csv"}, func(head []byte) bool {
			_, search := IsWeiboCSVHeader(firstLine(head))
			return search
		}},
	} {
		// Their sniffers look for what only Weibo tools write: before the
		// article reader's, which takes any HTML page.
		file.Register(file.Format{Name: f.name, Aliases: f.aliases, Read: decoder(f.name), Sniff: f.sniff, Priority: 10})
	}
}

func firstLine(head []byte) string {
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	return strings.TrimPrefix(string(bytes.TrimRight(head, "\r")), "\ufeff")
}

// decoder is the file.Decoder of one format name.
func decoder(format string) file.Decoder {
	return func(in file.Input, fn func(file.Record) error) error {
		now := in.ModTime
		if now.IsZero() {
			now = time.Now()
		}
		emit := func(line int, p chorus.Post, err error) error {
			return fn(file.Record{Line: line, Post: p, Err: err})
		}
		first, err := firstByte(in.R)
		if err != nil {
			return err
		}
		if first == '{' || first == '[' {
			c := NewConverter(format, now)
			c.LongTexts = siblingLongTexts(in.Name)
			return ReadJSON(in.R, c, emit)
		}
		if first == 0 {
			return nil // empty
		}
		if first == '<' {
			return readDetailPage(in, NewConverter(format, now), emit)
		}
		source := format
		if format == FormatAPI || format == FormatMobile || format == FormatCrawler || format == FormatSearch {
			head, _ := in.R.Peek(4096)
			if _, search := IsWeiboCSVHeader(firstLine(head)); search {
				source = FormatSearch
			} else {
				source = FormatCrawler
			}
		}
		return ReadCSV(in.R, NewConverter(source, now), ownerOf(in.Name), emit)
	}
}

// firstByte returns the first byte that is not white space, without
// consuming it (0 for an empty input).
func firstByte(br *bufio.Reader) (byte, error) {
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err == io.EOF || err == nil {
				return 0, nil
			}
			return 0, err
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
			if n > 4096 {
				return 0, nil
			}
			continue
		default:
			return c, nil
		}
	}
}

// ownerOf reads the crawled user from a weibo-crawler path,
// weibo/<screen_name or user_id>/<user_id>.csv, and weibo/users.csv
// beside the folder when it is there.
func ownerOf(name string) CSVOwner {
	if name == "" {
		return CSVOwner{}
	}
	base := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	base = strings.TrimSuffix(base, ".csv") // x.csv.gz
	dir := filepath.Base(filepath.Dir(name))
	var o CSVOwner
	if isDigits(base) {
		o.ID = base
	}
	if dir != "." && dir != "/" && !isDigits(dir) && o.ID != "" {
		o.ScreenName = dir
	}
	if o.ID == "" {
		return CSVOwner{}
	}
	f, err := os.Open(filepath.Join(filepath.Dir(filepath.Dir(name)), "users.csv"))
	if err != nil {
		return o
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(io.LimitReader(f, 64<<20)))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	head, err := r.Read()
	if err != nil {
		return o
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	idCol, ok := col["用户id"]
	if !ok {
		return o
	}
	for {
		rec, err := r.Read()
		if err != nil {
			return o
		}
		if idCol < len(rec) && strings.TrimSpace(rec[idCol]) == o.ID {
			if i, ok := col["昵称"]; ok && i < len(rec) && rec[i] != "" {
				o.ScreenName = strings.TrimSpace(rec[i])
			}
			if i, ok := col["粉丝数"]; ok && i < len(rec) {
				o.Followers, _ = ParseCount(rec[i])
			}
			return o
		}
	}
}

// siblingLongTexts finds the long-text answers saved beside a page: files
// in its folder whose names hold the post's id (extend_<id>.json,
// <id>.json, longtext-<id>.json …) and whose content is a long-text
// answer. Nil when the page has no folder.
func siblingLongTexts(name string) func(id string) string {
	if name == "" {
		return nil
	}
	dir := filepath.Dir(name)
	var names []string
	listed := false
	return func(id string) string {
		if !listed {
			listed = true
			if entries, err := os.ReadDir(dir); err == nil {
				for _, e := range entries {
					if !e.IsDir() && e.Name() != filepath.Base(name) {
						names = append(names, e.Name())
					}
				}
			}
		}
		for _, n := range names {
			if !strings.Contains(n, id) {
				continue
			}
			f, err := os.Open(filepath.Join(dir, n))
			if err != nil {
				continue
			}
			var a struct {
				Data struct {
					LongTextContent string `json:"longTextContent"`
				} `json:"data"`
				LongTextContent string `json:"longTextContent"`
			}
			err = json.NewDecoder(io.LimitReader(f, 4<<20)).Decode(&a)
			f.Close()
			if err != nil {
				continue
			}
			if t := a.Data.LongTextContent; t != "" {
				return t
			}
			if a.LongTextContent != "" {
				return a.LongTextContent
			}
		}
		return ""
	}
}

// readDetailPage reads a saved m.weibo.cn/detail/<id> page: the post is in
// its script, var $render_data = [{"status": {…}}][0] || {};
func readDetailPage(in file.Input, c *Converter, emit emitFunc) error {
	data, err := io.ReadAll(io.LimitReader(in.R, 16<<20))
	if err != nil {
		return err
	}
	const marker = "$render_data = "
	i := bytes.Index(data, []byte(marker))
	if i < 0 {
		return emit(1, chorus.Post{}, &chorus.FieldError{Field: "format", Reason: "an HTML page without $render_data: save the JSON answer (m.weibo.cn/api/…, statuses/show) instead"})
	}
	line := 1 + bytes.Count(data[:i], []byte{'\n'})
	rest := data[i+len(marker):]
	end := bytes.Index(rest, []byte("[0] ||"))
	if end < 0 {
		end = bytes.Index(rest, []byte("</script>"))
	}
	if end < 0 {
		end = len(rest)
	}
	return ReadJSON(bytes.NewReader(rest[:end]), c, func(l int, p chorus.Post, err error) error { return emit(line+l-1, p, err) })
}

// IsDetailPage tells a saved m.weibo.cn/detail/<id> page (HTML carrying
// the post in $render_data) from other HTML, by its first 256 KiB.
func IsDetailPage(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 256<<10)
	n, _ := io.ReadFull(f, head)
	return bytes.Contains(head[:n], []byte("$render_data"))
}
