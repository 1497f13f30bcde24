// Package chorus holds the domain types every other package shares: the
// canonical Post, its Sentiment, the Event it belongs to and the Summary a
// store computes, plus validation and the few error kinds that cross package
// lines. It imports nothing from the project.
package chorus

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Platform is where a post was published.
type Platform string

// The platforms Chorus knows.
const (
	X     Platform = "x"
	Weibo Platform = "weibo"
)

// Name is how the platform is written for people: "X", "Weibo".
func (p Platform) Name() string {
	switch p {
	case X:
		return "X"
	case Weibo:
		return "Weibo"
	}
	return string(p)
}

// Platforms lists every known platform in display order.
var Platforms = []Platform{X, Weibo}

// ParsePlatform accepts a platform name, case-insensitively, with the common
// aliases ("twitter" for x).
func ParsePlatform(s string) (Platform, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "x", "twitter":
		return X, true
	case "weibo", "sina-weibo", "sina_weibo":
		return Weibo, true
	}
	return "", false
}

// Label is a sentiment class.
type Label string

// The labels. Unscored is for a language no model covers: such a post is kept
// and counted, never guessed.
const (
	Positive Label = "positive"
	Neutral  Label = "neutral"
	Negative Label = "negative"
	Unscored Label = "unscored"
)

// Labels lists every label in display order.
var Labels = []Label{Positive, Neutral, Negative, Unscored}

// ParseLabel accepts a label name.
func ParseLabel(s string) (Label, bool) {
	for _, l := range Labels {
		if string(l) == strings.ToLower(strings.TrimSpace(s)) {
			return l, true
		}
	}
	return "", false
}

// Author is who wrote a post.
type Author struct {
	ID        string `json:"id,omitempty"`
	Handle    string `json:"handle,omitempty"`
	Name      string `json:"name,omitempty"`
	Followers int64  `json:"followers,omitempty"`
}

// Metrics are a post's engagement counts at the time it was collected.
type Metrics struct {
	Likes   int64 `json:"likes"`
	Reposts int64 `json:"reposts"`
	Replies int64 `json:"replies"`
	Quotes  int64 `json:"quotes"`
}

// Engagement is the single number top-N lists rank by.
func (m Metrics) Engagement() int64 {
	return m.Likes + 2*m.Reposts + m.Replies + 2*m.Quotes
}

// Sentiment is what the analysis stage says of a post.
type Sentiment struct {
	Label      Label   `json:"label"`
	Score      float64 `json:"score"`      // -1 (negative) .. 1 (positive)
	Confidence float64 `json:"confidence"` // 0 .. 1
	Model      string  `json:"model"`
	Corrected  bool    `json:"corrected,omitempty"`
	Note       string  `json:"note,omitempty"`
}

// Post is the canonical post every collector produces and every store keeps.
// Identity is (Event, Platform, ID).
type Post struct {
	Platform  Platform  `json:"platform"`
	ID        string    `json:"id"`
	Event     string    `json:"event"`
	Author    Author    `json:"author"`
	Text      string    `json:"text"`
	Lang      string    `json:"lang,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	URL       string    `json:"url,omitempty"`
	Metrics   Metrics   `json:"metrics"`
	QuotedID  string    `json:"quoted_id,omitempty"`
	// RepostOf marks a plain repost (an X retweet, an empty Weibo repost):
	// the reposter added no words of their own, so it is not a reaction of
	// its own but reach on the original, whose id this is. Such a record
	// is counted once in Summary.Reposts and is never scored or listed.
	RepostOf  string     `json:"repost_of,omitempty"`
	Source    string     `json:"source,omitempty"`
	Sentiment *Sentiment `json:"sentiment,omitempty"`
}

// IsRepost says whether p is a plain repost, folded into reach.
func (p *Post) IsRepost() bool { return p.RepostOf != "" }

// Key is the post's identity inside its event: "platform:id".
func (p *Post) Key() string { return string(p.Platform) + ":" + p.ID }

// Size limits for one record. A record over them is rejected, never cut.
const (
	MaxTextBytes   = 64 << 10 // a long X note or Weibo long text is well under this
	MaxFieldBytes  = 2 << 10  // ids, handles, names, urls, source
	MaxRecordBytes = 1 << 20  // one line or one JSON object as read from input
)

// Validate checks a post and returns a *FieldError naming the first field at
// fault. It normalises what it safely can (platform case, UTC time).
func (p *Post) Validate() error {
	if pl, ok := ParsePlatform(string(p.Platform)); ok {
		p.Platform = pl
	} else if p.Platform == "" {
		return &FieldError{Field: "platform", Reason: "missing"}
	} else {
		return &FieldError{Field: "platform", Reason: fmt.Sprintf("unknown platform %q (want x or weibo)", clip(string(p.Platform)))}
	}
	p.ID = strings.TrimSpace(p.ID)
	if p.ID == "" {
		return &FieldError{Field: "id", Reason: "missing"}
	}
	if p.CreatedAt.IsZero() {
		return &FieldError{Field: "created_at", Reason: "missing"}
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if len(p.Text) > MaxTextBytes {
		return &FieldError{Field: "text", Reason: fmt.Sprintf("%d bytes, over the %d byte limit", len(p.Text), MaxTextBytes)}
	}
	for _, f := range []struct{ name, v string }{
		{"id", p.ID}, {"author.id", p.Author.ID}, {"author.handle", p.Author.Handle},
		{"author.name", p.Author.Name}, {"lang", p.Lang}, {"url", p.URL},
		{"quoted_id", p.QuotedID}, {"repost_of", p.RepostOf}, {"source", p.Source},
	} {
		if len(f.v) > MaxFieldBytes {
			return &FieldError{Field: f.name, Reason: fmt.Sprintf("%d bytes, over the %d byte limit", len(f.v), MaxFieldBytes)}
		}
		if !utf8.ValidString(f.v) {
			return &FieldError{Field: f.name, Reason: "not valid UTF-8"}
		}
	}
	if !utf8.ValidString(p.Text) {
		return &FieldError{Field: "text", Reason: "not valid UTF-8"}
	}
	if strings.ContainsAny(p.ID, " \t\r\n") {
		return &FieldError{Field: "id", Reason: fmt.Sprintf("contains white space: %q", clip(p.ID))}
	}
	p.RepostOf = strings.TrimSpace(p.RepostOf)
	if strings.ContainsAny(p.RepostOf, " \t\r\n") {
		return &FieldError{Field: "repost_of", Reason: fmt.Sprintf("contains white space: %q", clip(p.RepostOf))}
	}
	if p.RepostOf != "" && p.RepostOf == p.ID {
		return &FieldError{Field: "repost_of", Reason: "a post cannot repost itself"}
	}
	for _, n := range []struct {
		name string
		v    int64
	}{{"metrics.likes", p.Metrics.Likes}, {"metrics.reposts", p.Metrics.Reposts}, {"metrics.replies", p.Metrics.Replies}, {"metrics.quotes", p.Metrics.Quotes}, {"author.followers", p.Author.Followers}} {
		if n.v < 0 {
			return &FieldError{Field: n.name, Reason: fmt.Sprintf("negative: %d", n.v)}
		}
	}
	return nil
}

// ParseTime reads a created_at value: RFC 3339 (with or without fractional
// seconds), the X/Weibo layout "Wed Jul 31 20:15:00 +0800 2024", or
// "2006-01-02 15:04:05" taken as UTC. The error is a *FieldError for field.
func ParseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, &FieldError{Field: field, Reason: "missing"}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RubyDate, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &FieldError{Field: field, Reason: fmt.Sprintf("not RFC 3339: %q", clip(s))}
}

// Event is something whose reactions are followed.
type Event struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	QueryX     string    `json:"query_x,omitempty"`
	QueryWeibo string    `json:"query_weibo,omitempty"`
	Start      time.Time `json:"start,omitzero"`
	End        time.Time `json:"end,omitzero"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	// Shards is how many parts a Redis store spreads the event's posts
	// and tallies over (each its own Cluster hash slot), fixed at
	// creation; 0 or 1 is one. The embedded store keeps one.
	Shards int `json:"shards,omitempty"`
}

// MaxEventShards bounds Event.Shards.
const MaxEventShards = 64

// MaxEventIDBytes bounds an event id.
const MaxEventIDBytes = 64

// ValidateEventID checks that id can name an event: 1-64 characters of
// a-z, A-Z, 0-9, '-', '_' and '.', starting with a letter or digit. The
// restriction keeps ids safe inside store keys (no braces, no separators) and
// URLs.
func ValidateEventID(id string) error {
	if id == "" {
		return &FieldError{Field: "event", Reason: "missing"}
	}
	if len(id) > MaxEventIDBytes {
		return &FieldError{Field: "event", Reason: fmt.Sprintf("%d bytes, over the %d byte limit", len(id), MaxEventIDBytes)}
	}
	for i, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || i > 0 && (r == '-' || r == '_' || r == '.')
		if !ok {
			return &FieldError{Field: "event", Reason: fmt.Sprintf("%q: use letters, digits, '-', '_' and '.', starting with a letter or digit", clip(id))}
		}
	}
	return nil
}

// Validate checks an event's fields.
func (e *Event) Validate() error {
	if err := ValidateEventID(e.ID); err != nil {
		return &FieldError{Field: "id", Reason: err.(*FieldError).Reason}
	}
	if strings.TrimSpace(e.Title) == "" {
		e.Title = e.ID
	}
	if len(e.Title) > MaxFieldBytes || !utf8.ValidString(e.Title) {
		return &FieldError{Field: "title", Reason: "over the size limit or not valid UTF-8"}
	}
	if e.Shards < 0 || e.Shards > MaxEventShards {
		return &FieldError{Field: "shards", Reason: fmt.Sprintf("%d: want 1 to %d", e.Shards, MaxEventShards)}
	}
	if !e.Start.IsZero() && !e.End.IsZero() && e.End.Before(e.Start) {
		return &FieldError{Field: "end", Reason: "before start"}
	}
	return nil
}

// LabelCounts counts posts by label.
type LabelCounts struct {
	Positive int64 `json:"positive"`
	Neutral  int64 `json:"neutral"`
	Negative int64 `json:"negative"`
	Unscored int64 `json:"unscored"`
}

// Add bumps the count of label l by n.
func (c *LabelCounts) Add(l Label, n int64) {
	switch l {
	case Positive:
		c.Positive += n
	case Neutral:
		c.Neutral += n
	case Negative:
		c.Negative += n
	case Unscored:
		c.Unscored += n
	}
}

// Get returns the count for label l.
func (c LabelCounts) Get(l Label) int64 {
	switch l {
	case Positive:
		return c.Positive
	case Neutral:
		return c.Neutral
	case Negative:
		return c.Negative
	case Unscored:
		return c.Unscored
	}
	return 0
}

// Net is (positive − negative) / (positive + neutral + negative): the share
// of scored posts that lean positive over those that lean negative, −1..1.
// Unscored posts do not move it. Zero when nothing is scored.
func (c LabelCounts) Net() float64 {
	scored := c.Positive + c.Neutral + c.Negative
	if scored == 0 {
		return 0
	}
	return float64(c.Positive-c.Negative) / float64(scored)
}

// PlatformSummary is one platform's part of a Summary.
type PlatformSummary struct {
	Total   int64       `json:"total"`
	ByLabel LabelCounts `json:"by_label"`
	Net     float64     `json:"net"`
	Reposts int64       `json:"reposts_folded"`
}

// Summary is an event's tallies.
type Summary struct {
	Event      string                       `json:"event"`
	Total      int64                        `json:"total"`
	ByLabel    LabelCounts                  `json:"by_label"`
	ByPlatform map[Platform]PlatformSummary `json:"by_platform"`
	ByLang     map[string]int64             `json:"by_lang"`
	Net        float64                      `json:"net"`
	// Reposts counts plain reposts folded into reach (Post.RepostOf):
	// each once, none of them in Total.
	Reposts int64 `json:"reposts_folded"`
}

// Bucket is a timeline granularity.
type Bucket string

// The time buckets tallied for every post.
const (
	Minute Bucket = "1m"
	Hour   Bucket = "1h"
	Day    Bucket = "1d"
)

// Name says what one bucket spans: "minute", "hour" or "day".
func (b Bucket) Name() string {
	switch b {
	case Minute:
		return "minute"
	case Day:
		return "day"
	}
	return "hour"
}

// Buckets lists every bucket.
var Buckets = []Bucket{Minute, Hour, Day}

// ParseBucket accepts "1m", "1h" or "1d" (and "minute", "hour", "day").
func ParseBucket(s string) (Bucket, bool) {
	switch s {
	case "1m", "minute":
		return Minute, true
	case "1h", "hour", "":
		return Hour, true
	case "1d", "day":
		return Day, true
	}
	return "", false
}

// Truncate returns the start of t's bucket, in UTC.
func (b Bucket) Truncate(t time.Time) time.Time {
	t = t.UTC()
	switch b {
	case Minute:
		return t.Truncate(time.Minute)
	case Day:
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t.Truncate(time.Hour)
}

// Point is one time bucket of a timeline.
type Point struct {
	T        time.Time `json:"t"`
	Positive int64     `json:"positive"`
	Neutral  int64     `json:"neutral"`
	Negative int64     `json:"negative"`
	Unscored int64     `json:"unscored"`
}

// Sort orders a post listing.
type Sort string

// Listing orders: newest created_at first, or highest engagement first.
const (
	Recent Sort = "recent"
	Top    Sort = "top"
)

// PostQuery selects posts of one event.
type PostQuery struct {
	Platform Platform // "" for all
	Label    Label    // "" for all
	Sort     Sort     // Recent by default
	Limit    int      // 1..MaxPageSize
	Cursor   string   // opaque, from PostPage.NextCursor
	// Since and Until bound created_at: Since <= created_at < Until; a
	// zero time leaves that side open. A timeline bucket's posts are
	// Since = its start, Until = the next bucket's start.
	Since, Until time.Time
}

// InWindow reports whether t is inside the query's Since/Until window.
func (q PostQuery) InWindow(t time.Time) bool {
	return (q.Since.IsZero() || !t.Before(q.Since)) && (q.Until.IsZero() || t.Before(q.Until))
}

// Page sizes for post listings.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PostPage is one page of a listing; NextCursor is "" on the last page.
type PostPage struct {
	Posts      []Post `json:"posts"`
	NextCursor string `json:"next_cursor"`
}

// SubmitResult says what happened to a batch handed to a store.
type SubmitResult struct {
	Accepted   int // new posts, now queued for scoring and tallying
	Duplicates int // already known (stored earlier or repeated in the batch)
	// Ticket, when the store gives one, names what Accepted queued, so
	// that a caller can ask the store whether it is tallied yet.
	Ticket string
}

// Entry is one queued post handed to a scoring worker by a store.
type Entry struct {
	Ref  string // the queue entry, opaque outside the store (a stream entry id, a log sequence)
	Post Post
}

// CollectorStatus is one collector's health, as the store keeps it and
// GET /api/v1/events/:id/collectors shows it. Name is unique within the
// event ("x-search", "x-stream", "weibo-mobile", …). It never holds a
// credential.
type CollectorStatus struct {
	Event          string    `json:"event"`
	Name           string    `json:"name"`
	Platform       Platform  `json:"platform"`
	Query          string    `json:"query,omitempty"`
	Mode           string    `json:"mode"`  // once, follow or poll
	State          string    `json:"state"` // see the Collector* states
	StartedAt      time.Time `json:"started_at,omitzero"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
	LastPostAt     time.Time `json:"last_post_at,omitzero"` // when a post was last handed over
	NewestPost     time.Time `json:"newest_post,omitzero"`  // created_at of the newest post seen
	Posts          int64     `json:"posts"`
	Pages          int64     `json:"pages"`
	RateLimitWaits int64     `json:"rate_limit_waits"`
	Errors         int64     `json:"errors"`
	LastError      string    `json:"last_error,omitempty"`
	LastErrorAt    time.Time `json:"last_error_at,omitzero"`
	NextRetryAt    time.Time `json:"next_retry_at,omitzero"`
	Note           string    `json:"note,omitempty"`
}

// Collector states.
const (
	CollectorRunning = "running" // fetching
	CollectorWaiting = "waiting" // waiting out a stated rate limit, or between polls
	CollectorBackoff = "backoff" // retrying after a transient fault
	CollectorStopped = "stopped" // stopped by the user (or serve shutting down)
	CollectorFailed  = "failed"  // stopped by a fault it cannot retry (bad credentials)
	CollectorDone    = "done"    // a one-shot run that finished
)

// DeadLetter is a queued post that could not be tallied: delivered to
// workers too many times without a tally (it crashes scoring, say), or
// unreadable. It waits, out of the queue, for chorus dlq retry or drop.
type DeadLetter struct {
	ID     string    `json:"id"` // the store's name for it
	Event  string    `json:"event"`
	Key    string    `json:"key"` // "platform:id"
	Post   *Post     `json:"post,omitempty"`
	Raw    string    `json:"raw,omitempty"` // what was queued, when it is not a readable post
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Drift is one tally that disagrees with a recount of the stored posts.
type Drift struct {
	What    string `json:"what"` // e.g. "by_label.positive", "timeline 1h 2024-07-31T19:00:00Z x negative"
	Stored  int64  `json:"stored"`
	Counted int64  `json:"counted"`
}

func (d Drift) String() string {
	return fmt.Sprintf("%s: stored %d, counted %d", d.What, d.Stored, d.Counted)
}

// CheckReport is what a recount of an event found.
type CheckReport struct {
	Event    string  `json:"event"`
	Posts    int64   `json:"posts"` // tallied posts recounted
	Drifts   []Drift `json:"drifts"`
	Repaired bool    `json:"repaired"`
}

// Error kinds that cross package lines. web maps them to HTTP statuses and
// cmd/chorus to exit codes, each in one function.
var (
	ErrInvalid  = errors.New("invalid")
	ErrNotFound = errors.New("not found")
	ErrLocked   = errors.New("locked")
	ErrConflict = errors.New("conflict")
	// ErrUnavailable is a fault of the store's, not of the request: Redis
	// unreachable, a cluster down or failing over, a timeout. Retry later
	// (HTTP 503 with Retry-After).
	ErrUnavailable = errors.New("store unavailable")
	// ErrBusy says the store takes no more for now: an event's queue is at
	// its cap. A *BusyError carries how long to wait (HTTP 429).
	ErrBusy = errors.New("busy")
)

// BusyError is back-pressure: wait Wait, then send the same posts again
// (identity makes the repeat harmless). errors.Is(err, ErrBusy) holds.
type BusyError struct {
	Wait   time.Duration
	Reason string
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("busy: %s; retry in %s", e.Reason, e.Wait.Round(time.Millisecond))
}

// Is makes errors.Is(err, ErrBusy) true for every BusyError.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// RetryAfter says how long to wait before retrying after err: the wait a
// *BusyError carries, or def for a store that is unavailable. ok is false
// for an error that retrying does not cure.
func RetryAfter(err error, def time.Duration) (wait time.Duration, ok bool) {
	var be *BusyError
	switch {
	case errors.As(err, &be):
		return be.Wait, true
	case errors.Is(err, ErrUnavailable):
		return def, true
	}
	return 0, false
}

// FieldError is bad input in one field. Readers add file and line.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// clip shortens a value quoted in an error message.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
