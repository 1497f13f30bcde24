package weibo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
)

// Sources name where a post came from (chorus.Post.Source).
const (
	SourceMobile  = "weibo-mobile"
	SourceAPI     = "weibo-api"
	SourceCrawler = "weibo-crawler"
	SourceSearch  = "weibo-search"
)

// flexID is an id sent as a JSON number or a string: its digits are kept
// exactly (Weibo ids pass 2^53).
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(strings.TrimSpace(s))
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		if bytes.ContainsAny(b, ".eE") {
			// 5.062e15: a float that lost digits somewhere upstream
			return fmt.Errorf("id %s is not an integer (ids must keep every digit)", clip(string(b)))
		}
		*f = flexID(b)
	default:
		return fmt.Errorf("id: want a string or a number, got %s", clip(string(b)))
	}
	return nil
}

// flexCount is a count sent as a number or as Weibo's display text.
type flexCount int64

func (f *flexCount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null" || string(b) == "false" || string(b) == "true":
		*f = 0
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n, err := ParseCount(s)
		*f = flexCount(n)
		return err
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a count, got %s", kind(b[0]))
	}
	n, err := ParseCount(string(b))
	*f = flexCount(n)
	return err
}

// flexString is text sent as a string, a number or a boolean.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		*f = ""
	default:
		*f = flexString(b)
	}
	return nil
}

// flexBool is true, "true", "True" or 1.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*f = true
	default:
		*f = false
	}
	return nil
}

func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	}
	return "a value"
}

// user is a Weibo user as the API, the mobile web and the crawler send it.
type user struct {
	ID           flexID     `json:"id"`
	IDStr        flexID     `json:"idstr"`
	ScreenName   string     `json:"screen_name"`
	Name         string     `json:"name"`
	Followers    flexCount  `json:"followers_count"`
	FollowersStr flexString `json:"followers_count_str"`
}

func (u *user) author() chorus.Author {
	if u == nil {
		return chorus.Author{}
	}
	a := chorus.Author{ID: string(u.IDStr), Handle: u.ScreenName, Name: u.Name, Followers: int64(u.Followers)}
	if a.ID == "" {
		a.ID = string(u.ID)
	}
	if a.Name == "" {
		a.Name = a.Handle
	}
	if a.Handle == "" {
		a.Handle = a.Name
	}
	if a.Followers == 0 && u.FollowersStr != "" {
		if n, err := ParseCount(string(u.FollowersStr)); err == nil {
			a.Followers = n
		}
	}
	return a
}

// longText is the full text of a long post, inline or from statuses/extend.
type longText struct {
	LongTextContent string `json:"longTextContent"`
	Content         string `json:"content"`
}

// status is a post (an mblog) or a comment, in any of Weibo's JSON shapes.
type status struct {
	ID         flexID     `json:"id"`
	IDStr      flexID     `json:"idstr"`
	MID        flexID     `json:"mid"`
	BID        string     `json:"bid"`
	MblogID    string     `json:"mblogid"`
	CreatedAt  flexString `json:"created_at"`
	Text       string     `json:"text"`
	TextRaw    string     `json:"text_raw"`
	RawText    string     `json:"raw_text"`
	IsLongText flexBool   `json:"isLongText"`
	LongText   *longText  `json:"longText"`
	Reposts    flexCount  `json:"reposts_count"`
	Comments   flexCount  `json:"comments_count"`
	Attitudes  flexCount  `json:"attitudes_count"`
	LikeCount  flexCount  `json:"like_count"`  // comments
	LikeCounts flexCount  `json:"like_counts"` // comments, mobile
	User       *user      `json:"user"`
	Deleted    flexString `json:"deleted"`
	Visible    *struct {
		Type flexCount `json:"type"`
	} `json:"visible"`

	Retweeted *status `json:"retweeted_status"`
	// A wrapper (favorites, some lists) holds the post under mblog.
	Mblog *status `json:"mblog"`
	// Comments carry the post they answer (open API) and the comment they
	// reply to.
	Status       *status `json:"status"`
	ReplyComment *status `json:"reply_comment"`
	RootID       flexID  `json:"rootid"`
}

func (s *status) id() string {
	for _, v := range []flexID{s.IDStr, s.ID, s.MID} {
		if v != "" {
			return string(v)
		}
	}
	return ""
}

// text is the post's whole text as plain text: the long text when there is
// one, else the HTML (or plain) text.
func (s *status) text() string {
	if s.LongText != nil {
		if t := s.LongText.LongTextContent; strings.TrimSpace(t) != "" {
			return Text(t)
		}
		if t := s.LongText.Content; strings.TrimSpace(t) != "" {
			return Text(t)
		}
	}
	if strings.TrimSpace(s.Text) != "" {
		return Text(s.Text)
	}
	if s.TextRaw != "" {
		return Text(s.TextRaw)
	}
	return Text(s.RawText)
}

// needsLongText tells a post cut short whose full text must be fetched.
func (s *status) needsLongText() bool {
	if s == nil || !bool(s.IsLongText) {
		return false
	}
	return s.LongText == nil || strings.TrimSpace(s.LongText.LongTextContent+s.LongText.Content) == ""
}

// gone tells an original that was deleted or hidden: nothing to keep of it
// but its id.
func (s *status) gone() bool {
	return s.User == nil || s.Deleted == "1" || s.Deleted == "true" || strings.TrimSpace(string(s.CreatedAt)) == ""
}

// Converter turns decoded statuses into canonical posts, applying the
// repost rule (README "Reposts"): an original carried inside a repost or a
// comment is emitted once per Converter however many carry it.
type Converter struct {
	Source string    // chorus.Post.Source
	Now    time.Time // the fetch time relative dates are read against; zero is time.Now
	// LongTexts, if set, gives the whole text (HTML) of a post cut short,
	// by id, or "" (a long-text answer saved beside a page).
	LongTexts func(id string) string
	seen      map[string]bool
}

// NewConverter returns a Converter for source.
func NewConverter(source string, now time.Time) *Converter {
	return &Converter{Source: source, Now: now, seen: map[string]bool{}}
}

// Seen tells whether id was emitted already.
func (c *Converter) Seen(id string) bool { return c.seen[id] }

func (c *Converter) seenCount() int { return len(c.seen) }

// forget drops the ids emitted so far.
func (c *Converter) forget() { c.seen = map[string]bool{} }

// posts converts one status (comment when isComment) found at path. It
// returns every good post it yields (the status itself, or for a plain
// repost the original plus the repost record) and the error of the status
// itself, a *chorus.FieldError naming path and field.
func (c *Converter) posts(s *status, path string, isComment bool) ([]chorus.Post, error) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	var out []chorus.Post
	var origID string
	c.complete(s)
	c.complete(s.Retweeted)
	orig := s.Retweeted
	if isComment && s.Status != nil {
		orig = s.Status
	}
	if orig != nil {
		origID = orig.id()
		if origID != "" && !c.seen[origID] && !orig.gone() {
			if p, err := c.post(orig, path+"."+map[bool]string{true: "status", false: "retweeted_status"}[isComment]); err == nil {
				c.seen[origID] = true
				out = append(out, p)
			}
		}
	}
	p, err := c.post(s, path)
	if err != nil {
		return out, err
	}
	switch {
	case isComment:
		if origID == "" {
			origID = string(s.RootID)
		}
		if origID != p.ID {
			p.QuotedID = origID
		}
		if origID != "" {
			p.URL = postURL(origID)
		}
	case s.Retweeted != nil && origID != "" && origID != p.ID:
		if own := OwnWords(p.Text); own == "" {
			p.RepostOf = origID // reach on the original, not a reaction
		} else {
			p.Text = own
			p.QuotedID = origID
		}
	}
	if err := p.Validate(); err != nil {
		return out, prefix(path, err)
	}
	c.seen[p.ID] = true
	return append(out, p), nil
}

// complete fills in the long text of a cut post from LongTexts.
func (c *Converter) complete(s *status) {
	if s == nil || c.LongTexts == nil || !s.needsLongText() || s.id() == "" {
		return
	}
	if t := c.LongTexts(s.id()); strings.TrimSpace(t) != "" {
		s.LongText = &longText{LongTextContent: t}
	}
}

// post maps one status's own fields.
func (c *Converter) post(s *status, path string) (chorus.Post, error) {
	p := chorus.Post{Platform: chorus.Weibo, ID: s.id(), Lang: "zh", Source: c.Source}
	if p.ID == "" {
		return p, &chorus.FieldError{Field: join(path, "id"), Reason: "missing"}
	}
	t, err := ParseTime(string(s.CreatedAt), c.Now)
	if err != nil {
		return p, &chorus.FieldError{Field: join(path, "created_at"), Reason: err.Error()}
	}
	p.CreatedAt = t
	p.Text = s.text()
	p.Author = s.User.author()
	p.URL = postURL(p.ID)
	likes := s.Attitudes
	if likes == 0 {
		likes = max(s.LikeCount, s.LikeCounts)
	}
	p.Metrics = chorus.Metrics{Likes: int64(likes), Reposts: int64(s.Reposts), Replies: int64(s.Comments)}
	if err := p.Validate(); err != nil {
		return p, prefix(path, err)
	}
	return p, nil
}

// postURL is a post's page: /detail/<id> for a numeric id, /status/<bid>
// for the short code weiboSpider keeps instead.
func postURL(id string) string {
	if isDigits(id) {
		return "https://m.weibo.cn/detail/" + id
	}
	return "https://m.weibo.cn/status/" + id
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// prefix puts path before the field of a *chorus.FieldError.
func prefix(path string, err error) error {
	if fe, ok := err.(*chorus.FieldError); ok && path != "" {
		return &chorus.FieldError{Field: path + "." + fe.Field, Reason: fe.Reason}
	}
	return err
}

// decodeStatus decodes one status object, naming path in its error. A
// wrapper holding the post under "status" or "mblog" (favorites, cards in
// a list) is unwrapped.
func decodeStatus(raw json.RawMessage, path string) (*status, error) {
	var s status
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, &chorus.FieldError{Field: orDefault(path, "json"), Reason: jsonReason(err)}
	}
	if s.id() == "" && s.CreatedAt == "" {
		if s.Mblog != nil {
			return s.Mblog, nil
		}
		if s.Status != nil {
			return s.Status, nil
		}
	}
	return &s, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// jsonReason words an encoding/json error without Go type names.
func jsonReason(err error) string {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("%s: want %s, got %s", e.Field, goKind(e.Type.Kind().String()), e.Value)
	case *json.SyntaxError:
		return fmt.Sprintf("not valid JSON at offset %d: %v", e.Offset, e)
	}
	return err.Error()
}

func goKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	}
	if strings.HasPrefix(k, "int") || strings.HasPrefix(k, "float") {
		return "a number"
	}
	return k
}
