package collector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/chorus-news/chorus"
)

// Run is one collector run's live status. The collector reports what
// happens (a page, posts handed over, a wait, a fault); Run keeps the
// chorus.CollectorStatus, saves it to the store (at every change of state,
// and at most every SaveEvery otherwise), logs, and prints waits and faults
// on the progress output. It is safe for concurrent use.
type Run struct {
	opts RunOptions
	log  *slog.Logger

	mu       sync.Mutex
	st       chorus.CollectorStatus
	lastSave time.Time
	dirty    bool   // changed since the last save
	children []*Run // runs sharing this one's work (see Child)
}

// RunOptions are what NewRun needs; every field may be left zero.
type RunOptions struct {
	Store     Store // where the status is saved; nil keeps it in memory
	Logger    *slog.Logger
	Progress  *Progress // waits and faults are printed here; nil prints nothing
	SaveEvery time.Duration
	Now       func() time.Time
}

// NewRun starts the status st (Event, Name, Platform, Query and Mode set by
// the caller).
func NewRun(st chorus.CollectorStatus, o RunOptions) *Run {
	if o.Store == nil {
		o.Store = NopStore{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SaveEvery <= 0 {
		o.SaveEvery = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &Run{opts: o, st: st}
	r.log = o.Logger.With("component", "collector", "collector", st.Name, "event", st.Event)
	return r
}

// Status is a copy of the status now.
func (r *Run) Status() chorus.CollectorStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.st
}

// Progress is where the run prints; nil when it prints nothing.
func (r *Run) Progress() *Progress {
	if r == nil {
		return nil
	}
	return r.opts.Progress
}

// Line is the run's progress line: "x-search: 1,234 posts, 13 pages, 1
// rate-limit wait".
func (r *Run) Line() string {
	st := r.Status()
	s := fmt.Sprintf("%s: %s posts, %s pages", st.Name, thousands(st.Posts), thousands(st.Pages))
	if took := r.opts.Now().Sub(st.StartedAt); !st.StartedAt.IsZero() && took >= time.Second && st.Posts > 0 {
		s += fmt.Sprintf(", %s posts/s", thousands(int64(float64(st.Posts)/took.Seconds()+0.5)))
	}
	if st.RateLimitWaits > 0 {
		s += fmt.Sprintf(", %d rate-limit wait%s", st.RateLimitWaits, plural(st.RateLimitWaits))
	}
	if st.Errors > 0 {
		s += fmt.Sprintf(", %d error%s retried", st.Errors, plural(st.Errors))
	}
	if st.State == chorus.CollectorWaiting || st.State == chorus.CollectorBackoff {
		if left := st.NextRetryAt.Sub(r.opts.Now()); left > 0 {
			s += fmt.Sprintf(" (%s, resumes in %s)", st.State, Round(left))
		}
	}
	return s
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// update changes the status under the lock and saves it: now when force
// (a change of state), else when SaveEvery has passed since the last save.
func (r *Run) update(ctx context.Context, force bool, fn func(st *chorus.CollectorStatus, now time.Time)) {
	r.mu.Lock()
	now := r.opts.Now().UTC()
	fn(&r.st, now)
	r.st.UpdatedAt = now
	save := force || now.Sub(r.lastSave) >= r.opts.SaveEvery
	r.dirty = !save
	if save {
		r.lastSave = now
	}
	st := r.st
	r.mu.Unlock()
	if save {
		r.save(ctx, st)
	}
}

func (r *Run) save(ctx context.Context, st chorus.CollectorStatus) {
	// Saved even as the run is being stopped: the last word is the record.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.opts.Store.SaveCollector(sctx, st); err != nil {
		r.log.Warn("save collector status", "err", err)
	}
}

// Child starts the status of another event served by the same work (one
// X filtered stream carries every event's posts): it saves to the same
// store and logs to the same logger, prints nothing (the parent speaks for
// both), and is listed with its parent in Supervisor.Statuses.
func (r *Run) Child(st chorus.CollectorStatus) *Run {
	o := r.opts
	o.Progress = nil
	c := NewRun(st, o)
	r.mu.Lock()
	r.children = append(r.children, c)
	r.mu.Unlock()
	return c
}

// Children are the runs made by Child.
func (r *Run) Children() []*Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Run(nil), r.children...)
}

// Flush saves the status now if it changed since the last save: a
// collector whose posts come seldom (a quiet stream) calls it now and then,
// so that the record does not lag behind the last post.
func (r *Run) Flush(ctx context.Context) {
	if r == nil {
		return
	}
	r.mu.Lock()
	if !r.dirty {
		r.mu.Unlock()
		return
	}
	r.dirty = false
	r.lastSave = r.opts.Now().UTC()
	st := r.st
	r.mu.Unlock()
	r.save(ctx, st)
}

// level is how loud waits and faults are logged: a warning where the log
// is all there is (serve), debug where the progress output said it already
// (chorus collect), so that stderr does not say everything twice.
func (r *Run) level() slog.Level {
	if r.opts.Progress != nil {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// Start marks the run running from now.
func (r *Run) Start(ctx context.Context) {
	if r == nil {
		return
	}
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) {
		st.State = chorus.CollectorRunning
		if st.StartedAt.IsZero() {
			st.StartedAt = now
		}
		st.NextRetryAt = time.Time{}
	})
	r.log.Info("collector started", "query", r.st.Query, "mode", r.st.Mode)
}

// Page counts one page fetched.
func (r *Run) Page(ctx context.Context) {
	if r == nil {
		return
	}
	r.update(ctx, false, func(st *chorus.CollectorStatus, now time.Time) { st.Pages++ })
}

// Posted counts n posts handed to the sink; newest is the latest created_at
// among them.
func (r *Run) Posted(ctx context.Context, n int, newest time.Time) {
	if r == nil {
		return
	}
	if n <= 0 {
		return
	}
	r.update(ctx, false, func(st *chorus.CollectorStatus, now time.Time) {
		st.Posts += int64(n)
		st.LastPostAt = now
		if newest.After(st.NewestPost) {
			st.NewestPost = newest.UTC()
		}
	})
}

// RateLimited records a stated wait (counted in RateLimitWaits) and says so
// with the time left.
func (r *Run) RateLimited(ctx context.Context, wait time.Duration, reason string) {
	if r == nil {
		return
	}
	var until time.Time
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) {
		st.State = chorus.CollectorWaiting
		st.RateLimitWaits++
		st.NextRetryAt = now.Add(wait)
		until = st.NextRetryAt
	})
	msg := fmt.Sprintf("%s: rate limited", r.st.Name)
	if reason != "" {
		msg += " (" + reason + ")"
	}
	r.opts.Progress.Printf("%s: waiting %s, until %s", msg, Round(wait), until.Format("15:04:05 UTC"))
	r.log.Log(ctx, r.level(), "rate limited", "reason", reason, "wait", Round(wait).String(), "until", until)
}

// Pausing records a planned wait (between polls): state waiting, not a
// rate-limit wait, nothing printed.
func (r *Run) Pausing(ctx context.Context, wait time.Duration) {
	if r == nil {
		return
	}
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) {
		st.State = chorus.CollectorWaiting
		st.NextRetryAt = now.Add(wait)
	})
}

// Retrying records a transient fault and the back-off before the retry.
func (r *Run) Retrying(ctx context.Context, err error, wait time.Duration) {
	if r == nil {
		return
	}
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) {
		st.State = chorus.CollectorBackoff
		st.Errors++
		st.LastError = err.Error()
		st.LastErrorAt = now
		st.NextRetryAt = now.Add(wait)
	})
	r.opts.Progress.Printf("%s: %v; retrying in %s", r.st.Name, err, Round(wait))
	r.log.Log(ctx, r.level(), "collector fault; retrying", "err", err, "wait", Round(wait).String())
}

// Resume marks the run running again after a wait.
func (r *Run) Resume(ctx context.Context) {
	if r == nil {
		return
	}
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) {
		st.State = chorus.CollectorRunning
		st.NextRetryAt = time.Time{}
	})
}

// Note sets the status note (say, a search slice that hit the platform's
// page cap) and prints it.
func (r *Run) Note(ctx context.Context, note string) {
	if r == nil {
		return
	}
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) { st.Note = note })
	r.opts.Progress.Printf("%s: %s", r.st.Name, note)
}

// Finish ends the run: done when err is nil, stopped when ctx ended,
// failed otherwise (LastError says why). It returns err.
func (r *Run) Finish(ctx context.Context, err error) error {
	if r == nil {
		return err
	}
	stopped := ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ctx.Err()))
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) {
		st.NextRetryAt = time.Time{}
		switch {
		case stopped:
			st.State = chorus.CollectorStopped
		case err == nil:
			st.State = chorus.CollectorDone
		default:
			st.State = chorus.CollectorFailed
			st.Errors++
			st.LastError = err.Error()
			st.LastErrorAt = now
		}
	})
	if stopped {
		return nil
	}
	return err
}

// Scheduled records that the supervisor restarts a failed run at next.
func (r *Run) Scheduled(ctx context.Context, next time.Time) {
	if r == nil {
		return
	}
	r.update(ctx, true, func(st *chorus.CollectorStatus, now time.Time) { st.NextRetryAt = next })
}
