// Package xtest is a stand-in X API v2 server for tests: recent search with
// real paging (max_results, next_token, since_id, start/end_time), includes,
// rate-limit headers, the filtered stream and its rules, and scripted
// faults (429 with or without a reset, 5xx, 401, cut-off pages). It speaks
// the shapes of ../../shared/formats.md §1.
package xtest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tweet is one post the server holds. Retweets name RetweetOf; the
// original must be held too (or be gone, for a deleted original).
type Tweet struct {
	ID        string
	Text      string
	AuthorID  string
	CreatedAt time.Time
	Lang      string
	RetweetOf string // a plain retweet of this id
	QuoteOf   string
	ReplyTo   string
	NoteText  string // long text, sent as note_tweet
	Likes     int
	// Context marks a post that is only referenced (a retweeted or
	// quoted original): it is never a search result itself.
	Context bool
}

// User is an author.
type User struct {
	ID, Username, Name string
	Followers          int
}

// Fault is a scripted answer, used once per Times (1 when zero) by the
// first request to Path ("" for any) after Skip matching requests.
type Fault struct {
	Path   string
	Skip   int
	Times  int
	Status int
	Header map[string]string
	Body   string
	// Truncate sends the real page cut to half its length, with 200.
	Truncate bool
	// ResetIn sets x-rate-limit-reset this far ahead of now.
	ResetIn time.Duration
}

// Request is one request the server saw.
type Request struct {
	At    time.Time
	Path  string
	Query map[string]string
	Auth  string
}

// Server is the stand-in. Lock-free use of its fields is for setup before
// the first request; use the methods afterwards.
type Server struct {
	*httptest.Server
	Token string

	mu        sync.Mutex
	tweets    []Tweet // newest first
	byID      map[string]Tweet
	users     map[string]User
	faults    []Fault
	requests  []Request
	remaining int
	reset     time.Time
	// LimitPerWindow is x-rate-limit-limit (450 when zero).
	LimitPerWindow int
	// Overlap repeats the last Overlap posts of a page at the top of the
	// next, as X does when posts shift under a search.
	Overlap int
	// Sparse leaves newest_id and oldest_id out of meta and sends the
	// results oldest first, as some stand-ins and proxies do.
	Sparse bool

	stream streamState
}

// New starts a server holding users and tweets.
func New(token string, users []User, tweets []Tweet) *Server {
	s := &Server{Token: token, byID: map[string]Tweet{}, users: map[string]User{}}
	for _, u := range users {
		s.users[u.ID] = u
	}
	s.Add(tweets...)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2/tweets/search/recent", s.search)
	mux.HandleFunc("GET /2/tweets/search/stream/rules", s.getRules)
	mux.HandleFunc("POST /2/tweets/search/stream/rules", s.postRules)
	mux.HandleFunc("GET /2/tweets/search/stream", s.streamHandler)
	s.Server = httptest.NewServer(mux)
	return s
}

// Add holds more tweets (say, posted since the last round).
func (s *Server) Add(tweets ...Tweet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range tweets {
		if _, ok := s.byID[t.ID]; !ok {
			s.tweets = append(s.tweets, t)
		}
		s.byID[t.ID] = t
	}
	sort.Slice(s.tweets, func(i, j int) bool { return idLess(s.tweets[j].ID, s.tweets[i].ID) })
}

// Script queues faults.
func (s *Server) Script(f ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f...)
}

// Requests is what the server saw so far.
func (s *Server) Requests(path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) record(r *http.Request) Request {
	q := map[string]string{}
	for k, v := range r.URL.Query() {
		q[k] = strings.Join(v, ",")
	}
	req := Request{At: time.Now(), Path: r.URL.Path, Query: q, Auth: r.Header.Get("Authorization")}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	return req
}

// fault takes the scripted fault for path, if one is due.
func (s *Server) fault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.Path != "" && f.Path != path {
			continue
		}
		if f.Skip > 0 {
			f.Skip--
			return Fault{}, false
		}
		out := *f
		if f.Times <= 1 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		} else {
			f.Times--
		}
		return out, true
	}
	return Fault{}, false
}

// problem writes an RFC 7807 error body.
func problem(w http.ResponseWriter, status int, title, detail, typ string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"title": title, "detail": detail, "type": "https://api.x.com/2/problems/" + typ, "status": status})
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`)
		return false
	}
	return true
}

// rateHeaders sets the x-rate-limit-* headers, a 15-minute window.
func (s *Server) rateHeaders(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := s.LimitPerWindow
	if limit == 0 {
		limit = 450
	}
	now := time.Now()
	if now.After(s.reset) {
		s.reset, s.remaining = now.Add(15*time.Minute), limit
	}
	if s.remaining > 0 {
		s.remaining--
	}
	w.Header().Set("x-rate-limit-limit", strconv.Itoa(limit))
	w.Header().Set("x-rate-limit-remaining", strconv.Itoa(s.remaining))
	w.Header().Set("x-rate-limit-reset", strconv.FormatInt(s.reset.Unix(), 10))
}

// writeFault answers with a scripted fault.
func (s *Server) writeFault(w http.ResponseWriter, f Fault) {
	for k, v := range f.Header {
		w.Header().Set(k, v)
	}
	if f.ResetIn != 0 {
		w.Header().Set("x-rate-limit-remaining", "0")
		w.Header().Set("x-rate-limit-reset", strconv.FormatInt(time.Now().Add(f.ResetIn).Unix(), 10))
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(f.Status)
	fmt.Fprint(w, f.Body)
}

type searchToken struct {
	Offset int `json:"o"`
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	f, ok := s.fault(r.URL.Path)
	if ok && !f.Truncate {
		s.writeFault(w, f)
		return
	}
	s.searchPage(w, r, ok && f.Truncate)
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, truncate bool) {
	if !s.authorized(w, r) {
		return
	}
	q := r.URL.Query()
	if strings.TrimSpace(q.Get("query")) == "" {
		problem(w, 400, "Invalid Request", "One or more parameters to your request was invalid.", "invalid-request")
		return
	}
	max := 10
	if v := q.Get("max_results"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 10 || n > 100 {
			problem(w, 400, "Invalid Request", fmt.Sprintf("The `max_results` query parameter value [%s] is not between 10 and 100", v), "invalid-request")
			return
		}
		max = n
	}
	var start, end time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"start_time", &start}, {"end_time", &end}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				problem(w, 400, "Invalid Request", "Invalid "+p.name, "invalid-request")
				return
			}
			*p.t = t
		}
	}
	offset := 0
	token := q.Get("next_token")
	if token == "" {
		token = q.Get("pagination_token")
	}
	if token != "" {
		b, err := base64.RawURLEncoding.DecodeString(token)
		var st searchToken
		if err != nil || json.Unmarshal(b, &st) != nil {
			problem(w, 400, "Invalid Request", "The `next_token` query parameter value is not valid", "invalid-request")
			return
		}
		offset = st.Offset
	}
	since, until := q.Get("since_id"), q.Get("until_id")
	s.mu.Lock()
	var matched []Tweet
	for _, t := range s.tweets {
		if t.Context {
			continue
		}
		if since != "" && !idLess(since, t.ID) || until != "" && !idLess(t.ID, until) {
			continue
		}
		if !start.IsZero() && t.CreatedAt.Before(start) || !end.IsZero() && !t.CreatedAt.Before(end) {
			continue
		}
		matched = append(matched, t)
	}
	if s.Sparse {
		rev := make([]Tweet, len(matched))
		for i, t := range matched {
			rev[len(matched)-1-i] = t
		}
		matched = rev
	}
	var pageT []Tweet
	if offset < len(matched) {
		pageT = matched[offset:min(offset+max, len(matched))]
	}
	body := map[string]any{}
	meta := map[string]any{"result_count": len(pageT)}
	if len(pageT) > 0 {
		data, includes, errs := s.expand(pageT)
		body["data"] = data
		body["includes"] = includes
		if len(errs) > 0 {
			body["errors"] = errs
		}
		if !s.Sparse {
			meta["newest_id"], meta["oldest_id"] = pageT[0].ID, pageT[len(pageT)-1].ID
		}
		if offset+max < len(matched) {
			b, _ := json.Marshal(searchToken{Offset: offset + max - min(s.Overlap, max-1)})
			meta["next_token"] = base64.RawURLEncoding.EncodeToString(b)
		}
	}
	s.mu.Unlock()
	body["meta"] = meta
	s.rateHeaders(w)
	out, _ := json.Marshal(body)
	if truncate {
		out = out[:len(out)/2]
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(out)
}

// v2 is a tweet as the API sends it.
func (s *Server) v2(t Tweet) map[string]any {
	m := map[string]any{
		"id": t.ID, "text": t.Text, "author_id": t.AuthorID, "lang": t.Lang,
		"created_at":             t.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"edit_history_tweet_ids": []string{t.ID}, "conversation_id": t.ID,
		"public_metrics": map[string]int{"retweet_count": 0, "reply_count": 0, "like_count": t.Likes, "quote_count": 0, "bookmark_count": 0, "impression_count": t.Likes * 30},
	}
	var refs []map[string]string
	if t.RetweetOf != "" {
		refs = append(refs, map[string]string{"type": "retweeted", "id": t.RetweetOf})
	}
	if t.QuoteOf != "" {
		refs = append(refs, map[string]string{"type": "quoted", "id": t.QuoteOf})
	}
	if t.ReplyTo != "" {
		refs = append(refs, map[string]string{"type": "replied_to", "id": t.ReplyTo})
	}
	if refs != nil {
		m["referenced_tweets"] = refs
	}
	if t.NoteText != "" {
		m["note_tweet"] = map[string]any{"text": t.NoteText}
	}
	return m
}

func (s *Server) user(id string) map[string]any {
	u, ok := s.users[id]
	if !ok {
		return nil
	}
	return map[string]any{"id": u.ID, "username": u.Username, "name": u.Name,
		"public_metrics": map[string]int{"followers_count": u.Followers, "following_count": 10, "tweet_count": 100, "listed_count": 0}}
}

// expand builds data, includes and partial errors for a page. Call with
// s.mu held.
func (s *Server) expand(page []Tweet) ([]map[string]any, map[string]any, []map[string]any) {
	var data, users, tweets, errs []map[string]any
	seenU, seenT := map[string]bool{}, map[string]bool{}
	addUser := func(id string) {
		if id == "" || seenU[id] {
			return
		}
		seenU[id] = true
		if u := s.user(id); u != nil {
			users = append(users, u)
		}
	}
	for _, t := range page {
		data = append(data, s.v2(t))
		addUser(t.AuthorID)
		for _, ref := range []string{t.RetweetOf, t.QuoteOf, t.ReplyTo} {
			if ref == "" || seenT[ref] {
				continue
			}
			seenT[ref] = true
			if o, ok := s.byID[ref]; ok {
				tweets = append(tweets, s.v2(o))
				addUser(o.AuthorID)
			} else {
				errs = append(errs, map[string]any{"value": ref, "detail": "Could not find tweet with referenced_tweets.id: [" + ref + "].",
					"title": "Not Found Error", "resource_type": "tweet", "parameter": "referenced_tweets.id", "resource_id": ref,
					"type": "https://api.x.com/2/problems/resource-not-found"})
			}
		}
	}
	inc := map[string]any{"users": users}
	if tweets != nil {
		inc["tweets"] = tweets
	}
	return data, inc, errs
}

// Snowflake makes an X id for a time (sequence seq within the millisecond).
func Snowflake(t time.Time, seq int) string {
	return strconv.FormatInt((t.UnixMilli()-1288834974657)<<22|int64(seq&0xfff), 10)
}
