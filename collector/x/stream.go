package x

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
)

const (
	streamPath = "/2/tweets/search/stream"
	rulesPath  = "/2/tweets/search/stream/rules"
)

// StreamEvent is one event the stream collects for: its rule's value is
// Query and its tag the event id.
type StreamEvent struct {
	ID    string
	Query string
}

// StreamBackoff is how long the stream waits before reconnecting, as X
// asks: after a network fault +NetworkStep a try up to NetworkMax; after
// an HTTP error from HTTPFirst doubling to HTTPMax; after a 429 from
// TooManyFirst doubling. The zero value is X's published policy.
type StreamBackoff struct {
	NetworkStep, NetworkMax time.Duration
	HTTPFirst, HTTPMax      time.Duration
	TooManyFirst            time.Duration
}

func (b StreamBackoff) withDefaults() StreamBackoff {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&b.NetworkStep, 250*time.Millisecond)
	def(&b.NetworkMax, 16*time.Second)
	def(&b.HTTPFirst, 5*time.Second)
	def(&b.HTTPMax, 320*time.Second)
	def(&b.TooManyFirst, 60*time.Second)
	return b
}

// Stream is the filtered-stream collector: it keeps one rule per event on
// X (tagged with the event id), holds the app's one stream connection and
// routes each post to the event(s) whose rule it matched. Several events
// share the connection.
type Stream struct {
	APIBase string
	Token   Token
	Events  []StreamEvent
	// Client makes the requests; it must not have a Timeout (the stream
	// is one long answer). Nil: a client with dial and header timeouts.
	Client *http.Client
	Logger *slog.Logger
	// Stall is how long a connection may stay silent (X sends a keep-alive
	// at least every 20s) before it is dropped and made again; 30s when
	// zero.
	Stall   time.Duration
	Backoff StreamBackoff
	// BackoffMax caps every wait before a reconnect that X names no reset
	// for (--backoff-max); 0 leaves X's own caps.
	BackoffMax time.Duration
	// Owned says a rule's tag is one this Chorus manages (an event it
	// knows) even when the event is not in Events, so that its rule is
	// deleted as stale. Nil: only the tags of Events are managed.
	Owned func(tag string) bool
	// Reject is told of each post X sent that cannot be stored; nil logs.
	Reject func(where string, err error)
	Now    func() time.Time

	mu   sync.Mutex
	prev map[string]chorus.CollectorStatus // other events' statuses at the end of the last Run
}

// streamSlot is this process's one stream connection: X allows one per app,
// so a stream that replaces another (events changed) connects only once
// the old one is gone.
var streamSlot = make(chan struct{}, 1)

func (s *Stream) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger.With("component", NameStream)
}

func (s *Stream) stall() time.Duration {
	if s.Stall > 0 {
		return s.Stall
	}
	return 30 * time.Second
}

func (s *Stream) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}}
}

// router maps the rules X holds to events: by rule id, through the rule's
// tag or its value (another event, or another tool, may own an identical
// rule: X keeps one copy of a value).
type router struct {
	byRule map[string][]string
	byTag  map[string][]string
	known  map[string]bool // rule ids X listed at the last sync
	// single is the one event a stream collects for (chorus collect x
	// --follow), "" for several: a post matching only rules made since the
	// sync, or naming none, goes to it.
	single string
}

func tagRoutes(events []StreamEvent) map[string][]string {
	m := map[string][]string{}
	for _, ev := range events {
		m[ev.ID] = []string{ev.ID}
	}
	return m
}

func (s *Stream) single() string {
	if len(s.Events) == 1 {
		return s.Events[0].ID
	}
	return ""
}

func (r *router) events(m []MatchingRule) []string {
	var out []string
	seen := map[string]bool{}
	unknown := len(m) == 0
	for _, mr := range m {
		evs := r.byRule[string(mr.ID)]
		if evs == nil {
			evs = r.byTag[mr.Tag]
		}
		if evs == nil && !r.known[string(mr.ID)] {
			unknown = true
		}
		for _, e := range evs {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	if len(out) == 0 && unknown && r.single != "" {
		out = append(out, r.single)
	}
	return out
}

type ruleList struct {
	Data []struct {
		ID    id     `json:"id"`
		Value string `json:"value"`
		Tag   string `json:"tag"`
	} `json:"data"`
	Errors []struct {
		Value   string   `json:"value"`
		ID      id       `json:"id"`
		Title   string   `json:"title"`
		Type    string   `json:"type"`
		Details []string `json:"details"`
		Detail  string   `json:"detail"`
	} `json:"errors"`
	Meta struct {
		Summary map[string]int `json:"summary"`
	} `json:"meta"`
}

// syncRules makes X's rules match the events: adds what is missing,
// deletes stale rules of managed tags, and returns the routing table.
// Events whose rule X refuses (invalid) are named in the run's note.
func (s *Stream) syncRules(ctx context.Context, h *collector.HTTP, runs *streamRuns) (*router, error) {
	run := runs.main
	cl := &classifier{endpoint: "the filtered stream's rules", now: s.Now}
	list := func() (ruleList, error) {
		u, err := apiURL(s.APIBase, rulesPath, nil)
		if err != nil {
			return ruleList{}, &collector.FatalError{Msg: err.Error()}
		}
		body, _, err := h.Get(ctx, u, s.Token.header(), cl.classify)
		if err != nil {
			return ruleList{}, fmt.Errorf("list stream rules: %w", err)
		}
		var rl ruleList
		if err := json.Unmarshal(body, &rl); err != nil {
			return ruleList{}, fmt.Errorf("list stream rules: %w", jsonError("", err))
		}
		return rl, nil
	}
	post := func(payload any) (ruleList, error) {
		u, _ := apiURL(s.APIBase, rulesPath, nil)
		b, _ := json.Marshal(payload)
		body, _, err := h.Do(ctx, func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			for k, v := range s.Token.header() {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		}, cl.classify)
		if err != nil {
			return ruleList{}, fmt.Errorf("update stream rules: %w", err)
		}
		var rl ruleList
		if err := json.Unmarshal(body, &rl); err != nil {
			return ruleList{}, fmt.Errorf("update stream rules: %w", jsonError("", err))
		}
		return rl, nil
	}

	// A server without the rules endpoints (a stand-in, a proxy) is read
	// as it comes, posts routed by their rules' tags.
	unsynced := func(err error) (*router, error) {
		msg := err.Error()
		if !strings.Contains(msg, "HTTP 404") && !strings.Contains(msg, "HTTP 405") {
			return nil, err
		}
		s.log().Warn("stream rules not synced: streaming as the server sends", "err", err)
		run.Note(ctx, "the stream's rules endpoint is missing ("+msg+"): rules not synced; posts are routed by their rule tags")
		return &router{byRule: map[string][]string{}, byTag: tagRoutes(s.Events), single: s.single()}, nil
	}
	have, err := list()
	if err != nil {
		return unsynced(err)
	}
	mine := map[string]string{} // tag → query
	for _, ev := range s.Events {
		mine[ev.ID] = strings.TrimSpace(ev.Query)
	}
	managed := func(tag string) bool {
		if _, ok := mine[tag]; ok {
			return true
		}
		return tag != "" && s.Owned != nil && s.Owned(tag)
	}
	present := map[string]bool{} // value → held by X
	var stale []string
	for _, r := range have.Data {
		if managed(r.Tag) && mine[r.Tag] != r.Value {
			stale = append(stale, string(r.ID))
			continue
		}
		present[r.Value] = true
	}
	type add struct {
		Value string `json:"value"`
		Tag   string `json:"tag"`
	}
	var adds []add
	for _, ev := range s.Events {
		if q := mine[ev.ID]; q != "" && !present[q] {
			adds = append(adds, add{Value: q, Tag: ev.ID})
			present[q] = true
		}
	}
	if len(stale) > 0 {
		if _, err := post(map[string]any{"delete": map[string]any{"ids": stale}}); err != nil {
			return unsynced(err)
		}
		s.log().Info("stale stream rules deleted", "rules", len(stale))
	}
	var refused []string
	if len(adds) > 0 {
		res, err := post(map[string]any{"add": adds})
		if err != nil {
			return unsynced(err)
		}
		for _, e := range res.Errors {
			kind := e.Type
			if i := strings.LastIndexByte(kind, '/'); i >= 0 {
				kind = kind[i+1:]
			}
			if kind == "duplicate-rules" || strings.EqualFold(e.Title, "DuplicateRule") {
				continue // X holds it already: routed by value below
			}
			why := strings.Join(e.Details, "; ")
			if why == "" {
				why = e.Detail
			}
			if why == "" {
				why = e.Title
			}
			for _, a := range adds {
				if a.Value == e.Value {
					refused = append(refused, fmt.Sprintf("event %s: X refused the rule %q (%s)", a.Tag, a.Value, why))
					if a.Tag != runs.first {
						runs.of(a.Tag).Note(ctx, fmt.Sprintf("X refused this event's stream rule %q (%s): fix its --query-x", a.Value, why))
					}
				}
			}
		}
		s.log().Info("stream rules added", "rules", res.Meta.Summary["created"], "refused", len(refused))
	}
	if len(refused) > 0 {
		run.Note(ctx, strings.Join(refused, "; "))
		if len(refused) == len(s.Events) {
			return nil, &collector.FatalError{Msg: "every stream rule was refused: " + strings.Join(refused, "; ") + " — fix the event's --query-x"}
		}
	}
	if len(stale) > 0 || len(adds) > 0 {
		if have, err = list(); err != nil {
			return nil, err
		}
	}
	rt := &router{byRule: map[string][]string{}, byTag: tagRoutes(s.Events), known: map[string]bool{}, single: s.single()}
	for _, r := range have.Data {
		rt.known[string(r.ID)] = true
		for _, ev := range s.Events {
			if ev.ID == r.Tag || strings.TrimSpace(ev.Query) == r.Value {
				rt.byRule[string(r.ID)] = append(rt.byRule[string(r.ID)], ev.ID)
			}
		}
	}
	return rt, nil
}

// streamRuns keeps each event's share of the stream's status.
type streamRuns struct {
	main  *collector.Run
	first string
	runs  map[string]*collector.Run
}

func (r *streamRuns) of(event string) *collector.Run {
	if event == r.first || r.runs[event] == nil {
		return r.main
	}
	return r.runs[event]
}

// each calls fn for every event's run.
func (r *streamRuns) each(fn func(*collector.Run)) {
	fn(r.main)
	for e, run := range r.runs {
		if e != r.first {
			fn(run)
		}
	}
}

// Run syncs the rules and reads the stream until ctx ends (nil), or a
// fault only a person can mend (*collector.FatalError).
func (s *Stream) Run(ctx context.Context, run *collector.Run, store collector.Store, sink collector.Sink) error {
	if s.Token == "" {
		return &collector.FatalError{Msg: "no X bearer token: set X_BEARER_TOKEN to the app's Bearer Token from the X developer portal"}
	}
	if len(s.Events) == 0 {
		return &collector.FatalError{Msg: "the filtered stream has no events to collect for"}
	}
	if store == nil {
		store = collector.NopStore{}
	}
	if run == nil {
		run = collector.NewRun(chorus.CollectorStatus{Event: s.Events[0].ID, Name: NameStream, Platform: chorus.X, Query: s.Events[0].Query, Mode: "follow"}, collector.RunOptions{Store: store, Logger: s.Logger})
	}
	runs := &streamRuns{main: run, first: run.Status().Event, runs: map[string]*collector.Run{}}
	for _, ev := range s.Events {
		if ev.ID == runs.first {
			continue
		}
		// Each other event's share of the stream has a status of its own,
		// its counts carried across restarts as the first event's are.
		s.mu.Lock()
		st, ok := s.prev[ev.ID]
		s.mu.Unlock()
		if !ok {
			st = chorus.CollectorStatus{Event: ev.ID, Name: NameStream, Platform: chorus.X, Query: ev.Query, Mode: "follow"}
		}
		r := run.Child(st)
		runs.runs[ev.ID] = r
		r.Start(ctx)
	}
	err := s.run(ctx, runs, sink)
	s.mu.Lock()
	if s.prev == nil {
		s.prev = map[string]chorus.CollectorStatus{}
	}
	for e, r := range runs.runs {
		if e != runs.first {
			_ = r.Finish(ctx, err)
			s.prev[e] = r.Status()
		}
	}
	s.mu.Unlock()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (s *Stream) run(ctx context.Context, runs *streamRuns, sink collector.Sink) error {
	h := &collector.HTTP{Client: &http.Client{Timeout: 60 * time.Second, Transport: s.client().Transport}, BackoffMax: s.BackoffMax, Run: runs.main, Now: s.Now, UserAgent: "chorus"}
	rt, err := s.syncRules(ctx, h, runs)
	if err != nil {
		return err
	}
	// One connection per process: wait for one that is closing.
	select {
	case streamSlot <- struct{}{}:
	case <-ctx.Done():
		return nil
	}
	defer func() { <-streamSlot }()

	bo := s.Backoff.withDefaults()
	capped := func(d time.Duration) time.Duration {
		if s.BackoffMax > 0 {
			return min(d, s.BackoffMax)
		}
		return d
	}
	var netWait, httpWait, tooManyWait time.Duration
	failures := 0
	for ctx.Err() == nil {
		delivered, err := s.connect(ctx, rt, runs, sink)
		if ctx.Err() != nil {
			return nil
		}
		if delivered {
			netWait, httpWait, tooManyWait, failures = 0, 0, 0, 0
		}
		var wait time.Duration
		var se *streamError
		switch {
		case err == nil: // a clean end (disconnect notice, EOF, stall): reconnect at once
			failures++
			if failures > 1 {
				netWait = min(netWait+bo.NetworkStep, bo.NetworkMax)
				wait = netWait
			}
			if wait == 0 {
				continue
			}
			runs.each(func(r *collector.Run) { r.Retrying(ctx, errors.New("the stream closed; reconnecting"), wait) })
		case collector.IsFatal(err):
			return err
		case errors.As(err, &se) && se.status == http.StatusTooManyRequests:
			if until := time.Until(se.reset); !se.reset.IsZero() && until > 0 {
				wait = until + jitter()
			} else {
				if tooManyWait == 0 {
					tooManyWait = bo.TooManyFirst
				} else {
					tooManyWait = max(capped(2*tooManyWait), bo.TooManyFirst)
				}
				wait = tooManyWait
			}
			runs.each(func(r *collector.Run) { r.RateLimited(ctx, wait, se.Error()) })
		case errors.As(err, &se):
			if se.status == http.StatusConflict {
				// No rules (deleted by someone else): make them again, then
				// wait as for any HTTP error, so that a server that keeps
				// answering 409 is not hammered.
				nrt, serr := s.syncRules(ctx, h, runs)
				if serr != nil {
					return serr
				}
				rt = nrt
			}
			if httpWait == 0 {
				httpWait = bo.HTTPFirst
			} else {
				httpWait = min(2*httpWait, bo.HTTPMax)
			}
			wait = capped(httpWait)
			runs.each(func(r *collector.Run) { r.Retrying(ctx, err, wait) })
		default: // the network
			netWait = min(netWait+bo.NetworkStep, bo.NetworkMax)
			wait = capped(netWait)
			runs.each(func(r *collector.Run) { r.Retrying(ctx, err, wait) })
		}
		if collector.Sleep(ctx, wait) != nil {
			return nil
		}
		runs.each(func(r *collector.Run) { r.Resume(ctx) })
	}
	return nil
}

// streamError is an HTTP answer other than 200 to a stream connect.
type streamError struct {
	status int
	said   string
	reset  time.Time
}

func (e *streamError) Error() string {
	return fmt.Sprintf("filtered stream answered %d: %s", e.status, e.said)
}

// connect opens the stream and reads it until it ends. delivered says a
// post arrived (the back-off starts again). A nil error is a connection
// that ended in a way X expects clients to reconnect from at once.
func (s *Stream) connect(ctx context.Context, rt *router, runs *streamRuns, sink collector.Sink) (delivered bool, err error) {
	q := url.Values{"tweet.fields": {TweetFields}, "expansions": {Expansions}, "user.fields": {UserFields}}
	u, err := apiURL(s.APIBase, streamPath, q)
	if err != nil {
		return false, &collector.FatalError{Msg: err.Error()}
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, u, nil)
	if err != nil {
		return false, err
	}
	for k, v := range s.Token.header() {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "chorus")
	resp, err := s.client().Do(req)
	if err != nil {
		return false, fmt.Errorf("connect to the filtered stream: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		cl := &classifier{endpoint: "the filtered stream", now: s.Now}
		if err := cl.classify(resp, body); collector.IsFatal(err) {
			return false, err
		}
		p := parseProblem(body)
		said := p.text()
		if p.ConnectionIssue == "TooManyConnections" {
			said = "another connection to the filtered stream is open (X allows one per app): " + said
		}
		if said == "" {
			said = http.StatusText(resp.StatusCode)
		}
		reset := readRateLimit(resp.Header).reset
		if d, ok := collector.RetryAfter(resp.Header, time.Now()); ok && reset.IsZero() {
			reset = time.Now().Add(d)
		}
		return false, &streamError{status: resp.StatusCode, said: said, reset: reset}
	}
	runs.each(func(r *collector.Run) { r.Resume(ctx) })
	s.log().Info("stream connected", "events", len(s.Events))

	// One goroutine reads; lines go through a queue so that a slow sink
	// never stalls the read (X drops readers that fall behind).
	lines := make(chan []byte, 1024)
	readErr := make(chan error, 1)
	go func() {
		defer close(lines)
		lr := newLineReader(resp.Body, MaxLineBytes)
		for {
			line, size, err := lr.next()
			if err != nil {
				if err != io.EOF {
					readErr <- err
				}
				return
			}
			if !lr.ended {
				// The connection dropped mid-message: not a bad post, a
				// cut one (X sends it again, or it is lost with the drop).
				if len(bytes.TrimSpace(line)) > 0 {
					s.log().Info("stream message cut off by the disconnect", "bytes", size)
				}
				return
			}
			if size > lr.limit {
				line = nil
			} else {
				line = bytes.Clone(line)
			}
			select {
			case lines <- line:
			case <-cctx.Done():
				return
			}
		}
	}()
	timer := time.NewTimer(s.stall())
	defer timer.Stop()
	flush := time.NewTicker(2 * time.Second) // a quiet stream's status still shows its last post
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return delivered, nil
		case <-flush.C:
			runs.each(func(r *collector.Run) { r.Flush(ctx) })
		case <-timer.C:
			s.log().Warn("stream silent: reconnecting", "silence", s.stall().String())
			runs.main.Note(ctx, fmt.Sprintf("the stream was silent for %s (no keep-alive): reconnected", s.stall()))
			return delivered, nil
		case line, ok := <-lines:
			if !ok {
				select {
				case err := <-readErr:
					if ctx.Err() != nil {
						return delivered, nil
					}
					return delivered, fmt.Errorf("read the filtered stream: %w", err)
				default:
					return delivered, nil // the server closed the stream
				}
			}
			timer.Reset(s.stall())
			line = bytes.TrimSpace(line)
			if len(line) == 0 {
				continue // keep-alive
			}
			done, got, err := s.message(ctx, line, rt, runs, sink)
			if got {
				delivered = true
			}
			if err != nil {
				return delivered, err
			}
			if done {
				return delivered, nil
			}
		}
	}
}

// message handles one stream line. done says the server announced a
// disconnect.
func (s *Stream) message(ctx context.Context, line []byte, rt *router, runs *streamRuns, sink collector.Sink) (done, got bool, err error) {
	var m page
	if err := json.Unmarshal(line, &m); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			s.reject("filtered stream message", jsonError("", err))
			return false, false, nil
		}
		if m, err = lenientPage(line); err != nil {
			s.reject("filtered stream message", err)
			return false, false, nil
		}
	}
	if len(m.Data) == 0 {
		for _, e := range m.Errors {
			if strings.Contains(e.Type, "operational-disconnect") || e.Title == "operational-disconnect" || e.DisconnectType != "" {
				s.log().Info("stream disconnect notice", "type", e.DisconnectType, "detail", e.Detail)
				return true, false, nil
			}
		}
		if len(m.Errors) > 0 {
			s.log().Info("stream notice", "first", m.Errors[0].String())
		}
		return false, false, nil // keep-alive object or a kind of message we do not know
	}
	events := rt.events(m.MatchingRules)
	if len(events) == 0 {
		s.log().Debug("stream post matched no rule of ours", "rules", len(m.MatchingRules))
		return false, false, nil
	}
	var posts []chorus.Post
	err = pagePosts(&m, SourceStream, func(p chorus.Post, err error) error {
		if err != nil {
			s.reject("filtered stream message", err)
			return nil
		}
		for _, e := range events {
			p.Event = e
			posts = append(posts, p)
		}
		return nil
	})
	if err != nil || len(posts) == 0 {
		return false, false, err
	}
	if err := sink.Put(ctx, posts); err != nil {
		if ctx.Err() != nil {
			return false, true, nil
		}
		return false, true, fmt.Errorf("hand over %d stream posts: %w", len(posts), err)
	}
	per := map[string][]chorus.Post{}
	for _, p := range posts {
		per[p.Event] = append(per[p.Event], p)
	}
	names := make([]string, 0, len(per))
	for e := range per {
		names = append(names, e)
	}
	sort.Strings(names)
	for _, e := range names {
		var newest time.Time
		for _, p := range per[e] {
			if p.CreatedAt.After(newest) {
				newest = p.CreatedAt
			}
		}
		r := runs.of(e)
		r.Page(ctx)
		r.Posted(ctx, len(per[e]), newest)
	}
	return false, true, nil
}

func (s *Stream) reject(where string, err error) {
	if s.Reject != nil {
		s.Reject(where, err)
		return
	}
	s.log().Warn("post not stored", "where", where, "err", err)
}
