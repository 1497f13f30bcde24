package x

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/chorus-news/chorus"
)

// tweet is an API v2 post object. Flattened twarc2 lines add the expanded
// author inline, and merge each referenced post into its referenced_tweets
// entry.
type tweet struct {
	ID               id            `json:"id"`
	Text             *string       `json:"text"`
	AuthorID         id            `json:"author_id"`
	Author           flatUser      `json:"author"` // twarc2 flatten
	CreatedAt        string        `json:"created_at"`
	Lang             string        `json:"lang"`
	ConversationID   id            `json:"conversation_id"`
	PublicMetrics    *tweetMetrics `json:"public_metrics"`
	ReferencedTweets []refTweet    `json:"referenced_tweets"`
	NoteTweet        *struct {
		Text string `json:"text"`
	} `json:"note_tweet"`
	// Username is not an API field: it is never sent. Users are looked up.
}

// refTweet is one referenced_tweets entry: type and id, and in flattened
// lines the whole referenced post merged in.
type refTweet struct {
	Type string `json:"type"`
	tweet
}

type tweetMetrics struct {
	Retweets count `json:"retweet_count"`
	Replies  count `json:"reply_count"`
	Likes    count `json:"like_count"`
	Quotes   count `json:"quote_count"`
}

// flatUser is the author twarc2 flatten puts inline: a user object, or
// {} when the page lacked it; anything else (tools that rewrite lines put
// a name there) is ignored and the author found by author_id.
type flatUser struct{ u *user }

func (f *flatUser) UnmarshalJSON(b []byte) error {
	var u user
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &u) == nil {
		f.u = &u
	}
	return nil
}

// user is an API v2 user object.
type user struct {
	ID            id     `json:"id"`
	Username      string `json:"username"`
	Name          string `json:"name"`
	PublicMetrics *struct {
		Followers count `json:"followers_count"`
	} `json:"public_metrics"`
}

func (u *user) author() chorus.Author {
	a := chorus.Author{ID: string(u.ID), Handle: u.Username, Name: u.Name}
	if u.PublicMetrics != nil {
		a.Followers = int64(u.PublicMetrics.Followers)
	}
	return a
}

// page is an API v2 response: a search page (data an array), a stream
// message (data an object, matching_rules), or a twarc2 line of either.
type page struct {
	Data     json.RawMessage `json:"data"`
	Includes struct {
		Users  []json.RawMessage `json:"users"`
		Tweets []json.RawMessage `json:"tweets"`
	} `json:"includes"`
	Errors        []apiError     `json:"errors"`
	Meta          meta           `json:"meta"`
	MatchingRules []MatchingRule `json:"matching_rules"`
}

// meta is a search page's paging block.
type meta struct {
	NewestID    id     `json:"newest_id"`
	OldestID    id     `json:"oldest_id"`
	ResultCount count  `json:"result_count"`
	NextToken   string `json:"next_token"`
}

// MatchingRule names a filtered-stream rule a post matched.
type MatchingRule struct {
	ID  id     `json:"id"`
	Tag string `json:"tag"`
}

// apiError is one entry of a response's errors array: a partial error
// beside data (a deleted referenced post), a problem, or an in-stream
// notice such as operational-disconnect. Older bodies carry code and
// message.
type apiError struct {
	Title          string          `json:"title"`
	Detail         string          `json:"detail"`
	Type           string          `json:"type"`
	ResourceType   string          `json:"resource_type"`
	ResourceID     string          `json:"resource_id"`
	Value          json.RawMessage `json:"value"`
	DisconnectType string          `json:"disconnect_type"`
	Code           count           `json:"code"`
	Message        string          `json:"message"`
	// Parameters names the request parameters a 400 refused.
	Parameters map[string]json.RawMessage `json:"parameters"`
}

func (e apiError) String() string {
	s := e.Title
	for _, part := range []string{e.Detail, e.Message} {
		if part != "" {
			if s != "" {
				s += ": "
			}
			s += part
		}
	}
	if s == "" {
		s = e.Type
	}
	return s
}

// context is what a page carries besides its results: authors and
// referenced posts by id.
type pageContext struct {
	users  map[string]*user
	tweets map[string]*tweet
}

func newContext(p *page) *pageContext {
	c := &pageContext{users: make(map[string]*user, len(p.Includes.Users)), tweets: make(map[string]*tweet, len(p.Includes.Tweets))}
	for _, raw := range p.Includes.Users {
		var u user
		if json.Unmarshal(raw, &u) == nil && u.ID != "" {
			c.users[string(u.ID)] = &u
		}
	}
	for _, raw := range p.Includes.Tweets {
		var t tweet
		if json.Unmarshal(raw, &t) == nil && t.ID != "" {
			c.tweets[string(t.ID)] = &t
		}
	}
	return c
}

// decodeData splits a page's data into its posts: an array (search) or
// one object (stream). Each is decoded on its own, so one bad post costs
// only itself.
func decodeData(data json.RawMessage) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	if data[0] == '{' {
		return []json.RawMessage{data}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, jsonError("data", err)
	}
	return items, nil
}

// pagePosts turns a page's results into posts, calling emit for each post
// or bad post (err names data[i].field). Authors come from includes.users,
// retweeted originals from includes.tweets.
func pagePosts(p *page, source string, emit func(chorus.Post, error) error) error {
	_, err := pageResults(p, source, emit)
	return err
}

// pageResults is pagePosts that also returns the largest id among the
// page's results (not its includes).
func pageResults(p *page, source string, emit func(chorus.Post, error) error) (maxResult string, err error) {
	items, err := decodeData(p.Data)
	if err != nil {
		return "", emit(chorus.Post{}, err)
	}
	if len(items) == 0 {
		return "", nil
	}
	c := newContext(p)
	array := bytes.TrimSpace(p.Data)[0] == '['
	prefix := "data"
	for i, raw := range items {
		if array {
			prefix = fmt.Sprintf("data[%d]", i)
		}
		var t tweet
		if err := json.Unmarshal(raw, &t); err != nil {
			// A bad post still moves the cursor past itself.
			var probe struct {
				ID id `json:"id"`
			}
			if json.Unmarshal(raw, &probe) == nil && digits([]byte(probe.ID)) {
				maxResult = maxID(maxResult, string(probe.ID))
			}
			if err := emit(chorus.Post{}, jsonError(prefix, err)); err != nil {
				return maxResult, err
			}
			continue
		}
		if digits([]byte(t.ID)) {
			maxResult = maxID(maxResult, string(t.ID))
		}
		if err := tweetPosts(&t, c, source, prefix, emit); err != nil {
			return maxResult, err
		}
	}
	return maxResult, nil
}

// tweetPosts emits what one result post stands for: itself, or for a plain
// retweet its original (when known) and a repost record.
func tweetPosts(t *tweet, c *pageContext, source, prefix string, emit func(chorus.Post, error) error) error {
	if t.ID == "" {
		return emit(chorus.Post{}, &chorus.FieldError{Field: join(prefix, "id"), Reason: "missing"})
	}
	if t.Text == nil && t.NoteTweet == nil {
		return emit(chorus.Post{}, &chorus.FieldError{Field: join(prefix, "text"), Reason: "missing: not a post (a user or other object?)"})
	}
	var quoted string
	for i := range t.ReferencedTweets {
		r := &t.ReferencedTweets[i]
		switch r.Type {
		case "retweeted":
			if r.ID == "" {
				continue
			}
			orig := c.tweets[string(r.ID)]
			if orig == nil && (r.Text != nil || r.NoteTweet != nil) { // flattened
				orig = &r.tweet
			}
			if orig != nil {
				p, err := v2Post(orig, c, source)
				if err := emit(p, fieldError(join(prefix, "retweeted"), err)); err != nil {
					return err
				}
			}
			rp, err := v2Repost(t, string(r.ID), c, source)
			return emit(rp, fieldError(prefix, err))
		case "quoted":
			quoted = string(r.ID)
		}
	}
	if orig := defaultFieldRetweet(t); orig != "" {
		rp, err := v2Repost(t, orig, c, source)
		return emit(rp, fieldError(prefix, err))
	}
	p, err := v2Post(t, c, source)
	if err == nil && quoted != "" && quoted != p.ID {
		p.QuotedID = quoted
	}
	return emit(p, fieldError(prefix, err))
}

// defaultFieldRetweet names the original ("@handle") of a retweet on a
// page asked for with the default fields (id and text only: no
// referenced_tweets, no author_id, no created_at), where only X's
// "RT @handle: " prefix tells a retweet. As with an archive's own
// retweets, it folds as reach on the original's author. "" otherwise.
func defaultFieldRetweet(t *tweet) string {
	if t.ReferencedTweets != nil || t.AuthorID != "" || t.CreatedAt != "" || t.Author.u != nil || t.Text == nil || t.NoteTweet != nil {
		return ""
	}
	rest, ok := strings.CutPrefix(*t.Text, "RT @")
	if !ok {
		return ""
	}
	h, _, ok := strings.Cut(rest, ": ")
	if !ok || h == "" || len(h) > 15 || strings.ContainsFunc(h, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) {
		return ""
	}
	return "@" + h
}

// v2Post maps one post object; the error is a *chorus.FieldError.
func v2Post(t *tweet, c *pageContext, source string) (chorus.Post, error) {
	p := chorus.Post{Platform: chorus.X, ID: string(t.ID), Lang: lang(t.Lang), Source: source}
	var err error
	if p.CreatedAt, err = createdAt(t.CreatedAt, p.ID); err != nil {
		return chorus.Post{}, err
	}
	switch {
	case t.NoteTweet != nil && t.NoteTweet.Text != "":
		p.Text = unescape.Replace(t.NoteTweet.Text)
	case t.Text != nil:
		p.Text = unescape.Replace(*t.Text)
	}
	p.Author = v2Author(t, c)
	p.URL = postURL(p.Author.Handle, p.ID)
	if m := t.PublicMetrics; m != nil {
		p.Metrics = chorus.Metrics{Likes: int64(m.Likes), Reposts: int64(m.Retweets), Replies: int64(m.Replies), Quotes: int64(m.Quotes)}
	}
	if err := p.Validate(); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

// v2Repost is the repost record of a plain retweet.
func v2Repost(t *tweet, orig string, c *pageContext, source string) (chorus.Post, error) {
	p := chorus.Post{Platform: chorus.X, ID: string(t.ID), RepostOf: orig, Lang: lang(t.Lang), Source: source}
	var err error
	if p.CreatedAt, err = createdAt(t.CreatedAt, p.ID); err != nil {
		return chorus.Post{}, err
	}
	p.Author = v2Author(t, c)
	p.URL = postURL(p.Author.Handle, p.ID)
	if err := p.Validate(); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

func v2Author(t *tweet, c *pageContext) chorus.Author {
	if t.Author.u != nil && t.Author.u.ID != "" {
		return t.Author.u.author()
	}
	if u := c.users[string(t.AuthorID)]; u != nil {
		return u.author()
	}
	return chorus.Author{ID: string(t.AuthorID)}
}

// PageInfo is what a search page says besides its posts.
type PageInfo struct {
	NewestID    string
	OldestID    string
	NextToken   string
	ResultCount int
	Results     int      // posts in data (the page's own results, not includes)
	MaxID       string   // the largest id among the results ("" for none)
	Errors      []string // partial errors beside data, as text
}

// DecodePage decodes one API v2 response body (a recent-search page),
// calling emit for each post or bad post. The error is a
// *chorus.FieldError when the body itself is not a page: cut off, not
// JSON, or not an object.
func DecodePage(body []byte, source string, emit func(chorus.Post, error) error) (PageInfo, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return PageInfo{}, &chorus.FieldError{Field: "body", Reason: "empty"}
	}
	if body[0] != '{' {
		return PageInfo{}, &chorus.FieldError{Field: "body", Reason: fmt.Sprintf("not a JSON object: starts %q", clip(body))}
	}
	var p page
	if err := json.Unmarshal(body, &p); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return PageInfo{}, jsonError("", err)
		}
		// A field of an unexpected type stops the decoding: read the page
		// part by part so that it costs only its part.
		if p, err = lenientPage(body); err != nil {
			return PageInfo{}, err
		}
	}
	info := PageInfo{NewestID: string(p.Meta.NewestID), OldestID: string(p.Meta.OldestID), NextToken: p.Meta.NextToken, ResultCount: int(p.Meta.ResultCount)}
	for _, e := range p.Errors {
		info.Errors = append(info.Errors, e.String())
	}
	items, err := decodeData(p.Data)
	if err != nil {
		return info, err
	}
	info.Results = len(items)
	info.MaxID, err = pageResults(&p, source, emit)
	return info, err
}
