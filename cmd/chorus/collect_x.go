package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chorus-news/chorus"
	"github.com/chorus-news/chorus/collector"
	"github.com/chorus-news/chorus/collector/x"
)

// xTokenEnv holds the X app's bearer token. It is read from the
// environment only (never a flag: flags show in ps and shell history).
const xTokenEnv = "X_BEARER_TOKEN"

// xPlatform is chorus collect x: recent search (once, or every --poll), or
// with --follow the filtered stream.
func xPlatform() platform {
	return platform{
		Name:  "x",
		Query: func(ev chorus.Event) string { return ev.QueryX },
		Status: func(o collectOptions, ev chorus.Event) chorus.CollectorStatus {
			st := chorus.CollectorStatus{Name: x.NameSearch, Platform: chorus.X, Mode: "once"}
			switch {
			case o.Poll > 0:
				st.Mode = "poll"
			case o.Follow:
				st.Name, st.Mode = x.NameStream, "follow"
			}
			return st
		},
		Collect: func(ctx context.Context, o collectOptions, ev chorus.Event, run *collector.Run, st collector.Store, sink collector.Sink) error {
			token, err := xToken()
			if err != nil {
				return err
			}
			if o.Follow && o.Poll == 0 {
				s := xStream(o, token, []x.StreamEvent{{ID: ev.ID, Query: o.Query}}, sink)
				return s.Run(ctx, run, st, sink)
			}
			return xSearch(o, token, ev.ID, o.Query, sink).Run(ctx, run, st, sink)
		},
		Jobs: xJobs,
	}
}

func xToken() (x.Token, error) {
	t := x.Token(strings.TrimSpace(os.Getenv(xTokenEnv)))
	if t == "" {
		return "", usagef("collect x: set %s to the X app's Bearer Token (developer portal → the app → Keys and tokens)", xTokenEnv)
	}
	return t, nil
}

func xSearch(o collectOptions, token x.Token, event, query string, sink collector.Sink) *x.Search {
	return &x.Search{APIBase: o.APIBase, Token: token, Event: event, Query: query, Start: o.Start, End: o.End,
		BackoffMax: o.BackoffMax, Poll: o.Poll, Logger: o.Logger, Reject: xReject(sink, o.Progress)}
}

func xStream(o collectOptions, token x.Token, events []x.StreamEvent, sink collector.Sink) *x.Stream {
	return &x.Stream{APIBase: o.APIBase, Token: token, Events: events, BackoffMax: o.BackoffMax, Logger: o.Logger, Reject: xReject(sink, o.Progress)}
}

// xReject counts a post X sent that cannot be stored as read and rejected,
// and names it, as the sink does for the posts it refuses.
func xReject(sink collector.Sink, progress *collector.Progress) func(where string, err error) {
	return func(where string, err error) {
		if ps, ok := sink.(*postSink); ok {
			ps.read.Add(1)
			ps.rejected.Add(1)
		}
		progress.Printf("%s: %v", where, err)
	}
}

// xJobs is what serve --collect keeps running for the events with an X
// query inside their window: with --poll, a recent search per event;
// otherwise one filtered stream for them all (X allows one connection per
// app). The stream's job key names its events and queries, so a change of
// either replaces the stream (which then syncs the rules again).
func xJobs(o collectOptions, events []chorus.Event, st collector.Store, sink collector.Sink) []collector.Job {
	token, err := xToken()
	if err != nil {
		o.Logger.Warn("X collector off: " + err.Error())
		return nil
	}
	sort.Slice(events, func(i, j int) bool { return events[i].ID < events[j].ID })
	if o.Poll > 0 {
		jobs := make([]collector.Job, 0, len(events))
		for _, ev := range events {
			eo := o
			eo.Query, eo.Start, eo.End = ev.QueryX, ev.Start, ev.End
			jobs = append(jobs, collector.Job{
				Key:    x.NameSearch + "/" + ev.ID,
				Status: chorus.CollectorStatus{Event: ev.ID, Name: x.NameSearch, Platform: chorus.X, Query: ev.QueryX, Mode: "poll"},
				Run: func(ctx context.Context, run *collector.Run) error {
					return xSearch(eo, token, ev.ID, ev.QueryX, sink).Run(ctx, run, st, sink)
				},
			})
		}
		return jobs
	}
	var se []x.StreamEvent
	h := sha256.New()
	for _, ev := range events {
		se = append(se, x.StreamEvent{ID: ev.ID, Query: ev.QueryX})
		h.Write([]byte(ev.ID + "\x00" + ev.QueryX + "\x00"))
	}
	s := xStream(o, token, se, sink)
	if es, ok := st.(interface {
		Event(ctx context.Context, id string) (chorus.Event, error)
	}); ok {
		// A rule tagged with an event this store knows is Chorus's: deleted
		// once that event no longer collects (its window closed).
		s.Owned = func(tag string) bool {
			_, err := es.Event(context.Background(), tag)
			return err == nil
		}
	}
	return []collector.Job{{
		Key:    x.NameStream + "/" + hex.EncodeToString(h.Sum(nil)[:8]),
		Status: chorus.CollectorStatus{Event: events[0].ID, Name: x.NameStream, Platform: chorus.X, Query: events[0].QueryX, Mode: "follow"},
		Run: func(ctx context.Context, run *collector.Run) error {
			err := s.Run(ctx, run, st, sink)
			var na *x.NoAccessError
			if !errors.As(err, &na) {
				return err
			}
			// The app's tier has no filtered stream (X's Basic, Free):
			// poll recent search for every event instead.
			return xPollInstead(ctx, o, token, events, run, st, sink, err)
		},
	}}
}

// xFallbackPoll is how often serve --collect polls when the stream is not
// the app's and no --poll was given.
const xFallbackPoll = time.Minute

// xPollInstead polls recent search for each event, each in its own
// status (the stream's run for the first), until ctx ends.
func xPollInstead(ctx context.Context, o collectOptions, token x.Token, events []chorus.Event, run *collector.Run, st collector.Store, sink collector.Sink, why error) error {
	poll := o.Poll
	if poll <= 0 {
		poll = xFallbackPoll
	}
	run.Note(ctx, fmt.Sprintf("%v — polling recent search every %s instead", why, poll))
	var wg sync.WaitGroup
	errs := make([]error, len(events))
	for i, ev := range events {
		r := run
		if i > 0 {
			r = run.Child(chorus.CollectorStatus{Event: ev.ID, Name: x.NameSearch, Platform: chorus.X, Query: ev.QueryX, Mode: "poll"})
			r.Start(ctx)
		}
		eo := o
		eo.Poll, eo.Start, eo.End = poll, ev.Start, ev.End
		wg.Go(func() {
			errs[i] = xSearch(eo, token, ev.ID, ev.QueryX, sink).Run(ctx, r, st, sink)
			if i > 0 {
				_ = r.Finish(ctx, errs[i])
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
