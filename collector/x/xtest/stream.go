package xtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Rule is a filtered-stream rule as the server keeps it.
type Rule struct {
	ID    string `json:"id"`
	Value string `json:"value"`
	Tag   string `json:"tag,omitempty"`
}

type streamState struct {
	rules  map[string]Rule
	nextID int64
	open   bool
	conns  int
	// OnConnect scripts each connection in turn; past the last, the
	// connection stays open, silent, until the client goes.
	scripts []func(c *Conn)
}

// Conn is one open stream connection, for a script to write to.
type Conn struct {
	s       *Server
	w       http.ResponseWriter
	f       http.Flusher
	r       *http.Request
	Number  int // 1 for the first connection
	writeMu sync.Mutex
}

// OnConnect scripts the stream: the i-th connection runs scripts[i].
func (s *Server) OnConnect(scripts ...func(c *Conn)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stream.scripts = append(s.stream.scripts, scripts...)
}

// Connections is how many stream connections were accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stream.conns
}

// Rules is the rule set now.
func (s *Server) Rules() []Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rulesLocked()
}

func (s *Server) rulesLocked() []Rule {
	out := make([]Rule, 0, len(s.stream.rules))
	for _, r := range s.stream.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// AddRule holds a rule as if another tool had made it.
func (s *Server) AddRule(value, tag string) Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addRuleLocked(value, tag)
}

func (s *Server) addRuleLocked(value, tag string) Rule {
	if s.stream.rules == nil {
		s.stream.rules = map[string]Rule{}
		s.stream.nextID = 1819000000000000001
	}
	r := Rule{ID: strconv.FormatInt(s.stream.nextID, 10), Value: value, Tag: tag}
	s.stream.nextID++
	s.stream.rules[r.ID] = r
	return r
}

const sent = "2024-07-31T19:00:00.123Z"

func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if f, ok := s.fault(r.URL.Path); ok {
		s.writeFault(w, f)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	rules := s.rulesLocked()
	s.mu.Unlock()
	s.rateHeaders(w)
	body := map[string]any{"meta": map[string]any{"sent": sent, "result_count": len(rules)}}
	if len(rules) > 0 {
		body["data"] = rules
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

// A rule is invalid when its parentheses do not balance or it holds the
// word INVALID (so that tests can make one).
func invalidRule(v string) bool {
	return strings.Count(v, "(") != strings.Count(v, ")") || strings.Contains(v, "INVALID") || strings.TrimSpace(v) == ""
}

func (s *Server) postRules(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if f, ok := s.fault(r.URL.Path); ok {
		s.writeFault(w, f)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	var req struct {
		Add    []Rule `json:"add"`
		Delete *struct {
			IDs []string `json:"ids"`
		} `json:"delete"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, 400, "Invalid Request", "body: "+err.Error(), "invalid-request")
		return
	}
	dry := r.URL.Query().Get("dry_run") == "true"
	s.mu.Lock()
	defer s.mu.Unlock()
	var data []Rule
	var errs []map[string]any
	summary := map[string]int{}
	status := http.StatusOK
	if req.Delete != nil {
		for _, id := range req.Delete.IDs {
			if _, ok := s.stream.rules[id]; ok {
				if !dry {
					delete(s.stream.rules, id)
				}
				summary["deleted"]++
			} else {
				summary["not_deleted"]++
				errs = append(errs, map[string]any{"errors": []map[string]string{{"message": "Rule does not exist", "parameters": ""}}, "title": "Invalid Request", "type": "https://api.x.com/2/problems/invalid-request", "value": id})
			}
		}
	}
	if len(req.Add) > 0 {
		status = http.StatusCreated
		for _, a := range req.Add {
			dup := ""
			for _, have := range s.stream.rules {
				if have.Value == a.Value {
					dup = have.ID
				}
			}
			switch {
			case invalidRule(a.Value):
				summary["invalid"]++
				summary["not_created"]++
				errs = append(errs, map[string]any{"value": a.Value, "details": []string{"Unmatched parenthesis."}, "title": "UnprocessableEntity", "type": "https://api.x.com/2/problems/invalid-rules"})
			case dup != "":
				summary["valid"]++
				summary["not_created"]++
				errs = append(errs, map[string]any{"value": a.Value, "id": dup, "title": "DuplicateRule", "type": "https://api.x.com/2/problems/duplicate-rules"})
			default:
				summary["valid"]++
				summary["created"]++
				if !dry {
					data = append(data, s.addRuleLocked(a.Value, a.Tag))
				}
			}
		}
	}
	body := map[string]any{"meta": map[string]any{"sent": sent, "summary": summary}}
	if data != nil {
		body["data"] = data
	}
	if errs != nil {
		body["errors"] = errs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (s *Server) streamHandler(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if f, ok := s.fault(r.URL.Path); ok {
		s.writeFault(w, f)
		return
	}
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	if s.stream.open {
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"title":"ConnectionException","detail":"This stream is currently at the maximum allowed connection limit.","connection_issue":"TooManyConnections","type":"https://api.x.com/2/problems/streaming-connection"}`)
		return
	}
	if len(s.stream.rules) == 0 {
		s.mu.Unlock()
		problem(w, http.StatusConflict, "NoRules", "There are no rules for this stream.", "streaming-connection")
		return
	}
	s.stream.open = true
	s.stream.conns++
	n := s.stream.conns
	var script func(*Conn)
	if n <= len(s.stream.scripts) {
		script = s.stream.scripts[n-1]
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.stream.open = false
		s.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	f.Flush()
	c := &Conn{s: s, w: w, f: f, r: r, Number: n}
	if script != nil {
		script(c)
		return
	}
	<-r.Context().Done()
}

// Raw writes bytes as they are, in one chunk.
func (c *Conn) Raw(b string) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	fmt.Fprint(c.w, b)
	c.f.Flush()
}

// KeepAlive writes X's keep-alive, a bare CRLF.
func (c *Conn) KeepAlive() { c.Raw("\r\n") }

// Message is the stream message for t matching the rules tagged tags.
func (c *Conn) Message(t Tweet, tags ...string) string {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	data, inc, _ := c.s.expand([]Tweet{t})
	var matching []map[string]string
	for _, tag := range tags {
		for _, r := range c.s.stream.rules {
			if r.Tag == tag {
				matching = append(matching, map[string]string{"id": r.ID, "tag": r.Tag})
			}
		}
	}
	b, _ := json.Marshal(map[string]any{"data": data[0], "includes": inc, "matching_rules": matching})
	return string(b) + "\r\n"
}

// Send writes t as one message matching the rules tagged tags.
func (c *Conn) Send(t Tweet, tags ...string) { c.Raw(c.Message(t, tags...)) }

// Disconnect sends X's operational-disconnect notice; the script then
// returns, closing the connection.
func (c *Conn) Disconnect() {
	c.Raw(`{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons.","type":"https://api.x.com/2/problems/operational-disconnect"}]}` + "\r\n")
}

// Wait blocks until the client goes away.
func (c *Conn) Wait() { <-c.r.Context().Done() }

// Gone reports whether the client has gone away.
func (c *Conn) Gone() bool { return c.r.Context().Err() != nil }
