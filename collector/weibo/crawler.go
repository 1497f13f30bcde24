package weibo

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/chorus-news/chorus"
)

// crawlerWeibo is one entry of a weibo-crawler JSON file (and of
// weiboSpider's, whose names differ).
type crawlerWeibo struct {
	UserID        flexID        `json:"user_id"`
	ScreenName    string        `json:"screen_name"`
	ID            flexID        `json:"id"`
	BID           string        `json:"bid"`
	Text          string        `json:"text"`
	Content       string        `json:"content"` // weiboSpider
	CreatedAt     flexString    `json:"created_at"`
	FullCreatedAt flexString    `json:"full_created_at"`
	PublishTime   flexString    `json:"publish_time"` // weiboSpider
	Attitudes     flexCount     `json:"attitudes_count"`
	Comments      flexCount     `json:"comments_count"`
	Reposts       flexCount     `json:"reposts_count"`
	UpNum         flexCount     `json:"up_num"`
	RetweetNum    flexCount     `json:"retweet_num"`
	CommentNum    flexCount     `json:"comment_num"`
	Retweet       *crawlerWeibo `json:"retweet"`
	RetweetID     flexID        `json:"retweet_id"` // weibo-search JSON lines
}

// status maps a crawler entry onto a status; owner is the file's user.
func (cw *crawlerWeibo) status(owner *user) *status {
	s := &status{ID: cw.ID, BID: cw.BID, Text: cw.Text}
	if s.Text == "" {
		s.Text = cw.Content
	}
	s.CreatedAt = cw.FullCreatedAt
	if strings.TrimSpace(string(s.CreatedAt)) == "" {
		s.CreatedAt = cw.CreatedAt
	}
	if strings.TrimSpace(string(s.CreatedAt)) == "" {
		s.CreatedAt = cw.PublishTime
	}
	s.Attitudes = max(cw.Attitudes, cw.UpNum)
	s.Comments = max(cw.Comments, cw.CommentNum)
	s.Reposts = max(cw.Reposts, cw.RetweetNum)
	u := &user{ID: cw.UserID, ScreenName: cw.ScreenName}
	if owner != nil && (u.ID == "" || u.ID == owner.ID || u.ID == owner.IDStr) {
		if u.ID == "" {
			u.ID = owner.ID
			if owner.IDStr != "" {
				u.ID = owner.IDStr
			}
		}
		if u.ScreenName == "" {
			u.ScreenName = owner.ScreenName
		}
		u.Followers = owner.Followers
	}
	if u.ID != "" || u.ScreenName != "" {
		s.User = u
	}
	if cw.Retweet != nil {
		s.Retweeted = cw.Retweet.status(nil)
	} else if cw.RetweetID != "" {
		s.Retweeted = &status{ID: cw.RetweetID}
	}
	return s
}

// crawler converts one entry of a crawler JSON "weibo" array.
func (w *walker) crawler(raw json.RawMessage, path string, line int, owner json.RawMessage) error {
	var cw crawlerWeibo
	if err := json.Unmarshal(raw, &cw); err != nil {
		return w.emit(line, chorus.Post{}, &chorus.FieldError{Field: path, Reason: jsonReason(err)})
	}
	var u *user
	if len(owner) > 0 && owner[0] == '{' {
		u = new(user)
		if json.Unmarshal(owner, u) != nil {
			u = nil
		}
	}
	return w.emitAll(line, cw.status(u), path, false)
}

// CSV columns a Weibo CSV can fill.
const (
	cID = iota
	cBID
	cText
	cDate
	cFullDate
	cLikes
	cComments
	cReposts
	cUserID
	cScreenName
	cOriginal
	cRetweetID
	cRetweetUserID
	cRetweetUserName
	cRetweetBID
	cRetweetText
	cRetweetDate
	cRetweetFullDate
	cRetweetLikes
	cRetweetComments
	cRetweetReposts
	numWeiboCols
)

// weiboColumn maps a header name of weibo-crawler (every version),
// weibo-search and weiboSpider CSV files to the field it fills.
func weiboColumn(name string) (int, bool) {
	n := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
	switch n {
	case "id", "微博id", "mid":
		return cID, true
	case "bid", "mblogid":
		return cBID, true
	case "正文", "微博正文", "text", "content", "微博内容":
		return cText, true
	case "日期", "发布时间", "created_at", "publish_time", "时间":
		return cDate, true
	case "完整日期", "full_created_at":
		return cFullDate, true
	case "点赞数", "attitudes_count", "up_num", "点赞":
		return cLikes, true
	case "评论数", "comments_count", "comment_num", "评论":
		return cComments, true
	case "转发数", "reposts_count", "retweet_num", "转发":
		return cReposts, true
	case "user_id", "用户id":
		return cUserID, true
	case "用户昵称", "screen_name", "昵称", "用户名":
		return cScreenName, true
	case "是否原创", "is_original", "是否为原创微博":
		return cOriginal, true
	case "retweet_id", "源微博id":
		return cRetweetID, true
	case "源用户id":
		return cRetweetUserID, true
	case "源用户昵称":
		return cRetweetUserName, true
	case "源微博bid":
		return cRetweetBID, true
	case "源微博正文":
		return cRetweetText, true
	case "源微博日期":
		return cRetweetDate, true
	case "源微博完整日期":
		return cRetweetFullDate, true
	case "源微博点赞数":
		return cRetweetLikes, true
	case "源微博评论数":
		return cRetweetComments, true
	case "源微博转发数":
		return cRetweetReposts, true
	}
	return 0, false
}

// IsWeiboCSVHeader tells a header line of a Weibo crawler's CSV, and
// whether it is weibo-search's.
func IsWeiboCSVHeader(line string) (ok, search bool) {
	r := csv.NewReader(strings.NewReader(line))
	r.LazyQuotes = true
	r.Comma = separator(line)
	names, err := r.Read()
	if err != nil {
		return false, false
	}
	var idx [numWeiboCols]bool
	for _, n := range names {
		if c, ok := weiboColumn(n); ok {
			idx[c] = true
		}
	}
	ok = idx[cID] && idx[cText] && (idx[cDate] || idx[cFullDate])
	// weibo-search names its author columns; weiboSpider (微博正文,
	// 发布时间 too) does not.
	for _, n := range names {
		switch strings.TrimSpace(strings.TrimPrefix(n, "\ufeff")) {
		case "用户昵称", "retweet_id":
			search = true
		}
	}
	return ok, ok && search
}

// CSVOwner is the author of a crawler file's posts, when the file names
// them (weibo-crawler writes a user's posts to <name>/<user_id>.csv).
type CSVOwner struct {
	ID, ScreenName string
	Followers      int64
}

// ReadCSV reads a Weibo crawler CSV: weibo-crawler's (every header
// version, the repost columns best effort), weibo-search's (old and new
// headers; a repost links its original, written as its own row, by
// retweet_id) and weiboSpider's. Columns are found by header name; rows
// may be ragged; ids may end in a tab; a byte order mark may start the
// file or any row (appended by Python 2 runs). owner fills in the author
// when the rows do not name one.
func ReadCSV(r io.Reader, c *Converter, owner CSVOwner, emit emitFunc) error {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	line := string(head)
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	cr := csv.NewReader(br)
	cr.Comma = separator(line)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	var idx [numWeiboCols]int
	header := false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if e := emit(pe.StartLine, chorus.Post{}, &chorus.FieldError{Field: "csv", Reason: pe.Err.Error()}); e != nil {
					return e
				}
				continue
			}
			return err
		}
		if len(rec) == 1 && strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff")) == "" {
			continue // a blank line
		}
		if !header || isHeaderRow(rec) {
			// The first row, or a header repeated by an appending run.
			for i := range idx {
				idx[i] = -1
			}
			known := 0
			for i, n := range rec {
				if col, ok := weiboColumn(n); ok && idx[col] < 0 {
					idx[col] = i
					known++
				}
			}
			if idx[cID] < 0 || idx[cText] < 0 || idx[cDate] < 0 && idx[cFullDate] < 0 {
				return &chorus.FieldError{Field: "header", Reason: fmt.Sprintf("not a Weibo crawler CSV header: want id, 正文 (or 微博正文) and 日期 (or 发布时间); got %q", clip(strings.Join(rec, ",")))}
			}
			header = true
			continue
		}
		get := func(col int) string {
			i := idx[col]
			if i < 0 || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(strings.TrimPrefix(rec[i], "\ufeff"))
		}
		if err := csvRow(get, line, c, owner, emit); err != nil {
			return err
		}
	}
}

// separator tells the header's separator: a comma, or a tab (Excel's
// "Unicode text") or a semicolon (European Excel) when they outnumber it.
func separator(header string) rune {
	sep, most := ',', strings.Count(header, ",")
	for _, c := range []rune{'\t', ';'} {
		if n := strings.Count(header, string(c)); n > most {
			sep, most = c, n
		}
	}
	return sep
}

func isHeaderRow(rec []string) bool {
	if len(rec) == 0 {
		return false
	}
	col, ok := weiboColumn(rec[0])
	return ok && col == cID && len(rec) > 2
}

func csvRow(get func(int) string, line int, c *Converter, owner CSVOwner, emit emitFunc) error {
	count := func(col int) flexCount {
		n, _ := ParseCount(get(col))
		return flexCount(n)
	}
	s := &status{ID: flexID(get(cID)), BID: get(cBID), Text: get(cText)}
	s.CreatedAt = flexString(get(cFullDate))
	if _, err := ParseTime(string(s.CreatedAt), c.Now); err != nil {
		s.CreatedAt = flexString(get(cDate))
	}
	s.Attitudes, s.Comments, s.Reposts = count(cLikes), count(cComments), count(cReposts)
	u := &user{ID: flexID(get(cUserID)), ScreenName: get(cScreenName)}
	if u.ID == "" && u.ScreenName == "" {
		u = &user{ID: flexID(owner.ID), ScreenName: owner.ScreenName, Followers: flexCount(owner.Followers)}
	}
	if u.ID != "" || u.ScreenName != "" {
		s.User = u
	}
	original := strings.ToLower(get(cOriginal))
	if rid := get(cRetweetID); rid != "" && original != "true" && isDigits(rid) {
		orig := &status{ID: flexID(rid), BID: get(cRetweetBID), Text: get(cRetweetText)}
		orig.CreatedAt = flexString(get(cRetweetFullDate))
		if _, err := ParseTime(string(orig.CreatedAt), c.Now); err != nil {
			orig.CreatedAt = flexString(get(cRetweetDate))
		}
		orig.Attitudes, orig.Comments, orig.Reposts = count(cRetweetLikes), count(cRetweetComments), count(cRetweetReposts)
		if id, name := get(cRetweetUserID), get(cRetweetUserName); id != "" || name != "" {
			orig.User = &user{ID: flexID(id), ScreenName: name}
		}
		s.Retweeted = orig
	}
	posts, err := c.posts(s, "", false)
	for _, p := range posts {
		if e := emit(line, p, nil); e != nil {
			return e
		}
	}
	if err != nil {
		return emit(line, chorus.Post{}, csvField(err))
	}
	return nil
}

// csvField names a CSV column by its canonical meaning.
func csvField(err error) error {
	return err
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
