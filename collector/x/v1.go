package x

import (
	"strings"

	"github.com/chorus-news/chorus"
)

// v1Tweet is a v1.1 post object, as twarc 1 wrote it one per line and as
// account archives keep it (there every number is a string, and there is
// no user object).
type v1Tweet struct {
	IDStr         id      `json:"id_str"`
	ID            id      `json:"id"`
	FullText      *string `json:"full_text"`
	Text          *string `json:"text"`
	ExtendedTweet *struct {
		FullText string `json:"full_text"`
	} `json:"extended_tweet"` // v1.1 streaming, long posts
	CreatedAt         string   `json:"created_at"`
	Lang              string   `json:"lang"`
	User              *v1User  `json:"user"`
	RetweetedStatus   *v1Tweet `json:"retweeted_status"`
	QuotedStatusIDStr id       `json:"quoted_status_id_str"`
	QuotedStatus      *struct {
		IDStr id `json:"id_str"`
	} `json:"quoted_status"`
	FavoriteCount count `json:"favorite_count"`
	RetweetCount  count `json:"retweet_count"`
	ReplyCount    count `json:"reply_count"`
	QuoteCount    count `json:"quote_count"`
	Entities      struct {
		UserMentions []struct {
			ScreenName string `json:"screen_name"`
			IDStr      id     `json:"id_str"`
		} `json:"user_mentions"`
	} `json:"entities"`
}

type v1User struct {
	IDStr          id     `json:"id_str"`
	ID             id     `json:"id"`
	ScreenName     string `json:"screen_name"`
	Name           string `json:"name"`
	FollowersCount count  `json:"followers_count"`
}

func (t *v1Tweet) id() string {
	if t.IDStr != "" {
		return string(t.IDStr)
	}
	return string(t.ID)
}

func (t *v1Tweet) text() string {
	switch {
	case t.ExtendedTweet != nil && t.ExtendedTweet.FullText != "":
		return t.ExtendedTweet.FullText
	case t.FullText != nil:
		return *t.FullText
	case t.Text != nil:
		return *t.Text
	}
	return ""
}

func (t *v1Tweet) author(owner *chorus.Author) chorus.Author {
	if u := t.User; u != nil {
		a := chorus.Author{ID: string(u.IDStr), Handle: u.ScreenName, Name: u.Name, Followers: int64(u.FollowersCount)}
		if a.ID == "" {
			a.ID = string(u.ID)
		}
		return a
	}
	if owner != nil {
		return *owner
	}
	return chorus.Author{}
}

// v1Posts emits what one v1.1 post stands for: itself, or for a plain
// retweet its original and a repost record. owner is the author of posts
// without a user object (an archive's account), or nil.
func v1Posts(t *v1Tweet, owner *chorus.Author, source, prefix string, emit func(chorus.Post, error) error) error {
	if t.id() == "" {
		return emit(chorus.Post{}, &chorus.FieldError{Field: join(prefix, "id_str"), Reason: "missing"})
	}
	if t.FullText == nil && t.Text == nil && t.ExtendedTweet == nil {
		return emit(chorus.Post{}, &chorus.FieldError{Field: join(prefix, "full_text"), Reason: "missing: not a post"})
	}
	if rt := t.RetweetedStatus; rt != nil && rt.id() != "" {
		p, err := v1Post(rt, nil, source)
		if err := emit(p, fieldError(join(prefix, "retweeted_status"), err)); err != nil {
			return err
		}
		rp, err := v1Repost(t, rt.id(), owner, source)
		return emit(rp, fieldError(prefix, err))
	}
	if owner != nil && strings.HasPrefix(t.text(), "RT @") {
		// An archive's own retweet: only the truncated "RT @user: …" is
		// kept, never the original's id. It is still a plain retweet, so
		// it is folded as reach, naming the original by its author.
		orig := ""
		if m := t.Entities.UserMentions; len(m) > 0 && m[0].ScreenName != "" {
			orig = "@" + m[0].ScreenName
		} else if h, _, ok := strings.Cut(strings.TrimPrefix(t.text(), "RT @"), ":"); ok && h != "" && !strings.ContainsAny(h, " \t\r\n") {
			orig = "@" + h
		}
		if orig != "" {
			rp, err := v1Repost(t, orig, owner, source)
			return emit(rp, fieldError(prefix, err))
		}
	}
	p, err := v1Post(t, owner, source)
	if err == nil {
		q := string(t.QuotedStatusIDStr)
		if q == "" && t.QuotedStatus != nil {
			q = string(t.QuotedStatus.IDStr)
		}
		if q != p.ID {
			p.QuotedID = q
		}
	}
	return emit(p, fieldError(prefix, err))
}

func v1Post(t *v1Tweet, owner *chorus.Author, source string) (chorus.Post, error) {
	p := chorus.Post{Platform: chorus.X, ID: t.id(), Text: unescape.Replace(t.text()), Lang: lang(t.Lang), Source: source,
		Metrics: chorus.Metrics{Likes: int64(t.FavoriteCount), Reposts: int64(t.RetweetCount), Replies: int64(t.ReplyCount), Quotes: int64(t.QuoteCount)}}
	var err error
	if p.CreatedAt, err = createdAt(t.CreatedAt, p.ID); err != nil {
		return chorus.Post{}, err
	}
	p.Author = t.author(owner)
	p.URL = postURL(p.Author.Handle, p.ID)
	if err := p.Validate(); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

func v1Repost(t *v1Tweet, orig string, owner *chorus.Author, source string) (chorus.Post, error) {
	p := chorus.Post{Platform: chorus.X, ID: t.id(), RepostOf: orig, Lang: lang(t.Lang), Source: source}
	var err error
	if p.CreatedAt, err = createdAt(t.CreatedAt, p.ID); err != nil {
		return chorus.Post{}, err
	}
	p.Author = t.author(owner)
	p.URL = postURL(p.Author.Handle, p.ID)
	if err := p.Validate(); err != nil {
		return chorus.Post{}, err
	}
	return p, nil
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}
