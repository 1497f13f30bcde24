package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
)

// Collector names (CollectorStatus.Name, checkpoint keys).
const (
	NameSearch = "x-search"
	NameStream = "x-stream"
)

// searchPath is the recent-search endpoint.
const searchPath = "/2/tweets/search/recent"

// RecentWindow is how far back recent search reaches.
const RecentWindow = 7 * 24 * time.Hour

// Search is the recent-search collector for one (event, query): it pages
// through every result with next_token, newest first, and keeps a
// checkpoint in the store so that the next round (a rerun, or the next
// poll) asks only for posts newer than the newest it has (since_id).
type Search struct {
	APIBase    string // scheme and host; DefaultAPIBase when empty
	Token      Token
	Event      string
	Query      string
	Start, End time.Time     // the event's window (or --start/--end); zero is open
	BackoffMax time.Duration // caps back-off waits where X names no reset
	// Poll, when set, repeats the search every Poll (with since_id) until
	// ctx ends or the window closes; otherwise one round is made.
	Poll   time.Duration
	Client *http.Client
	Logger *slog.Logger
	// Reject is told of each post X sent that cannot be stored (where
	// names the page and field); nil logs it.
	Reject func(where string, err error)
	// BackoffInitial is the first back-off wait for a transient fault
	// (1s when zero); tests shorten it.
	BackoffInitial time.Duration
	Now            func() time.Time
	// ClockReach pre-empts recent search's 7-day reach from the local
	// clock (clamping start_time, dropping an older since_id, skipping a
	// window that ended before it), as against X itself, where it is on
	// whenever APIBase is X's. Elsewhere (a local server speaking X API v2,
	// replaying other dates) the request is sent as asked, and a 400 that
	// refuses start_time, end_time or since_id is what clamps or drops it.
	ClockReach bool
}

// clockReach says whether the 7 days are judged by the local clock.
func (s *Search) clockReach() bool {
	if s.ClockReach || s.APIBase == "" {
		return true
	}
	u, err := url.Parse(s.APIBase)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "api.x.com" || h == "api.twitter.com"
}

// searchCheckpoint is what the store keeps per (event, query). SinceID is
// the newest id of the first page of the last complete round; a round cut
// short keeps where it stopped (the next page's token, with the round's
// own since_id and window, which its pages must share) and resumes there.
type searchCheckpoint struct {
	SinceID string `json:"since_id,omitempty"`
	Round   *round `json:"round,omitempty"`
}

type round struct {
	SinceID   string `json:"since_id,omitempty"`
	NextToken string `json:"next_token"`
	Newest    string `json:"newest_id,omitempty"` // of the round's first page
	Start     string `json:"start_time,omitempty"`
	End       string `json:"end_time,omitempty"`
	Page      int    `json:"page"` // pages done
}

func (s *Search) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Search) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger.With("component", NameSearch, "event", s.Event)
}

// Key is the checkpoint key of this (query).
func (s *Search) Key() string { return collector.CheckpointKey(NameSearch, s.Query) }

// Run makes one round, or with Poll a round every Poll, handing posts to
// sink (each with its Event set) and saving the checkpoint after each page
// the sink took. It returns nil when done (or when ctx ends: the checkpoint
// is saved), a *collector.FatalError for what only a person can mend, or
// the fault that stopped it, naming the page.
func (s *Search) Run(ctx context.Context, run *collector.Run, store collector.Store, sink collector.Sink) error {
	if strings.TrimSpace(s.Query) == "" {
		return &collector.FatalError{Msg: fmt.Sprintf("event %s has no X query: set one with chorus event create --query-x, or pass --query", s.Event)}
	}
	if s.Token == "" {
		return &collector.FatalError{Msg: "no X bearer token: set X_BEARER_TOKEN to the app's Bearer Token from the X developer portal"}
	}
	if _, err := apiURL(s.APIBase, searchPath, nil); err != nil {
		return &collector.FatalError{Msg: err.Error()}
	}
	if store == nil {
		store = collector.NopStore{}
	}
	for {
		err := s.round(ctx, run, store, sink)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil || s.Poll <= 0 {
			return err
		}
		if !s.End.IsZero() && !s.now().Before(s.End) {
			run.Note(ctx, "the event's window has closed: polling stops")
			return nil
		}
		run.Pausing(ctx, s.Poll)
		if collector.Sleep(ctx, s.Poll) != nil {
			return nil
		}
		run.Resume(ctx)
	}
}

func (s *Search) loadCheckpoint(ctx context.Context, store collector.Store) (searchCheckpoint, error) {
	var cp searchCheckpoint
	v, err := store.Checkpoint(ctx, s.Event, s.Key())
	if err != nil {
		return cp, fmt.Errorf("read checkpoint: %w", err)
	}
	if v != "" {
		if err := json.Unmarshal([]byte(v), &cp); err != nil {
			s.log().Warn("checkpoint unreadable: starting over", "err", err)
			cp = searchCheckpoint{}
		}
	}
	return cp, nil
}

func (s *Search) saveCheckpoint(ctx context.Context, store collector.Store, cp searchCheckpoint) error {
	b, _ := json.Marshal(cp)
	// Saved even as the run is stopped: what the sink took is kept.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := store.SaveCheckpoint(sctx, s.Event, s.Key(), string(b)); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// window is the start_time and end_time of a new round: the event's
// window clamped to what recent search reaches. ok is false when none of
// it is reachable.
func (s *Search) window(ctx context.Context, run *collector.Run) (start, end string, ok bool) {
	now := s.now().UTC()
	// X refuses start_time older than 7 days and end_time less than 10s
	// before the request; a minute's margin on each side.
	floor := now.Add(-RecentWindow + time.Minute)
	ceil := now.Add(-30 * time.Second)
	if !s.clockReach() {
		floor = time.Time{}
	}
	if !s.End.IsZero() && s.End.Before(floor) {
		run.Note(ctx, fmt.Sprintf("the event's window ended %s, more than 7 days ago: recent search cannot reach it (import an archive made at the time with chorus import --format twarc2)", s.End.UTC().Format(time.RFC3339)))
		return "", "", false
	}
	if !s.Start.IsZero() && !s.Start.Before(ceil) {
		run.Note(ctx, fmt.Sprintf("the event's window starts %s: nothing to search yet", s.Start.UTC().Format(time.RFC3339)))
		return "", "", false
	}
	if !s.Start.IsZero() {
		st := s.Start
		if st.Before(floor) {
			st = floor
			run.Note(ctx, fmt.Sprintf("recent search reaches back 7 days: searching from %s, not the window's start %s", st.Format(time.RFC3339), s.Start.UTC().Format(time.RFC3339)))
		}
		start = st.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	if !s.End.IsZero() && s.End.Before(ceil) {
		end = s.End.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	return start, end, true
}

// round pages through one search, from the checkpoint.
func (s *Search) round(ctx context.Context, run *collector.Run, store collector.Store, sink collector.Sink) error {
	cp, err := s.loadCheckpoint(ctx, store)
	if err != nil {
		return err
	}
	rd := cp.Round
	if rd != nil && s.clockReach() {
		floor := s.now().Add(-RecentWindow + time.Minute)
		start, _ := time.Parse(time.RFC3339, rd.Start)
		since := idTime(rd.SinceID)
		if rd.Start != "" && start.Before(floor) || !since.IsZero() && since.Before(floor) {
			// Resumed too late: the rest of the round is out of recent
			// search's reach (X would refuse its start_time or since_id).
			run.Note(ctx, fmt.Sprintf("a round cut short at page %d is past the 7 days recent search reaches: starting a new one", rd.Page+1))
			rd = nil
		}
	}
	if rd == nil {
		start, end, ok := s.window(ctx, run)
		if !ok {
			return nil
		}
		rd = &round{SinceID: cp.SinceID, Start: start, End: end}
		if t := idTime(rd.SinceID); s.clockReach() && !t.IsZero() && t.Before(s.now().Add(-RecentWindow+time.Minute)) {
			// X refuses a since_id older than the 7 days it searches.
			rd.SinceID = ""
		}
	} else {
		s.log().Info("resuming a round cut short", "page", rd.Page+1)
	}
	h := &collector.HTTP{Client: s.Client, BackoffMax: s.BackoffMax, BackoffInitial: s.BackoffInitial, Run: run, Now: s.Now, UserAgent: "chorus"}
	cl := &classifier{endpoint: "recent search", now: s.Now}
	refusals := 0
	for {
		q := url.Values{
			"query":        {s.Query},
			"max_results":  {"100"},
			"tweet.fields": {TweetFields},
			"expansions":   {Expansions},
			"user.fields":  {UserFields},
		}
		if rd.SinceID != "" {
			q.Set("since_id", rd.SinceID)
		}
		if rd.Start != "" {
			q.Set("start_time", rd.Start)
		}
		if rd.End != "" {
			q.Set("end_time", rd.End)
		}
		if rd.NextToken != "" {
			q.Set("next_token", rd.NextToken)
		}
		u, _ := apiURL(s.APIBase, searchPath, q)
		n := rd.Page + 1
		body, resp, err := h.Get(ctx, u, s.Token.header(), cl.classify)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ref *refusal
			if errors.As(err, &ref) && refusals < 4 {
				refusals++
				next, done, ok := s.mend(ctx, run, ref, rd, &cp)
				if ok {
					if done {
						return nil
					}
					rd = next
					continue
				}
			}
			return fmt.Errorf("x-search page %d: %w", n, err)
		}
		var posts []chorus.Post
		var newest time.Time
		info, err := DecodePage(body, SourceSearch, func(p chorus.Post, err error) error {
			if err != nil {
				s.reject(fmt.Sprintf("x-search page %d", n), err)
				return nil
			}
			p.Event = s.Event
			posts = append(posts, p)
			if p.CreatedAt.After(newest) {
				newest = p.CreatedAt
			}
			return nil
		})
		if err != nil {
			// A malformed or cut-off page: what came before is kept, and
			// the checkpoint stays at the last good page.
			return fmt.Errorf("x-search page %d: X sent a page that is not whole JSON (%d bytes): %w", n, len(body), err)
		}
		if len(info.Errors) > 0 {
			s.log().Info("partial errors beside the results", "page", n, "errors", len(info.Errors), "first", info.Errors[0])
		}
		if len(posts) > 0 {
			if err := sink.Put(ctx, posts); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("x-search page %d: hand over %d posts: %w", n, len(posts), err)
			}
		}
		run.Page(ctx)
		run.Posted(ctx, len(posts), newest)
		rd.Page = n
		// The newest id of the round: meta.newest_id of its first page, as
		// X documents, or the largest result id seen in the round when a
		// server leaves newest_id out or orders its pages otherwise.
		if n == 1 {
			rd.Newest = maxID(rd.Newest, info.NewestID)
		}
		rd.Newest = maxID(rd.Newest, info.MaxID)
		if info.NextToken != "" && info.NextToken == rd.NextToken {
			return fmt.Errorf("x-search page %d: X sent the same next_token as for the page before (%q): stopping rather than loop", n, info.NextToken)
		}
		if info.NextToken == "" {
			// The round is complete: the next asks for what is newer than
			// the newest post of its first page.
			next := searchCheckpoint{SinceID: maxID(cp.SinceID, maxID(rd.SinceID, rd.Newest))}
			return s.saveCheckpoint(ctx, store, next)
		}
		rd.NextToken = info.NextToken
		cp.Round = rd
		if err := s.saveCheckpoint(ctx, store, cp); err != nil {
			return err
		}
		if err := s.pace(ctx, run, resp); err != nil {
			return nil
		}
	}
}

// mend reads a 400 that refused the round's start_time, end_time, since_id
// or next_token — what X answers for what lies outside the 7 days recent
// search reaches — and gives the round to send instead: the start clamped
// to what X names, the since_id or the cut-short round dropped. done is
// true when nothing of the window is in reach; ok is false when the 400 is
// about something else (a bad query: the run stops with X's reason).
func (s *Search) mend(ctx context.Context, run *collector.Run, ref *refusal, rd *round, cp *searchCheckpoint) (next *round, done, ok bool) {
	params := ref.params()
	switch {
	case rd.NextToken != "" && (params["next_token"] != "" || params["pagination_token"] != "" || params["start_time"] != "" || params["since_id"] != ""):
		run.Note(ctx, fmt.Sprintf("X refused to resume the round cut short at page %d (%s): starting a new one", rd.Page+1, ref.said))
		start, end, ok := s.window(ctx, run)
		if !ok {
			return nil, true, true
		}
		cp.Round = nil
		return &round{SinceID: cp.SinceID, Start: start, End: end}, false, true
	case params["since_id"] != "" && rd.SinceID != "":
		run.Note(ctx, fmt.Sprintf("X refused since_id %s (%s): it is older than recent search reaches, so the window is searched again without it", rd.SinceID, params["since_id"]))
		cp.SinceID = ""
		rd.SinceID = ""
		return rd, false, true
	case params["end_time"] != "" && rd.End != "":
		msg := params["end_time"]
		if strings.Contains(msg, "prior to the request time") || strings.Contains(msg, "before the request time") {
			rd.End = ""
			return rd, false, true
		}
		run.Note(ctx, fmt.Sprintf("the event's window ends %s, before what recent search reaches (X: %s): it cannot be searched (import an archive made at the time with chorus import --format twarc2)", rd.End, msg))
		return nil, true, true
	case params["start_time"] != "" && rd.Start != "":
		msg := params["start_time"]
		floor, found := timeIn(msg)
		if !found {
			floor = s.now().UTC().Add(-RecentWindow)
		}
		// X names the minute; a minute's margin, as it moves on.
		floor = floor.Add(time.Minute).Truncate(time.Second)
		if end, err := time.Parse(time.RFC3339, rd.End); err == nil && !end.After(floor) {
			run.Note(ctx, fmt.Sprintf("the event's window ends %s, before %s, the oldest recent search reaches (X: %s): it cannot be searched (import an archive made at the time with chorus import --format twarc2)", rd.End, floor.Format(time.RFC3339), msg))
			return nil, true, true
		}
		run.Note(ctx, fmt.Sprintf("recent search reaches back 7 days (X: %s): searching from %s, not the window's start %s", msg, floor.Format(time.RFC3339), rd.Start))
		rd.Start = floor.Format(time.RFC3339)
		return rd, false, true
	}
	return nil, false, false
}

// timeIn finds the time X names in a message such as "'start_time' must be
// on or after 2024-07-25T10:00Z".
func timeIn(msg string) (time.Time, bool) {
	for _, f := range strings.Fields(msg) {
		f = strings.Trim(f, "'\".,;()")
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04Z"} {
			if t, err := time.Parse(layout, f); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// pace waits out the window when X says no requests remain in it.
func (s *Search) pace(ctx context.Context, run *collector.Run, resp *http.Response) error {
	rl := readRateLimit(resp.Header)
	if rl.remaining != 0 || rl.reset.IsZero() {
		return nil
	}
	wait := max(rl.reset.Sub(s.now()), 0) + jitter()
	run.RateLimited(ctx, wait, "no requests left in this window, limit resets "+rl.reset.UTC().Format("15:04:05 UTC"))
	if err := collector.Sleep(ctx, wait); err != nil {
		return err
	}
	run.Resume(ctx)
	return nil
}

func (s *Search) reject(where string, err error) {
	if s.Reject != nil {
		s.Reject(where, err)
		return
	}
	s.log().Warn("post not stored", "where", where, "err", err)
}

// maxID is the larger of two decimal ids ("" is smallest).
func maxID(a, b string) string {
	if len(a) != len(b) {
		if len(a) > len(b) {
			return a
		}
		return b
	}
	if a > b {
		return a
	}
	return b
}
